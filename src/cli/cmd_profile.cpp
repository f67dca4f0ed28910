#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/calibration_options.h"
#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/planning.h"
#include "exec/calibration.h"
#include "exec/image_input.h"
#include "graph/graph.h"
#include "profile/machine_id.h"
#include "profile/model_hash.h"
#include "profile/profile_import.h"
#include "profile/profile_session.h"
#include "profile/profile_store.h"
#include "profile/profiler.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  std::string device, db, input, import_path;
  CalibrationOptions calibration;
  int reps = 20;
  int passes = 3;
  int warmup = 3;
  bool force = false;
  bool no_splits = false;
  bool json = false;
};

ModelProfile measure(const Graph& graph, Backend& backend, const Options& o) {
  const Element& element = backend.element();
  enter_element(element);
  std::unique_ptr<Calibration> calibration;
  if (element.precision == Precision::int8)
    calibration = std::make_unique<Calibration>(calibration_for(graph, o.calibration));
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  const std::vector<float> input = o.input.empty()
                                       ? synthetic_calibration_inputs(graph, 1, 12345).front()
                                       : read_input_file(o.input, shape);
  ProfileOptions po;
  po.reps = o.reps;
  po.passes = o.passes;
  po.warmup = o.warmup;
  po.partitions = !o.no_splits;
  if (isatty(STDERR_FILENO))
    po.progress = [&](const std::string& what) {
      std::cerr << "\rprofiling " << graph.name << " on " << element.name << ": " << what
                << "\033[K" << std::flush;
    };
  ModelProfile p = profile_model(graph, backend, calibration.get(), input, po);
  if (po.progress) std::cerr << "\r\033[K" << std::flush;
  return p;
}

void print(const Graph& graph, const std::vector<Unit>& units, const ProfileKey& key,
           const ProfileStore& store, bool cached, bool json) {
  const int n = static_cast<int>(units.size());
  const RangeTiming whole = *store.find(key, 0, n);
  double sum = 0.0;
  nlohmann::json unit_rows = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    const RangeTiming t = *store.find(key, i, i + 1);
    sum += t.median_ms;
    unit_rows.push_back({{"index", i},
                         {"name", units[static_cast<size_t>(i)].name},
                         {"median_ms", t.median_ms},
                         {"p10_ms", t.p10_ms},
                         {"p90_ms", t.p90_ms}});
  }
  nlohmann::json splits = nlohmann::json::array();
  for (int i = 1; i < n; ++i) {
    const auto prefix = store.find(key, 0, i), suffix = store.find(key, i, n);
    if (prefix && suffix)
      splits.push_back(
          {{"split", i}, {"prefix_ms", prefix->median_ms}, {"suffix_ms", suffix->median_ms}});
  }
  const double gap_percent = 100.0 * (sum - whole.median_ms) / whole.median_ms;
  if (json) {
    std::cout << nlohmann::json{{"model", graph.name},
                                {"device", key.element},
                                {"machine", key.machine},
                                {"source", whole.source},
                                {"cached", cached},
                                {"units", unit_rows},
                                {"whole_model_ms", whole.median_ms},
                                {"sum_of_units_ms", sum},
                                {"sum_vs_whole_percent", gap_percent},
                                {"splits", splits}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << graph.name << " on " << key.element << " (" << whole.source
            << (cached ? ", from the profile store" : "") << ", " << key.machine << ")\n\n"
            << "unit  name                   median ms   p10 ms   p90 ms\n";
  std::cout << std::fixed << std::setprecision(3);
  for (const auto& u : unit_rows)
    std::cout << std::setw(4) << u["index"].get<int>() << "  " << std::left << std::setw(20)
              << u["name"].get<std::string>() << std::right << std::setw(12)
              << u["median_ms"].get<double>() << std::setw(9) << u["p10_ms"].get<double>()
              << std::setw(9) << u["p90_ms"].get<double>() << "\n";
  std::cout << "\nwhole model " << whole.median_ms << " ms; sum of units " << sum << " ms ("
            << std::showpos << std::setprecision(1) << gap_percent << std::noshowpos << "%)\n";
}

// Stores a profile from a JSON/CSV file (--import) and prints it.
void import_profile(const Options& o, const Graph& graph, const std::vector<Unit>& units,
                    ProfileStore& store, ProfileKey key) {
  const int n = static_cast<int>(units.size());
  const std::optional<std::string> element =
      o.device.empty() ? std::nullopt : std::optional<std::string>(o.device);
  const ExternalProfile external = read_external_profile(o.import_path, graph, element);
  key.element = external.element;
  key.machine = "imported";
  store.put(key, external.timings);
  if (store.find(key, 0, n)) {
    print(graph, units, key, store, false, o.json);
    return;
  }
  if (o.json)
    std::cout << nlohmann::json{{"model", graph.name},
                                {"device", key.element},
                                {"source", "imported"},
                                {"timings", external.timings.size()}}
                     .dump(2)
              << "\n";
  else
    std::cout << "stored " << external.timings.size() << " timings of " << graph.name << " on "
              << key.element << " from " << o.import_path << "\n";
}

void profile_command(const Options& o) {
  if (o.device.empty() && o.import_path.empty())
    fail(ErrorKind::invalid_input, "--device is required (e.g. --device cpu0:fp32)");
  ModelRequest request = o.request;
  request.need_weights = o.import_path.empty();
  const Graph graph = load_model(request);
  const std::vector<Unit>& units = graph.units;
  const int n = static_cast<int>(units.size());
  ProfileStore store(o.db.empty() ? ProfileStore::default_path() : o.db);
  const ProfileKey key{structure_hash(graph), graph.name, o.device, machine_id(), n};
  if (!o.import_path.empty()) {
    import_profile(o, graph, units, store, key);
    return;
  }
  const auto backend = make_backend(o.device);
  const bool cached = !o.force && has_complete_profile(store, key, n, !o.no_splits);
  if (!cached) store.put(key, profile_ranges(measure(graph, *backend, o), n));
  print(graph, units, key, store, cached, o.json);
}

}  // namespace

void add_profile_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "profile", "Measure every unit and every split partition of a model on one element");
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  cmd->add_option("--device", opt->device, "Element to measure, e.g. cpu0:int8");
  cmd->add_option("--reps", opt->reps, "Timed runs of each partition, over every pass")
      ->default_val(20)
      ->check(CLI::Range(1, 100000));
  add_passes_option(cmd, opt->passes);
  cmd->add_option("--warmup", opt->warmup, "Untimed runs before each pass's runs of a partition")
      ->default_val(3)
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--db", opt->db, "Profile store (default: the user's cache directory)");
  cmd->add_option("--input", opt->input,
                  "Raw float32 input or a PNG/JPEG image (default: standard normal noise)");
  cmd->add_option("--import", opt->import_path,
                  "Store an external per-unit/per-split profile (JSON or CSV) instead of "
                  "measuring; --device names its element for CSV");
  cmd->add_flag("--force", opt->force, "Measure again even if the store has this profile");
  cmd->add_flag("--no-splits", opt->no_splits, "Only units and the whole model");
  add_calibration_options(cmd, opt->calibration);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { profile_command(*opt); });
}

}  // namespace splitinfer::cli
