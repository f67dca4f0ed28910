// `splitinfer run`: the chosen schedule executed for real, with the other
// kind and each element alone measured in the same run, so that every
// speedup it prints is a ratio of two measurements taken side by side.
#include <iostream>
#include <memory>
#include <optional>

#include "api/model_impl.h"
#include "cli/commands.h"
#include "cli/interrupt_guard.h"
#include "cli/model_options.h"
#include "cli/plan_runs.h"
#include "cli/planning.h"
#include "cli/run_report.h"
#include "cli/schedule_measurements.h"
#include "cli/schedule_options.h"
#include "cli/source_measurement.h"
#include "cli/sweep_rematch.h"
#include "exec/tensor_file.h"
#include "runtime/split_runner.h"
#include "source/input_stream.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  PlanningOptions planning;
  ScheduleOptions schedule;
  std::string split = "auto", input, output, source;
  int frames = 200;
  int alone_frames = 30;
  int sweep_frames = 40;
  int rematch_rounds = 5;
  int rounds = 3;
  size_t queue = 2;
  bool sweep = false;
  bool json = false;
};

// Explicit split indices, checked before anything is profiled; empty for auto.
std::vector<int> parse_splits(const std::string& text, int unit_count, size_t elements) {
  if (text == "auto") return {};
  std::vector<int> cuts;
  for (const std::string& item : comma_list(text)) {
    size_t used = 0;
    int value = -1;
    try {
      value = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty())
      fail(ErrorKind::invalid_input, "--split '" + text + "' is not auto or split indices like 10");
    cuts.push_back(value);
  }
  validate_cuts(cuts, unit_count, elements);
  return cuts;
}

void check_options(const Options& o, const std::vector<std::string>& elements) {
  for (const std::string& e : elements)
    if (is_simulated_element(e))
      fail(ErrorKind::invalid_input, "element " + e +
                                         " is simulated: `splitinfer plan` can use "
                                         "it, `run` needs elements present here");
  if (o.sweep && elements.size() != 2)
    fail(ErrorKind::invalid_input, "--sweep measures two-element splits; give two --devices");
}

// Every split index of two elements through the pipeline.
nlohmann::json measure_sweep(const api::Model& model, const Options& o, const Planning& planning,
                             const std::vector<Handoff>& frames, const InterruptGuard& interrupt) {
  nlohmann::json sweep = nlohmann::json::array();
  const SharedFrames tensors = as_tensors(frames);
  for (int s = 0; s <= planning.problem.unit_count() && !interrupt.interrupted(); ++s) {
    const PipelineMeasurement sm =
        run_plan(model, pipeline_plan(model.impl().graph, planning, {s}), tensors,
                 {o.sweep_frames, o.queue, false, &interrupt.flag()}, nullptr);
    sweep.push_back({{"split", s},
                     {"period_ms_measured", sm.period_ms},
                     {"period_ms_predicted", evaluate_plan(planning.problem, {s}).period_ms}});
  }
  return sweep;
}

// The sweep's fastest schedule (a split or data-parallel) measured again
// beside the chosen one in alternating rounds (cli/sweep_rematch.h); when
// the chosen one is the fastest, it says so and measures nothing.
nlohmann::json measure_rematch(const api::Model& model, const Options& o, const Planning& planning,
                               const Schedules& s, const ScheduleMeasurements& m,
                               const nlohmann::json& sweep, const std::vector<Handoff>& frames,
                               const InterruptGuard& interrupt) {
  const Graph& graph = model.impl().graph;
  // Schedules by their split; none is data-parallel.
  std::optional<int> best;
  double best_ms = m.data_parallel.period_ms;
  for (const auto& row : sweep)
    if (row["period_ms_measured"].get<double>() < best_ms) {
      best_ms = row["period_ms_measured"].get<double>();
      best = row["split"].get<int>();
    }
  const std::optional<int> chosen = s.choice().kind == ScheduleKind::pipeline
                                        ? std::optional(s.pipeline_to_run().cuts.at(0))
                                        : std::nullopt;
  const std::string best_name = best ? "split " + std::to_string(*best) : "data-parallel";
  if (best == chosen || o.rematch_rounds == 0)
    return {{"best", best_name}, {"chosen_is_the_fastest", best == chosen}, {"rounds", 0}};
  // Data-parallel runs with the reorder buffer measure_schedules gave it.
  auto contender = [&](std::optional<int> split) {
    if (split)
      return Contender{pipeline_plan(graph, planning, {*split}),
                       {o.frames, o.queue, false, &interrupt.flag()}};
    return Contender{data_parallel_plan(graph, planning),
                     {o.frames, data_parallel_queue(m.alone, o.queue), false, &interrupt.flag()}};
  };
  const Rematch r = rematch(model, contender(chosen), contender(best), best_name,
                            as_tensors(frames), o.rematch_rounds);
  nlohmann::json j = rematch_json(r, o.frames);
  j["chosen_is_the_fastest"] = false;
  return j;
}

