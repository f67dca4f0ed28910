// `splitinfer ggp verify`: the GGP loop (with rounding and repair) against
// exhaustive search over every integer split of the same models, on random
// layers, element sets, techniques, execution models and objectives: how
// often it lands within 1% of the optimum, whether it ever returns an
// infeasible split where a feasible one exists, and how long it takes.
#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>

#include "cli/ggp_commands.h"
#include "cli/ggp_options.h"
#include "common/clock.h"
#include "common/statistics.h"
#include "ggp/conv_excitation.h"
#include "ggp/partition_solver.h"

namespace splitinfer::cli {

namespace {

// Element sets drawn from the simulated catalog, each accelerator behind its
// link, the CPU and the TX2's GPU sharing the host's memory.
const std::vector<std::string> kPool = {"sim:jetson-tx2-cpu", "sim:jetson-tx2-gpu",
                                        "sim:cyclone10gx@pcie2x4", "sim:rtx2080@pcie3x4",
                                        "sim:vck190-dpu@pcie3x4"};

struct VerifyOptions {
  int layers = 1000;
  uint64_t seed = 1;
  bool json = false;
};

void run_verify(const VerifyOptions& o) {
  std::mt19937_64 rng(o.seed);
  const bool progress = isatty(STDERR_FILENO) && !o.json;
  int within = 0, rounded_within = 0, infeasible_missed = 0, not_converged = 0;
  int no_feasible_split = 0;  // exhaustive search finds none: nothing to be within 1% of
  std::vector<double> solve_ms, search_ms, gaps, iterations;
  const ggp::Technique techniques[] = {ggp::Technique::filters, ggp::Technique::channels,
                                       ggp::Technique::rows};
  for (const ggp::ConvLayer& layer : ggp::random_conv_layers(o.layers, o.seed)) {
    std::vector<std::string> pool = kPool;
    std::shuffle(pool.begin(), pool.end(), rng);
    pool.resize(2 + rng() % 2);
    const std::vector<ggp::ElementModel> elements = ggp::element_models(pool, {});
    const ggp::PartitionSetup setup{
        techniques[rng() % 3], rng() % 2 ? ggp::Execution::concurrent : ggp::Execution::sequential,
        rng() % 2 ? ggp::Goal::energy : ggp::Goal::latency};
    auto t = SteadyClock::now();
    const ggp::PartitionResult r = ggp::solve_partition({layer}, elements, setup);
    const ggp::LayerSplit& split = r.split.layers.at(0);
    solve_ms.push_back(ms_since(t));
    t = SteadyClock::now();
    const ggp::LayerSplit best = ggp::exhaustive_layer_partition(layer, elements, setup);
    search_ms.push_back(ms_since(t));
    const double gap =
        best.feasible() && split.feasible() ? split.objective / best.objective - 1 : 0.0;
    gaps.push_back(gap * 100);
    iterations.push_back(static_cast<double>(r.relaxed.trajectory.size()));
    no_feasible_split += !best.feasible();
    within += best.feasible() && split.feasible() && gap <= 0.01;
    const ggp::NetworkSplit& rounded = r.rounded;
    rounded_within +=
        best.feasible() && rounded.feasible() && rounded.objective <= best.objective * 1.01;
    infeasible_missed += best.feasible() && !split.feasible();
    not_converged += !r.relaxed.converged;
    if (progress) std::cerr << "\rlayer " << solve_ms.size() << "/" << o.layers << std::flush;
  }
  if (progress) std::cerr << "\r\033[K";
  const double n = static_cast<double>(solve_ms.size());
  const int feasible = o.layers - no_feasible_split;
  std::vector<double> sorted_ms = solve_ms;
  std::sort(sorted_ms.begin(), sorted_ms.end());
  auto mean = [&](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / n;
  };
  const nlohmann::json doc = {
      {"layers", o.layers},
      {"seed", o.seed},
      {"figure", "simulated (element models from data/devices.json)"},
      {"no_feasible_split", no_feasible_split},
      {"within_1_percent", within},
      {"within_1_percent_share", feasible > 0 ? within / static_cast<double>(feasible) : 0.0},
      {"rounded_before_repair_within_1_percent", rounded_within},
      {"infeasible_where_feasible_exists", infeasible_missed},
      {"not_converged", not_converged},
      {"gap_percent", {{"mean", mean(gaps)}, {"max", *std::max_element(gaps.begin(), gaps.end())}}},
      {"iterations",
       {{"mean", mean(iterations)},
        {"max", *std::max_element(iterations.begin(), iterations.end())}}},
      {"solve_ms",
       {{"mean", mean(solve_ms)},
        {"p95", percentile(sorted_ms, 0.95)},
        {"max", *std::max_element(solve_ms.begin(), solve_ms.end())}}},
      {"exhaustive_ms",
       {{"mean", mean(search_ms)},
        {"max", *std::max_element(search_ms.begin(), search_ms.end())}}}};
  if (o.json) {
    std::cout << doc.dump(2) << "\n";
    return;
  }
  std::cout << std::fixed << std::setprecision(2) << o.layers
            << " random layers, element sets, techniques, execution models and objectives "
               "(simulated elements)\n"
            << "  no feasible split (exhaustive search finds none; not counted below): "
            << no_feasible_split << "\n"
            << "  within 1% of the exhaustive optimum: " << within << " of " << feasible << " ("
            << 100.0 * within / std::max(feasible, 1) << "%)\n"
            << "  of them already rounded, before the repair: " << rounded_within << " ("
            << 100.0 * rounded_within / std::max(feasible, 1) << "%)\n"
            << "  infeasible where a feasible split exists: " << infeasible_missed << "\n"
            << "  penalty loop not converged: " << not_converged << "\n"
            << "  gap to the optimum: mean " << doc["gap_percent"]["mean"].get<double>()
            << "%, max " << doc["gap_percent"]["max"].get<double>() << "%\n"
            << "  GPs per layer: mean " << doc["iterations"]["mean"].get<double>() << ", max "
            << doc["iterations"]["max"].get<double>() << "\n"
            << "  solve time per layer (GGP, rounding, repair): mean "
            << doc["solve_ms"]["mean"].get<double>() << " ms, p95 "
            << doc["solve_ms"]["p95"].get<double>() << " ms, max "
            << doc["solve_ms"]["max"].get<double>() << " ms\n"
            << "  exhaustive search per layer: mean " << doc["exhaustive_ms"]["mean"].get<double>()
            << " ms\n";
}

}  // namespace

void add_ggp_verify(CLI::App* ggp_cmd) {
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd = ggp_cmd->add_subcommand(
      "verify", "Check the GGP partitions of random layers against exhaustive search");
  cmd->add_option("--layers", o->layers, "Random layers to partition")
      ->default_val(1000)
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", o->seed, "Seed of the layers and element sets")->default_val(1);
  cmd->add_flag("--json", o->json, "Print one JSON document");
  cmd->callback([o] { run_verify(*o); });
}

}  // namespace splitinfer::cli
