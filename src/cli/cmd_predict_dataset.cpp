// `splitinfer predict dataset`: the predictors' ground truth. Random CNNs are
// measured seed by seed into the profile store, which is what makes a long
// build resumable: models the store holds are not measured again. The
// dataset file is assembled from the store once every model is in it and
// written in one atomic step, so an interrupted build leaves no partial file.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/interrupt_guard.h"
#include "cli/planning.h"
#include "cli/predict_commands.h"
#include "cli/progress_bar.h"
#include "common/clock.h"
#include "common/error.h"
#include "exec/backend.h"
#include "predict/dataset_file.h"
#include "predict/ground_truth.h"
#include "profile/machine_id.h"

namespace splitinfer::cli {

namespace {

struct Options {
  std::string devices = "cpu0:int8,cpu1:fp32";
  int models = 0;
  uint64_t first_seed = 0;
  std::string db;
  std::string out = "data/predict/dataset.json.gz";
  int reps = 10;
  bool json = false;
};

// Thrown where the command polls for SIGINT: between store lookups, and in
// the profiler's progress callback, which abandons a model halfway
// (measure_into_store passes it on from the measuring threads).
struct Interrupted {};

// Everything the user typed is checked before hours of measuring.
void check_output(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path path(out);
  std::error_code error;
  if (fs::is_directory(path, error))
    fail(ErrorKind::invalid_input, "--out " + out + " is a directory; name a file");
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::create_directories(dir, error);
  if (error)
    fail(ErrorKind::io, "cannot create " + dir.string() + " for --out: " + error.message());
  if (::access(dir.c_str(), W_OK) != 0)
    fail(ErrorKind::io, "cannot write to " + dir.string() + " (--out)");
}

// --devices as the dataset's pair, each element present here.
predict::ElementPair element_pair(const std::string& devices) {
  const std::vector<std::string> list = comma_list(devices);
  if (list.size() != 2 || list[0] == list[1])
    fail(ErrorKind::invalid_input,
         "--devices '" + devices + "' must name two different elements, e.g. cpu0:int8,cpu1:bf16");
  for (const std::string& element : list) make_backend(element);  // present here?
  return {list[0], list[1]};
}

// The seeds whose ground truth the store lacks.
std::vector<uint64_t> missing_seeds(const ProfileStore& store, const Options& o,
                                    const predict::ElementPair& elements,
                                    const std::string& machine, const InterruptGuard& interrupt) {
  std::vector<uint64_t> missing;
  for (int i = 0; i < o.models; ++i) {
    if (interrupt.interrupted()) throw Interrupted{};
    const uint64_t seed = o.first_seed + static_cast<uint64_t>(i);
    if (!predict::has_ground_truth(store, seed, machine, elements)) missing.push_back(seed);
  }
  return missing;
}

// Measures the models one after the other with a progress bar; `measured`
// counts those done. Returns the seconds it took.
double measure(ProfileStore& store, const std::vector<uint64_t>& seeds, const Options& o,
               const predict::ElementPair& elements, const std::string& machine,
               const InterruptGuard& interrupt, size_t& measured) {
  ProgressBar bar(static_cast<int>(seeds.size()));
  const auto start = SteadyClock::now();
  for (; measured < seeds.size(); ++measured) {
    const size_t i = measured;
    const std::string name = "random_cnn_" + std::to_string(seeds[i]);
    const auto model_start = SteadyClock::now();
    const double mean_s = seconds_since(start) / static_cast<double>(std::max<size_t>(i, 1));
    // From the mean time of the models measured before this one.
    const auto left = [&]() -> std::optional<double> {
      if (i == 0) return std::nullopt;
      return std::max(0.0,
                      mean_s * static_cast<double>(seeds.size() - i) - seconds_since(model_start));
    };
    ProfileOptions po;
    po.reps = o.reps;
    // Each partition's runs in one stretch, as the committed datasets were
    // measured: a dataset resumed from the store, or measured again by
    // bench/predict_repeatability.py, is measured one way throughout.
    po.passes = 1;
    // Called before every measurement: an interrupt abandons the model
    // within one measurement, and its partial timings are never stored.
    po.progress = [&](const std::string& step) {
      if (interrupt.interrupted()) throw Interrupted{};
      bar.draw(static_cast<int>(i), name + ": " + step, left());
    };
    po.progress("calibrating");
    predict::measure_ground_truth(store, seeds[i], machine, elements, po);
    if (!bar.shown())
      std::cerr << "measured " << name << " (" << i + 1 << "/" << seeds.size() << ")\n";
  }
  return seconds_since(start);
}

struct DatasetRun {
  size_t measured = 0;  // models measured by this command
  double measure_s = 0.0;
};

void print_dataset(const Options& o, const DatasetRun& run, const ProfileStore& store,
                   const predict::Dataset& dataset) {
  const size_t stored = static_cast<size_t>(o.models) - run.measured;
  if (o.json) {
    std::cout << nlohmann::json{{"out", o.out},
                                {"elements", dataset.elements},
                                {"models", o.models},
                                {"first_seed", o.first_seed},
                                {"measured_now", run.measured},
                                {"from_store", stored},
                                {"measure_seconds", run.measure_s},
                                {"seconds_per_measured_model",
                                 run.measured ? run.measure_s / run.measured : 0.0},
                                {"reps", o.reps},
                                {"db", store.path()},
                                {"link_latency_ms", dataset.link.latency_ms}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "wrote " << o.models << " models on " << dataset.elements[0] << " -> "
            << dataset.elements[1] << " (seeds " << o.first_seed << ".."
            << o.first_seed + static_cast<uint64_t>(o.models) - 1 << ") to " << o.out << ": "
            << run.measured << " measured now";
  if (run.measured) std::cout << " in " << format_duration(run.measure_s);
  std::cout << ", " << stored << " from " << store.path() << "\n";
}

void predict_dataset_command(const Options& o) {
  if (o.first_seed > std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(o.models))
    fail(ErrorKind::invalid_input, "--first-seed " + std::to_string(o.first_seed) +
                                       " leaves no room for " + std::to_string(o.models) +
                                       " seeds");
  check_output(o.out);
  const predict::ElementPair elements = element_pair(o.devices);
  ProfileStore store(o.db.empty() ? ProfileStore::default_path() : o.db);
  const std::string machine = machine_id();

  const InterruptGuard interrupt;
  DatasetRun run;
  try {
    run.measure_s = measure(store, missing_seeds(store, o, elements, machine, interrupt), o,
                            elements, machine, interrupt, run.measured);
  } catch (const Interrupted&) {
    fail(ErrorKind::interrupted, "interrupted after measuring " + std::to_string(run.measured) +
                                     " model(s) into " + store.path() +
                                     "; run the same command to resume (no dataset written)");
  }
  const predict::Dataset dataset =
      predict::assemble_dataset(store, o.first_seed, o.models, machine, elements,
                                measured_queue_link(elements[0], elements[1]));
  predict::save_dataset(o.out, dataset);
  print_dataset(o, run, store, dataset);
}

}  // namespace

void add_predict_dataset(CLI::App* predict_cmd) {
  auto* cmd = predict_cmd->add_subcommand(
      "dataset", "Measure random CNNs on two elements: the predictors' ground truth");
  auto opt = std::make_shared<Options>();
  cmd->add_option("--devices", opt->devices,
                  "The two elements, in pipeline order (the predictors plan for this pair)")
      ->default_val("cpu0:int8,cpu1:fp32");
  cmd->add_option("--models", opt->models, "Random CNNs in the dataset")
      ->required()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--first-seed", opt->first_seed, "Seed of the first model; the others follow")
      ->default_val(0);
  cmd->add_option("--db", opt->db, "Profile store (default: the user's cache directory)");
  cmd->add_option("--reps", opt->reps, "Repetitions per measurement")
      ->default_val(10)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--out", opt->out, "Dataset file (gzip-compressed JSON)")->default_val(opt->out);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { predict_dataset_command(*opt); });
}

}  // namespace splitinfer::cli
