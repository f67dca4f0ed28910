// `splitinfer ggp`: the geometric-program partitioning of the GGP paper.
// `ggp fit` measures random convolution layers on an element and fits its
// monomial and posynomial latency models; the other subcommands partition
// with them (cmd_ggp_*.cpp).
#include <unistd.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/ggp_commands.h"
#include "common/atomic_file.h"
#include "ggp/conv_excitation.h"
#include "ggp/model_fit.h"
#include "ggp/posynomial_json.h"

namespace splitinfer::cli {

namespace {

struct FitOptions {
  std::string device = "cpu0:fp32", out;
  int samples = 60, reps = 5;
  double holdout = 0.25, power_w = 0.0;
  uint64_t seed = 1;
  bool json = false;
};

// Measures the random layers: the first (1 - holdout) train the fit, the
// rest check it.
void measure_layers(const FitOptions& o, std::vector<ggp::Sample>& train,
                    std::vector<ggp::Sample>& test) {
  const std::vector<ggp::ConvLayer> layers = ggp::random_conv_layers(o.samples, o.seed);
  const bool progress = isatty(STDERR_FILENO);
  const size_t kept = static_cast<size_t>(static_cast<double>(layers.size()) * (1.0 - o.holdout));
  for (size_t i = 0; i < layers.size(); ++i) {
    if (progress) std::cerr << "\rmeasuring layer " << i + 1 << "/" << layers.size() << std::flush;
    (i < kept ? train : test)
        .push_back({layers[i].features(), ggp::measure_conv_ms(layers[i], o.device, o.reps)});
  }
  if (progress) std::cerr << "\r\033[K";
}

void print_fit(const FitOptions& o, const nlohmann::json& doc, const ggp::Monomial& mono,
               const ggp::Posynomial& posy) {
  const auto& names = ggp::conv_feature_names();
  const auto& e = doc["mape_percent"];
  std::cout << "conv+ReLU latency on " << o.device << " (ms; fitted to " << doc["samples"]["train"]
            << " measured layers, checked on " << doc["samples"]["holdout"] << " held out)\n"
            << "  monomial:   " << ggp::to_string(ggp::Posynomial{{mono}}, names) << "\n"
            << "              MAPE train " << e["monomial_train"].get<double>() << "%, held out "
            << e["monomial_holdout"].get<double>() << "%\n"
            << "  posynomial: " << ggp::to_string(posy, names) << "\n"
            << "              MAPE train " << e["posynomial_train"].get<double>() << "%, held out "
            << e["posynomial_holdout"].get<double>() << "%\n";
}

void ggp_fit_command(const FitOptions& o) {
  std::vector<ggp::Sample> train, test;
  measure_layers(o, train, test);
  const ggp::Monomial mono = ggp::fit_monomial(train);
  const ggp::Posynomial posy = ggp::fit_posynomial(train, ggp::conv_latency_basis());
  const auto mono_f = [&](const std::vector<double>& x) { return mono(x); };
  const auto posy_f = [&](const std::vector<double>& x) { return posy(x); };
  const auto& names = ggp::conv_feature_names();
  nlohmann::json doc = {
      {"element", o.device},
      {"features", ggp::conv_feature_names()},
      {"unit", "ms"},
      {"figure", "fitted to measurements"},
      {"samples", {{"train", train.size()}, {"holdout", test.size()}, {"seed", o.seed}}},
      {"monomial", ggp::posynomial_json(ggp::Posynomial{{mono}}, names)},
      {"posynomial", ggp::posynomial_json(posy, names)},
      {"mape_percent",
       {{"monomial_train", ggp::mape_percent(train, mono_f)},
        {"monomial_holdout", ggp::mape_percent(test, mono_f)},
        {"posynomial_train", ggp::mape_percent(train, posy_f)},
        {"posynomial_holdout", ggp::mape_percent(test, posy_f)}}}};
  if (o.power_w > 0) doc["power_w"] = o.power_w;
  if (!o.out.empty()) write_file_atomically(o.out, doc.dump(2) + "\n");
  if (o.json) std::cout << doc.dump(2) << "\n";
  else print_fit(o, doc, mono, posy);
}

}  // namespace

void add_ggp_fit(CLI::App* ggp_cmd) {
  auto opt = std::make_shared<FitOptions>();
  auto* cmd = ggp_cmd->add_subcommand(
      "fit", "Fit conv+ReLU latency models of an element from measurements");
  cmd->add_option("--device", opt->device, "Element to measure")->default_val("cpu0:fp32");
  cmd->add_option("--samples", opt->samples, "Random layers to measure")
      ->default_val(60)
      ->check(CLI::Range(12, 100000));
  cmd->add_option("--holdout", opt->holdout, "Fraction of layers kept out of the fit")
      ->default_val(0.25)
      ->check(CLI::Range(0.05, 0.9));
  cmd->add_option("--reps", opt->reps, "Timed runs per layer (median)")
      ->default_val(5)
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", opt->seed, "Seed of the random layers")->default_val(1);
  cmd->add_option("--power-w", opt->power_w,
                  "Power the element draws while computing, for the energy objective")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", opt->out,
                  "Write the fitted models as JSON (for --models of ggp layer/model)");
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { ggp_fit_command(*opt); });
}

void add_ggp_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("ggp", "Intra-layer partitioning as a geometric program");
  cmd->require_subcommand(1);
  add_ggp_fit(cmd);
  add_ggp_layer(cmd);
  add_ggp_verify(cmd);
  add_ggp_model(cmd);
}

}  // namespace splitinfer::cli
