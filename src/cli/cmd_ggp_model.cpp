// `splitinfer ggp model`: every dense convolution of a network partitioned
// over elements as one generalized GP (Eq. 10 of the GGP paper: objectives
// and FPGA resources summed over the layers), against the first element
// alone and against an even split, as the paper's Figure 9 and its Table 1
// row.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/ggp_commands.h"
#include "cli/ggp_options.h"
#include "cli/model_options.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/error.h"
#include "ggp/filter_split_run.h"
#include "ggp/partition_solver.h"
#include "report/svg_plot.h"

namespace splitinfer::cli {

namespace {

struct ModelOptions {
  ModelRequest model;
  GgpElementOptions elements;
  bool json = false, run = false;
  int reps = 10, fused_k = 0;
  std::string plot;
};

// Every layer's split executed for real, one layer after another (each on
// an input of its shape; the layers between the convolutions are not run).
MeasuredSplit run_network(const std::vector<ggp::ConvLayer>& layers,
                          const std::vector<ggp::ElementModel>& elements,
                          const ggp::PartitionSetup& setup, const ggp::NetworkSplit& split,
                          int reps) {
  if (setup.technique != ggp::Technique::filters)
    fail(ErrorKind::unsupported, "--run executes filter splits only (--technique filters)");
  std::vector<std::string> names;
  for (const ggp::ElementModel& e : elements) names.push_back(e.name);
  MeasuredSplit run;
  for (size_t l = 0; l < layers.size(); ++l) {
    const ggp::FilterSplitRun r =
        ggp::run_filter_split(layers[l], names, split.layers[l].shares, reps);
    run.split_ms += r.split_ms;
    run.whole_ms += r.whole_ms;
    run.max_relative_error = std::max(run.max_relative_error, r.max_relative_error);
    run.predicted_ms +=
        ggp::evaluate_split(layers[l], elements,
                            {setup.technique, ggp::Execution::concurrent, setup.goal},
                            split.layers[l].shares)
            .ms;
  }
  return run;
}

// Every layer on the first element (the host), and every layer split evenly.
std::vector<std::vector<int64_t>> host_only(const std::vector<ggp::ConvLayer>& layers,
                                            size_t elements, ggp::Technique t) {
  std::vector<std::vector<int64_t>> shares;
  for (const ggp::ConvLayer& l : layers) {
    shares.emplace_back(elements, 0);
    shares.back()[0] = ggp::total_units(l, t);
  }
  return shares;
}

std::vector<std::vector<int64_t>> even(const std::vector<ggp::ConvLayer>& layers, size_t elements,
                                       ggp::Technique t) {
  std::vector<std::vector<int64_t>> shares;
  for (const ggp::ConvLayer& l : layers) {
    const int64_t total = ggp::total_units(l, t), each = total / static_cast<int64_t>(elements);
    shares.emplace_back(elements, each);
    shares.back()[0] += total - each * static_cast<int64_t>(elements);
  }
  return shares;
}

nlohmann::json network_json(const ggp::NetworkSplit& s) {
  return {{"ms", s.ms},
          {"mj", std::isnan(s.mj) ? nlohmann::json() : nlohmann::json(s.mj)},
          {"objective", s.objective},
          {"feasible", s.feasible()}};
}

LineChart shares_chart(const std::string& model, const std::vector<ggp::NamedConvLayer>& layers,
                       const std::vector<ggp::ElementModel>& elements,
                       const ggp::PartitionSetup& setup, const ggp::NetworkSplit& split,
                       const std::string& figure) {
  LineChart chart;
  chart.title = model + ": " + std::string(ggp::technique_name(setup.technique)) +
                " per element and layer (" + std::string(ggp::execution_name(setup.execution)) +
                ", " + figure + ")";
  chart.x_label = "convolution layer";
  chart.y_label = "share of the layer's " + std::string(ggp::technique_name(setup.technique));
  for (size_t d = 0; d < elements.size(); ++d) {
    Series s{elements[d].name, {}, {}, true};
    for (size_t l = 0; l < layers.size(); ++l) {
      s.x.push_back(static_cast<double>(l + 1));
      s.y.push_back(static_cast<double>(split.layers[l].shares[d]) /
                    static_cast<double>(ggp::total_units(layers[l].layer, setup.technique)));
    }
    chart.series.push_back(s);
  }
  return chart;
}

void run_model(const ModelOptions& o) {
  const Graph graph = load_model(o.model);
  const std::vector<ggp::NamedConvLayer> named = ggp::conv_layers(graph);
  if (named.empty())
    fail(ErrorKind::unsupported, o.model.model + " has no dense convolution to partition");
  std::vector<ggp::ConvLayer> layers;
  for (const ggp::NamedConvLayer& n : named) layers.push_back(n.layer);
  const std::vector<ggp::ElementModel> elements = load_element_models(o.elements);
  ggp::PartitionSetup setup = partition_setup(o.elements);
  setup.fused_k = o.fused_k;
  const std::string figure = model_figure(elements);

  const auto started = SteadyClock::now();
  const ggp::PartitionResult r = ggp::solve_partition(layers, elements, setup);
  const double solve_ms = ms_since(started);
  const ggp::NetworkSplit alone = ggp::evaluate_network(
      layers, elements, setup, host_only(layers, elements.size(), setup.technique));
  const ggp::NetworkSplit balanced = ggp::evaluate_network(
      layers, elements, setup, even(layers, elements.size(), setup.technique));
  if (!o.plot.empty())
    write_file_atomically(
        o.plot, render_svg(shares_chart(graph.name, named, elements, setup, r.split, figure)));

  int newton = 0;
  for (const ggp::GgpStep& s : r.relaxed.trajectory) newton += s.newton_steps;
  nlohmann::json per_layer = nlohmann::json::array();
  for (size_t l = 0; l < named.size(); ++l) {
    const ggp::ConvLayer& c = named[l].layer;
    per_layer.push_back(
        {{"name", named[l].name},
         {"layer", {{"H", c.h}, {"W", c.w}, {"C", c.c}, {"k", c.k}, {"N", c.n}, {"s", c.stride}}},
         {"shares", r.split.layers[l].shares},
         {"ms", r.split.layers[l].ms}});
  }
  nlohmann::json resources = nlohmann::json::object();
  for (size_t d = 0; d < elements.size(); ++d)
    for (size_t k = 0; k < elements[d].resources.size(); ++k)
      resources[elements[d].name][elements[d].resources[k].name] = r.split.resource_use[d][k];
  nlohmann::json doc = {{"model", graph.name},
                        {"elements", elements_json(elements)},
                        {"technique", ggp::technique_name(setup.technique)},
                        {"execution", ggp::execution_name(setup.execution)},
                        {"objective", ggp::goal_name(setup.goal)},
                        {"fused_k", setup.fused_k},
                        {"figure", figure},
                        {"scope", "dense convolutions only; other layers are not partitioned"},
                        {"layers", per_layer},
                        {"partition", network_json(r.split)},
                        {"resource_use", resources},
                        {"first_element_alone", network_json(alone)},
                        {"even_split", network_json(balanced)},
                        {"speedup",
                         {{"over_first_element_alone", alone.ms / r.split.ms},
                          {"over_even_split", balanced.ms / r.split.ms}}},
                        {"ggp",
                         {{"converged", r.relaxed.converged},
                          {"iterations", r.relaxed.trajectory.size()},
                          {"newton_steps", newton},
                          {"solve_ms", solve_ms}}}};
  std::optional<MeasuredSplit> measured;
  if (o.run) {
    measured = run_network(layers, elements, setup, r.split, o.reps);
    doc["run"] = run_json(*measured, o.reps);
    doc["run"]["scope"] =
        "each convolution (+ReLU) run on an input of its shape, one after another";
  }
  if (o.json) {
    std::cout << doc.dump(2) << "\n";
    return;
  }
  std::cout << std::fixed << std::setprecision(3) << graph.name << ": " << named.size()
            << " convolutions, " << ggp::technique_name(setup.technique) << " split, "
            << ggp::execution_name(setup.execution) << " execution, minimising "
            << ggp::goal_name(setup.goal) << " (" << figure << ")\n  " << std::left << std::setw(28)
            << "layer";
  for (const ggp::ElementModel& e : elements) std::cout << std::right << std::setw(20) << e.name;
  std::cout << std::setw(11) << "ms\n";
  for (size_t l = 0; l < named.size(); ++l) {
    std::cout << "  " << std::left << std::setw(28) << named[l].name.substr(0, 27) << std::right;
    for (int64_t s : r.split.layers[l].shares) std::cout << std::setw(20) << s;
    std::cout << std::setw(10) << r.split.layers[l].ms << "\n";
  }
  auto line = [&](const char* what, const ggp::NetworkSplit& s) {
    std::cout << "  " << std::left << std::setw(26) << what << std::right << std::setw(10) << s.ms
              << " ms";
    if (!std::isnan(s.mj)) std::cout << std::setw(10) << s.mj << " mJ";
    if (!s.feasible()) std::cout << "  (exceeds the resources)";
    std::cout << "\n";
  };
  line("GGP partition", r.split);
  line(("all on " + elements[0].name).c_str(), alone);
  line("even split", balanced);
  std::cout << "  speedup: " << std::setprecision(2) << alone.ms / r.split.ms << "x over "
            << elements[0].name << " alone, " << balanced.ms / r.split.ms
            << "x over the even split\n"
            << std::setprecision(3) << "  GGP: " << r.relaxed.trajectory.size() << " GPs ("
            << (r.relaxed.converged ? "converged" : "NOT converged") << "), " << newton
            << " Newton steps, " << solve_ms << " ms with rounding and repair\n";
  for (auto it = resources.begin(); it != resources.end(); ++it) {
    std::cout << "  " << it.key() << " resources used:";
    for (auto r_it = it->begin(); r_it != it->end(); ++r_it)
      std::cout << " " << r_it.key() << " " << std::setprecision(1) << 100 * r_it->get<double>()
                << "%";
    std::cout << "\n";
  }
  if (measured)
    std::cout << std::fixed << std::setprecision(3)
              << "  run (measured, sum of per-layer medians of " << o.reps << "): split "
              << measured->split_ms << " ms (predicted " << measured->predicted_ms
              << " ms), all on " << elements[0].name << " " << measured->whole_ms << " ms, speedup "
              << std::setprecision(2) << measured->whole_ms / measured->split_ms
              << "x; max relative error " << std::scientific << measured->max_relative_error
              << "\n";
}

}  // namespace

void add_ggp_model(CLI::App* ggp_cmd) {
  auto o = std::make_shared<ModelOptions>();
  auto* cmd = ggp_cmd->add_subcommand(
      "model", "Partition every convolution of a network as one GGP (Eq. 10)");
  add_model_options(cmd, o->model);
  add_ggp_element_options(cmd, o->elements);
  cmd->add_option("--fused", o->fused_k,
                  "Fused layers: an element keeps a feature map it made whole for the next layer "
                  "it makes whole; "
                  "K weighs the transfers with z^(2K) in the program (Eq. 13), 0 turns fusion off")
      ->default_val(0)
      ->check(CLI::Range(0, 100));
  cmd->add_option("--plot", o->plot,
                  "Write the share of each element per layer as SVG (the paper's Figure 9)");
  cmd->add_flag("--run", o->run, "Execute every layer's split for real on the real elements");
  cmd->add_option("--reps", o->reps, "Timed repetitions per layer for --run (median)")
      ->default_val(10)
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([o] { run_model(*o); });
}

}  // namespace splitinfer::cli
