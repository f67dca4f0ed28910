// `splitinfer ggp layer`: one convolution layer partitioned over elements by
// the condensation-penalty GGP loop, optionally checked against exhaustive
// search and drawn as the paper's Figure 3 (shares per GP iteration).
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/ggp_commands.h"
#include "cli/ggp_options.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/error.h"
#include "ggp/filter_split_run.h"
#include "ggp/partition_solver.h"
#include "report/svg_plot.h"

namespace splitinfer::cli {

namespace {

struct LayerOptions {
  ggp::ConvLayer layer{112, 112, 16, 1, 32, 1};
  GgpElementOptions elements;
  bool verify = false, json = false, run = false;
  int reps = 20;
  std::string plot;
};

nlohmann::json layer_json(const ggp::ConvLayer& l) {
  return {{"H", l.h}, {"W", l.w}, {"C", l.c}, {"k", l.k}, {"N", l.n}, {"s", l.stride}};
}

nlohmann::json shares_by_element(const std::vector<ggp::ElementModel>& elements,
                                 const std::vector<int64_t>& shares) {
  nlohmann::json by = nlohmann::json::object();
  for (size_t d = 0; d < elements.size(); ++d) by[elements[d].name] = shares[d];
  return by;
}

// The share of each element at each GP step of the relaxed problem.
std::vector<std::vector<double>> relaxed_shares(const ggp::PartitionResult& r) {
  std::vector<std::vector<double>> steps;
  for (const ggp::GgpStep& step : r.relaxed.trajectory) {
    std::vector<double> shares;
    for (size_t v : r.share_variables.at(0))
      shares.push_back(v == ggp::kNoVariable ? 0.0 : step.x[v]);
    steps.push_back(shares);
  }
  return steps;
}

LineChart trajectory_chart(const ggp::ConvLayer& l, const std::vector<ggp::ElementModel>& elements,
                           const ggp::PartitionSetup& setup,
                           const std::vector<std::vector<double>>& steps,
                           const std::string& figure) {
  LineChart chart;
  chart.title = "GGP tightening, H=" + std::to_string(l.h) + " W=" + std::to_string(l.w) +
                " C=" + std::to_string(l.c) + " k=" + std::to_string(l.k) +
                " N=" + std::to_string(l.n) + ", " +
                std::string(ggp::execution_name(setup.execution)) + " " +
                std::string(ggp::technique_name(setup.technique)) + " split (" + figure + ")";
  chart.x_label = "GP iteration (alpha doubles each step)";
  chart.y_label = std::string(ggp::technique_name(setup.technique)) + " per element (relaxed)";
  for (size_t d = 0; d < elements.size(); ++d) {
    Series s{elements[d].name, {}, {}, false};
    for (size_t i = 0; i < steps.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(steps[i][d]);
    }
    chart.series.push_back(s);
  }
  Series total{
      "total (target " + std::to_string(ggp::total_units(l, setup.technique)) + ")", {}, {}, false};
  for (size_t i = 0; i < steps.size(); ++i) {
    total.x.push_back(static_cast<double>(i + 1));
    double sum = 0;
    for (double v : steps[i]) sum += v;
    total.y.push_back(sum);
  }
  chart.series.push_back(total);
  return chart;
}

ggp::FilterSplitRun run_split(const ggp::ConvLayer& layer,
                              const std::vector<ggp::ElementModel>& elements,
                              const ggp::PartitionSetup& setup, const std::vector<int64_t>& shares,
                              int reps) {
  if (setup.technique != ggp::Technique::filters)
    fail(ErrorKind::unsupported, "--run executes filter splits only (--technique filters)");
  std::vector<std::string> names;
  for (const ggp::ElementModel& e : elements) names.push_back(e.name);
  return ggp::run_filter_split(layer, names, shares, reps);
}

void run_layer(const LayerOptions& o) {
  const std::vector<ggp::ElementModel> elements = load_element_models(o.elements);
  const ggp::PartitionSetup setup = partition_setup(o.elements);
  const std::string figure = model_figure(elements);
  const auto started = SteadyClock::now();
  const ggp::PartitionResult r = ggp::solve_partition({o.layer}, elements, setup);
  const ggp::LayerSplit& split = r.split.layers.at(0);
  const double solve_ms = ms_since(started);
  const std::vector<std::vector<double>> steps = relaxed_shares(r);
  if (!o.plot.empty())
    write_file_atomically(o.plot,
                          render_svg(trajectory_chart(o.layer, elements, setup, steps, figure)));

  int newton = 0;
  nlohmann::json trajectory = nlohmann::json::array();
  for (size_t i = 0; i < steps.size(); ++i) {
    const ggp::GgpStep& s = r.relaxed.trajectory[i];
    newton += s.newton_steps;
    trajectory.push_back({{"alpha", s.alpha},
                          {"shares", steps[i]},
                          {"objective", s.objective},
                          {"newton_steps", s.newton_steps},
                          {"equality_gap", s.worst_equality_gap}});
  }
  nlohmann::json per_element = nlohmann::json::array();
  for (size_t d = 0; d < elements.size(); ++d) {
    const ggp::ShareCost c =
        ggp::share_cost(o.layer, elements[d], setup.technique, split.shares[d]);
    per_element.push_back({{"element", elements[d].name},
                           {"share", split.shares[d]},
                           {"compute_ms", c.compute_ms},
                           {"transfer_ms", c.in_ms + c.out_ms}});
  }
  // The contract of DESIGN.md: split (element -> share), objective, alpha,
  // iterations, solve_ms, and with --verify exhaustive (split, objective).
  nlohmann::json doc = {{"layer", layer_json(o.layer)},
                        {"elements", elements_json(elements)},
                        {"technique", ggp::technique_name(setup.technique)},
                        {"execution", ggp::execution_name(setup.execution)},
                        {"goal", ggp::goal_name(setup.goal)},
                        {"figure", figure},
                        {"split", shares_by_element(elements, split.shares)},
                        {"objective", split.objective},
                        {"ms", split.ms},
                        {"mj", std::isnan(split.mj) ? nlohmann::json() : nlohmann::json(split.mj)},
                        {"feasible", split.feasible()},
                        {"per_element", per_element},
                        {"alpha", r.relaxed.trajectory.back().alpha},
                        {"iterations", r.relaxed.trajectory.size()},
                        {"converged", r.relaxed.converged},
                        {"newton_steps", newton},
                        {"solve_ms", solve_ms},
                        {"trajectory", trajectory}};
  std::optional<ggp::LayerSplit> best;
  if (o.verify) {
    best = ggp::exhaustive_layer_partition(o.layer, elements, setup);
    doc["exhaustive"] = {{"split", shares_by_element(elements, best->shares)},
                         {"objective", best->objective},
                         {"gap_percent", (split.objective / best->objective - 1) * 100}};
  }
  std::optional<MeasuredSplit> measured;
  if (o.run) {
    const ggp::FilterSplitRun run = run_split(o.layer, elements, setup, split.shares, o.reps);
    const double predicted_ms =
        ggp::evaluate_split(o.layer, elements,
                            {setup.technique, ggp::Execution::concurrent, setup.goal}, split.shares)
            .ms;
    measured = MeasuredSplit{run.split_ms, predicted_ms, run.whole_ms, run.max_relative_error};
    doc["run"] = run_json(*measured, o.reps);
  }
  if (o.json) {
    std::cout << doc.dump(2) << "\n";
    return;
  }
  std::cout << std::fixed << std::setprecision(3) << "conv H=" << o.layer.h << " W=" << o.layer.w
            << " C=" << o.layer.c << " k=" << o.layer.k << " N=" << o.layer.n
            << " s=" << o.layer.stride << ", " << ggp::technique_name(setup.technique) << " split, "
            << ggp::execution_name(setup.execution) << " execution, minimising "
            << ggp::goal_name(setup.goal) << " (" << figure << ")\n";
  for (const nlohmann::json& e : doc["elements"])
    std::cout << "  latency of " << e["name"].get<std::string>() << " (ms, "
              << e["model"].get<std::string>() << "): " << e["formula"].get<std::string>() << "\n";
  for (size_t d = 0; d < elements.size(); ++d) {
    const nlohmann::json& e = per_element[d];
    std::cout << "  " << std::left << std::setw(22) << elements[d].name << std::right
              << std::setw(6) << split.shares[d] << " " << ggp::technique_name(setup.technique)
              << "  " << std::setw(9) << e["compute_ms"].get<double>() << " ms compute  "
              << std::setw(9) << e["transfer_ms"].get<double>() << " ms transfer\n";
  }
  std::cout << "  layer: " << split.ms << " ms";
  if (!std::isnan(split.mj)) std::cout << ", " << split.mj << " mJ";
  if (!split.feasible()) std::cout << " (exceeds the resources: no split fits)";
  std::cout << "\n  GGP: " << r.relaxed.trajectory.size() << " GPs ("
            << (r.relaxed.converged ? "converged" : "NOT converged") << ", alpha up to "
            << std::setprecision(3) << std::scientific << r.relaxed.trajectory.back().alpha
            << std::fixed << "), " << newton << " Newton steps, " << solve_ms
            << " ms with rounding and repair\n";
  if (best) {
    const double gap = doc["exhaustive"]["gap_percent"].get<double>();
    std::cout << "  exhaustive search: ";
    for (size_t d = 0; d < best->shares.size(); ++d) std::cout << (d ? "/" : "") << best->shares[d];
    std::cout << ", objective " << best->objective << (gap <= 1e-9 ? " (the same)" : "")
              << "; GGP is " << gap << "% above it\n";
  }
  if (measured)
    std::cout << "  run (measured, median of " << o.reps << "): split " << measured->split_ms
              << " ms (predicted " << measured->predicted_ms << " ms), the whole layer on "
              << elements[0].name << " " << measured->whole_ms << " ms, speedup "
              << std::setprecision(2) << measured->whole_ms / measured->split_ms
              << "x; max relative error " << std::scientific << measured->max_relative_error
              << "\n";
}

}  // namespace

void add_ggp_layer(CLI::App* ggp_cmd) {
  auto o = std::make_shared<LayerOptions>();
  auto* cmd =
      ggp_cmd->add_subcommand("layer", "Partition one convolution layer over elements as a GGP");
  cmd->add_option("--H", o->layer.h, "Input height")->default_val(112)->check(CLI::Range(1, 16384));
  cmd->add_option("--W", o->layer.w, "Input width")->default_val(112)->check(CLI::Range(1, 16384));
  cmd->add_option("--C", o->layer.c, "Input channels")
      ->default_val(16)
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--k", o->layer.k, "Kernel size")->default_val(1)->check(CLI::Range(1, 15));
  cmd->add_option("--N", o->layer.n, "Filters (output channels)")
      ->default_val(32)
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--s", o->layer.stride, "Stride")->default_val(1)->check(CLI::Range(1, 8));
  add_ggp_element_options(cmd, o->elements);
  cmd->add_flag("--verify", o->verify,
                "Also search every integer split (up to 3 elements) and compare");
  cmd->add_option("--plot", o->plot,
                  "Write the shares per GP iteration as SVG (the paper's Figure 3)");
  cmd->add_flag("--run", o->run,
                "Execute the split for real on the real elements and compare with the unsplit "
                "layer in float32");
  cmd->add_option("--reps", o->reps, "Timed repetitions of --run (median)")
      ->default_val(20)
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([o] { run_layer(*o); });
}

}  // namespace splitinfer::cli
