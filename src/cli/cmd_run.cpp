// `splitinfer run`: the plan executed for real as a pipeline, with each
// element measured alone in the same run, so that every speedup it prints is
// a ratio of two measurements taken side by side.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/interrupt_guard.h"
#include "cli/model_options.h"
#include "cli/plan_report.h"
#include "cli/planning.h"
#include "common/statistics.h"
#include "exec/tensor_file.h"
#include "runtime/split_runner.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  PlanningOptions planning;
  std::string split = "auto", input, output;
  int frames = 200;
  int alone_frames = 30;
  int sweep_frames = 40;
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

struct Agreement {
  double sqnr_db = 0.0;
  double max_abs_diff = 0.0;
  int top1_same = 0, compared = 0;
  bool bit_exact_with_stages_in_turn = true;
};

[[noreturn]] void fail_stage(const StageFailure& f) {
  fail(ErrorKind::stage_failed, "stage " + std::to_string(f.stage + 1) + " (" + f.stage_name +
                                    ") failed on frame " + std::to_string(f.frame) + ": " +
                                    f.message);
}

// The data-parallel schedule's figures: its measured period, the period
// its elements' measured whole-model times add up to (1 / sum(1 / t)), how
// many frames each element took, and its speedup over each element alone.
nlohmann::json data_parallel_json(const PipelineMeasurement& dp,
                                  const std::vector<std::string>& elements,
                                  const std::map<std::string, double>& alone) {
  double rate = 0.0;
  nlohmann::json frames = nlohmann::json::object(), speedup = nlohmann::json::object();
  for (size_t r = 0; r < elements.size(); ++r) {
    const double ms = alone.at(elements[r]);
    rate += 1.0 / ms;
    frames[elements[r]] = r < dp.result.stage_ms.size() ? dp.result.stage_ms[r].size() : 0;
    speedup[elements[r]] = ms / dp.period_ms;
  }
  return {{"period_ms_measured", dp.period_ms},
          {"period_ms_from_alone", 1.0 / rate},
          {"frames_per_element", frames},
          {"speedup_over", speedup}};
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a model split over real elements as a pipeline");
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  add_planning_options(cmd, opt->planning);
  cmd->add_option("--split", opt->split, "auto (the planner's) or split indices, e.g. 10 or 5,12")
      ->default_val("auto");
  cmd->add_option("--frames", opt->frames, "Frames through the pipeline")
      ->default_val(200)
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--alone-frames", opt->alone_frames, "Frames for each element alone")
      ->default_val(30)
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--queue", opt->queue, "Capacity of the queue between stages")
      ->default_val(2)
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--input", opt->input,
                  "Raw float32 input or a PNG/JPEG image, used for every frame (default: noise)");
  cmd->add_option("--output", opt->output,
                  "Write the outputs of the distinct input frames (the one --input, or the 8 "
                  "noise frames), raw float32, concatenated in frame order");
  cmd->add_flag("--sweep", opt->sweep, "Also measure every split index (two elements)");
  cmd->add_option("--sweep-frames", opt->sweep_frames, "Frames per split index in --sweep")
      ->default_val(40)
      ->check(CLI::Range(2, 1000000));
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] {
    opt->request.need_weights = true;
    const Graph graph = load_model(opt->request);
    const std::vector<Unit> units = split_units(graph);
    const std::vector<std::string> elements = comma_list(opt->planning.devices);
    const size_t element_count = elements.size();
    const std::vector<int> given =
        parse_splits(opt->split, static_cast<int>(units.size()), element_count);
    for (const std::string& e : elements)
      if (is_simulated_element(e))
        fail(ErrorKind::invalid_input, "element " + e +
                                           " is simulated: `splitinfer plan` can use "
                                           "it, `run` needs elements present here");
    if (opt->sweep && element_count != 2)
      fail(ErrorKind::invalid_input, "--sweep measures two-element splits; give two --devices");
    const auto planning = prepare_planning(graph, opt->planning, 2, 8);
    const PlanProblem& problem = planning->problem;
    const Plan plan = given.empty() ? best_plan(problem) : evaluate_plan(problem, given);
    const Calibration calibration = calibration_for(graph, opt->planning.calibration);
    const std::vector<Handoff> frames = input_frames(graph, opt->input);
    const InterruptGuard interrupt_guard;  // SIGINT ends the run after the frames in flight

    // Each element alone, and the FP32 reference outputs, in this same run.
    std::map<std::string, double> alone;
    for (const std::string& e : planning->elements)
      alone[e] = measure_alone_ms(graph, e, &calibration, frames[0], 3, opt->alone_frames);
    std::vector<std::vector<float>> reference;
    {
      std::vector<PipelineStage> fp32 = build_stages(graph, {"cpu0:fp32"}, {}, nullptr);
      for (const Handoff& f : frames) reference.push_back(run_stages_in_turn(fp32, f).to_floats());
    }

    std::vector<PipelineStage> stages =
        build_stages(graph, planning->elements, plan.cuts, &calibration);
    std::vector<Handoff> outputs;
    const PipelineMeasurement run = measure_pipeline(
        stages, frames, opt->frames, {opt->queue, &interrupt_guard.flag()}, &outputs);
    if (run.result.failure) fail_stage(*run.result.failure);

    Agreement agreement;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::vector<float> got = outputs[i].to_floats();
      const std::vector<float> in_turn = run_stages_in_turn(stages, frames[i]).to_floats();
      agreement.bit_exact_with_stages_in_turn =
          agreement.bit_exact_with_stages_in_turn && got == in_turn;
      const std::vector<float>& want = reference[i];
      agreement.sqnr_db =
          i == 0 ? sqnr_db(got, want) : std::min(agreement.sqnr_db, sqnr_db(got, want));
      for (size_t j = 0; j < want.size(); ++j)
        agreement.max_abs_diff =
            std::max(agreement.max_abs_diff, std::abs(static_cast<double>(got[j]) - want[j]));
      agreement.top1_same += std::max_element(got.begin(), got.end()) - got.begin() ==
                             std::max_element(want.begin(), want.end()) - want.begin();
      ++agreement.compared;
    }

    if (!opt->output.empty()) {
      std::vector<float> values;
      for (const Handoff& out : outputs) {
        const std::vector<float> v = out.to_floats();
        values.insert(values.end(), v.begin(), v.end());
      }
      write_tensor_file(opt->output, values);
    }

    // The schedule a user tries first, measured in this same run: every
    // element runs the whole model and takes the next frame when it is free.
    // A replica k times slower than the fastest holds an old frame while the
    // fastest finishes k more: the reorder buffer must hold them, or the fast
    // replica waits for buffer room.
    std::vector<PipelineStage> replicas = build_replicas(graph, planning->elements, &calibration);
    const auto [fastest, slowest] =
        std::minmax_element(alone.begin(), alone.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; });
    const size_t reorder_depth =
        std::max(opt->queue, static_cast<size_t>(std::ceil(slowest->second / fastest->second)) + 1);
    const PipelineMeasurement dp =
        run.result.stopped ? PipelineMeasurement{}
                           : measure_data_parallel(replicas, frames, opt->frames,
                                                   {reorder_depth, &interrupt_guard.flag()});
    if (dp.result.failure) fail_stage(*dp.result.failure);
    nlohmann::json data_parallel = data_parallel_json(dp, planning->elements, alone);
    data_parallel["period_ms_predicted"] = evaluate_data_parallel(problem).period_ms;

    nlohmann::json sweep = nlohmann::json::array();
    if (opt->sweep && !run.result.stopped)
      for (int s = 0; s <= static_cast<int>(units.size()) && !interrupt_guard.interrupted(); ++s) {
        std::vector<PipelineStage> st = build_stages(graph, planning->elements, {s}, &calibration);
        const PipelineMeasurement m = measure_pipeline(
            st, frames, opt->sweep_frames, {opt->queue, &interrupt_guard.flag()}, nullptr);
        if (m.result.failure) fail_stage(*m.result.failure);
        sweep.push_back({{"split", s},
                         {"period_ms_measured", m.period_ms},
                         {"period_ms_predicted", evaluate_plan(problem, {s}).period_ms}});
      }

    const std::vector<double> latencies = [&] {
      std::vector<double> v = run.result.latency_ms;
      std::sort(v.begin(), v.end());
      return v;
    }();
    nlohmann::json stage_rows = nlohmann::json::array();
    for (size_t k = 0, run_index = 0; k < plan.stages.size(); ++k) {
      const StagePlan& sp = plan.stages[k];
      nlohmann::json row = {
          {"element", sp.element},
          {"units", {sp.first_unit, sp.last_unit}},
          {"ms_predicted", sp.total_ms()},
          {"predicted_basis", sp.empty() ? "empty" : std::string(cost_basis_name(sp.basis))}};
      if (!sp.empty()) row["ms_measured"] = median(run.result.stage_ms[run_index++]);
      stage_rows.push_back(row);
    }
    nlohmann::json speedup = nlohmann::json::object(), alone_json = nlohmann::json::object();
    for (const auto& [e, ms] : alone) {
      alone_json[e] = ms;
      speedup[e] = ms / run.period_ms;
    }
    nlohmann::json doc = {
        {"model", graph.name},
        {"devices", planning->elements},
        {"split", plan.cuts.size() == 1 ? nlohmann::json(plan.cuts[0]) : nlohmann::json(plan.cuts)},
        {"split_source", opt->split == "auto" ? "planner" : "user"},
        {"frames", run.result.frames_done},
        {"interrupted", run.result.stopped},
        {"stages", stage_rows},
        {"period_ms_measured", run.period_ms},
        {"period_ms_predicted", plan.period_ms},
        {"latency_ms_p50", percentile(latencies, 0.5)},
        {"latency_ms_p99", percentile(latencies, 0.99)},
        {"latency_ms_predicted", plan.latency_ms},
        {"alone_ms_measured", alone_json},
        {"speedup_over", speedup},
        {"agreement_with_fp32",
         {{"frames", agreement.compared},
          {"min_sqnr_db", agreement.sqnr_db},
          {"max_abs_diff", agreement.max_abs_diff},
          {"top1_agreement", agreement.top1_same},
          {"bit_exact_with_stages_in_turn", agreement.bit_exact_with_stages_in_turn}}},
        {"data_parallel", data_parallel},
        {"alternatives_measured", {{"pipeline", run.period_ms}, {"data_parallel", dp.period_ms}}},
        {"best_measured", run.period_ms <= dp.period_ms ? "pipeline" : "data_parallel"},
        {"link", plan_json(plan, problem, units)["link"]},
        {"profiled_now", planning->profiled_now}};
    if (opt->sweep) {
      doc["sweep"] = sweep;
      if (!sweep.empty()) {
        const auto best =
            std::min_element(sweep.begin(), sweep.end(), [](const auto& a, const auto& b) {
              return a["period_ms_measured"].template get<double>() <
                     b["period_ms_measured"].template get<double>();
            });
        doc["sweep_best_split"] = (*best)["split"];
        doc["sweep_best_period_ms"] = (*best)["period_ms_measured"];
      }
    }
    if (opt->json) {
      std::cout << doc.dump(2) << "\n";
    } else {
      std::cout << std::fixed << std::setprecision(3) << graph.name << " split at "
                << doc["split"].dump() << " over " << opt->planning.devices << " ("
                << doc["split_source"].get<std::string>() << "), " << run.result.frames_done
                << " frames, queue " << opt->queue << "\n";
      for (const auto& row : stage_rows)
        std::cout << "  " << std::left << std::setw(12) << row["element"].get<std::string>()
                  << std::right << " units " << row["units"][0] << ".."
                  << row["units"][1].get<int>() - 1 << "  measured "
                  << (row.contains("ms_measured") ? row["ms_measured"].get<double>() : 0.0)
                  << " ms, predicted " << row["ms_predicted"].get<double>() << " ms\n";
      std::cout << "  period: measured " << run.period_ms << " ms, predicted " << plan.period_ms
                << " ms\n  latency: p50 " << percentile(latencies, 0.5) << " ms, p99 "
                << percentile(latencies, 0.99) << " ms (measured)\n";
      for (const auto& [e, ms] : alone)
        std::cout << "  " << e << " alone " << ms << " ms (measured): speedup "
                  << std::setprecision(2) << ms / run.period_ms << "x\n"
                  << std::setprecision(3);
      std::cout << "  vs FP32 on " << agreement.compared << " frames: min SQNR "
                << agreement.sqnr_db << " dB, top-1 agrees " << agreement.top1_same << "/"
                << agreement.compared << ", pipeline equals stages run in turn: "
                << (agreement.bit_exact_with_stages_in_turn ? "bit for bit" : "NO") << "\n";
      std::cout << "  data-parallel (every element runs the whole model, frames to whichever is "
                   "free): period measured "
                << dp.period_ms << " ms, predicted "
                << data_parallel["period_ms_predicted"].get<double>() << " ms; the split is "
                << std::setprecision(2) << dp.period_ms / run.period_ms
                << "x the speed of data-parallel"
                << (run.period_ms <= dp.period_ms ? "\n" : ": data-parallel is faster here\n")
                << std::setprecision(3);
      for (const auto& row : sweep)
        std::cout << "  sweep split " << row["split"] << ": measured "
                  << row["period_ms_measured"].get<double>() << " ms, predicted "
                  << row["period_ms_predicted"].get<double>() << " ms\n";
    }
    if (run.result.stopped)
      fail(ErrorKind::interrupted, "interrupted after " + std::to_string(run.result.frames_done) +
                                       " frames (partial report above)");
  });
}

}  // namespace splitinfer::cli