void run_command(const Options& o) {
  const api::Model model = api::Model::load(
      o.request.model,
      {o.request.seed, o.request.weights.value_or(""), o.request.input_shapes, o.request.equalize});
  const Graph& graph = model.impl().graph;
  const std::vector<std::string> elements = comma_list(o.planning.devices);
  const std::vector<int> given =
      parse_splits(o.split, static_cast<int>(graph.units.size()), elements.size());
  check_options(o, elements);
  // A missing, corrupt or empty source fails before anything is profiled.
  if (!o.source.empty()) InputStream(o.source, graph.tensor(graph.inputs.at(0)).shape);
  const auto planning = prepare_planning(graph, o.planning, 2, 8);
  FidelityMeter meter(graph, *planning);
  const Schedules s = weigh_schedules(*planning, o.schedule, given, &meter, false);
  const std::vector<Handoff> frames = input_frames(graph, o.input);
  std::vector<std::vector<float>> reference;
  if (o.input.empty()) {
    reference = meter.reference();
  } else {
    std::vector<PipelineStage> fp32 = build_stages(graph, {"cpu0:fp32"}, {}, nullptr);
    reference = outputs_in_turn(fp32, frames);
  }
  const InterruptGuard interrupt;  // SIGINT ends the run after the frames in flight

  const ScheduleMeasurements m =
      measure_schedules(model, *planning, s.pipeline_to_run().cuts, frames, reference,
                        {o.frames, o.alone_frames, o.queue, &interrupt.flag(), o.rounds});
  if (!o.output.empty()) {
    std::vector<float> values;
    for (const std::vector<float>& v : m.pipeline_outputs)
      values.insert(values.end(), v.begin(), v.end());
    write_tensor_file(o.output, values);
  }
  const nlohmann::json sweep = o.sweep && !m.stopped()
                                   ? measure_sweep(model, o, *planning, frames, interrupt)
                                   : nlohmann::json::array();
  nlohmann::json doc =
      run_document(graph, *planning, s, m, o.split != "auto", o.sweep ? &sweep : nullptr);
  if (o.sweep && !m.stopped() && !interrupt.interrupted())
    doc["sweep_rematch"] = measure_rematch(model, o, *planning, s, m, sweep, frames, interrupt);
  if (!o.source.empty() && !m.stopped())
    doc["source"] = source_json(measure_source(model, *planning, s.pipeline_to_run(), o.source,
                                               o.queue, &interrupt.flag()));
  if (o.json) std::cout << doc.dump(2) << "\n";
  else print_run(doc, o.planning.devices, o.queue);
  if (m.stopped())
    fail(ErrorKind::interrupted,
         "interrupted after " + std::to_string(m.pipeline.result.frames_done) + " pipeline frames" +
             (m.pipeline.result.stopped ? "" : ", during data-parallel") +
             " (partial report above)");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "Run a model over real elements: the chosen schedule, the other kind beside it");
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  add_planning_options(cmd, opt->planning);
  add_schedule_options(cmd, opt->schedule);
  cmd->add_option("--split", opt->split, "auto (the planner's) or split indices, e.g. 10 or 5,12")
      ->default_val("auto");
  cmd->add_option("--frames", opt->frames, "Frames through each schedule in each round")
      ->default_val(200)
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--rounds", opt->rounds,
                  "Rounds in which the pipeline and data-parallel take turns; each period is "
                  "the median of its rounds")
      ->default_val(3)
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--alone-frames", opt->alone_frames, "Frames for each element alone")
      ->default_val(30)
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--queue", opt->queue, "Capacity of the queue between stages")
      ->default_val(2)
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--input", opt->input,
                  "Raw float32 input or a PNG/JPEG image, used for every frame (default: noise)");
  cmd->add_option("--output", opt->output,
                  "Write the pipeline's outputs of the distinct input frames (the one --input, or "
                  "the 8 noise frames), raw float32, concatenated in frame order");
  cmd->add_option("--source", opt->source,
                  "Also run the pipeline fed by a video file (every frame), an image or a "
                  "directory of images, decoded on a thread of its own, beside the same "
                  "frames fed from memory");
  cmd->add_flag("--sweep", opt->sweep, "Also measure every split index (two elements)");
  cmd->add_option("--sweep-frames", opt->sweep_frames, "Frames per split index in --sweep")
      ->default_val(40)
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--rematch-rounds", opt->rematch_rounds,
                  "With --sweep: rounds that measure the sweep's fastest schedule again beside "
                  "the chosen one, alternating, so that a lucky sweep figure cannot pass for a "
                  "faster schedule (0: none)")
      ->default_val(5)
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { run_command(*opt); });
}

}  // namespace splitinfer::cli
