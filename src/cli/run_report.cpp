#include "cli/run_report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>

#include "cli/plan_report.h"
#include "common/statistics.h"
#include "plan/scaled_cost_source.h"

namespace splitinfer::cli {

namespace {

// An element's whole model alone further than this from its profile's time
// is pointed out: the band issue 16 sets for measured over predicted.
constexpr double kDriftNoted = 0.10;

nlohmann::json agreement_json(const Fidelity& f) {
  return {{"frames", f.frames},
          {"min_sqnr_db", f.min_sqnr_db},
          {"max_abs_diff", f.max_abs_diff},
          {"top1_agreement", f.top1_same}};
}

// Each element's whole model alone in this run over its profile's time: how
// far the machine has moved since the profile, which every prediction of the
// plan carries.
std::map<std::string, double> alone_over_profile(const ScheduleMeasurements& m,
                                                 const Planning& planning) {
  std::map<std::string, double> drift;
  for (const auto& [e, profiled_ms] : alone_ms(planning.problem))
    drift[e] = m.alone.at(e) / profiled_ms;
  return drift;
}

// The plan's pipeline and data-parallel periods again, every profiled time
// of an element scaled by its alone_over_profile: the profile's prediction
// at the machine's speed of this run, which tells a mispriced plan from a
// machine that slowed down or sped up since it was profiled. The times
// alone are measured before either schedule runs.
struct RunSpeedPrediction {
  double pipeline_ms = 0.0, data_parallel_ms = 0.0;
};

RunSpeedPrediction predict_at_run_speed(const Planning& planning, const Plan& plan,
                                        const std::map<std::string, double>& drift) {
  const ScaledCostSource scaled(*planning.problem.costs, drift);
  PlanProblem problem = planning.problem;
  problem.costs = &scaled;
  return {evaluate_plan(problem, plan.cuts).period_ms, evaluate_data_parallel(problem).period_ms};
}

// The data-parallel schedule's figures: its measured period, the period
// its elements' measured whole-model times add up to (1 / sum(1 / t)), how
// many frames each element took, and its speedup over each element alone.
nlohmann::json data_parallel_json(const ScheduleMeasurements& m,
                                  const std::vector<std::string>& elements, const Schedules& s,
                                  double predicted_at_run_speed_ms) {
  double rate = 0.0;
  nlohmann::json frames = nlohmann::json::object(), speedup = nlohmann::json::object(),
                 frame_ms = nlohmann::json::object(), frame_ms_predicted = nlohmann::json::object();
  const PipelineResult& result = m.data_parallel.result;
  for (size_t r = 0; r < elements.size(); ++r) {
    const double ms = m.alone.at(elements[r]);
    rate += 1.0 / ms;
    const bool ran = r < result.stage_ms.size() && !result.stage_ms[r].empty();
    frames[elements[r]] = ran ? result.stage_ms[r].size() : 0;
    if (ran) frame_ms[elements[r]] = median(result.stage_ms[r]);
    frame_ms_predicted[elements[r]] = {
        {"ms", s.data_parallel.whole_ms.at(r)},
        {"basis", std::string(cost_basis_name(s.data_parallel.basis.at(r)))}};
    speedup[elements[r]] = ms / m.data_parallel.period_ms;
  }
  return {{"period_ms_measured", m.data_parallel.period_ms},
          {"period_ms_measured_rounds", m.data_parallel_rounds_ms},
          {"period_ms_predicted", s.data_parallel.period_ms},
          {"period_ms_predicted_at_run_speed", predicted_at_run_speed_ms},
          {"producer_cpu_ms_per_frame", m.data_parallel.producer_cpu_ms_per_frame},
          {"period_ms_from_alone", 1.0 / rate},
          {"frames_per_element", frames},
          {"frame_ms_measured", frame_ms},
          {"frame_ms_predicted", frame_ms_predicted},
          {"speedup_over", speedup},
          {"agreement_with_fp32", agreement_json(m.data_parallel_agreement)}};
}

}  // namespace

nlohmann::json run_document(const Graph& graph, const Planning& planning, const Schedules& s,
                            const ScheduleMeasurements& m, bool split_from_user,
                            const nlohmann::json* sweep) {
  const Plan& plan = s.pipeline_to_run();
  const PipelineResult& run = m.pipeline.result;
  std::vector<double> latencies = run.latency_ms;
  std::sort(latencies.begin(), latencies.end());
  std::vector<double> unloaded = m.pipeline_unloaded.result.latency_ms;
  std::sort(unloaded.begin(), unloaded.end());
  nlohmann::json stage_rows = nlohmann::json::array();
  for (size_t k = 0, run_index = 0; k < plan.stages.size(); ++k) {
    const StagePlan& sp = plan.stages[k];
    nlohmann::json row = {
        {"element", sp.element},
        {"units", {sp.first_unit, sp.last_unit}},
        {"ms_predicted", sp.total_ms()},
        {"predicted_basis", sp.empty() ? "empty" : std::string(cost_basis_name(sp.basis))}};
    if (!sp.empty()) row["ms_measured"] = median(run.stage_ms[run_index++]);
    stage_rows.push_back(row);
  }
  nlohmann::json speedup = nlohmann::json::object(), alone = nlohmann::json::object();
  for (const auto& [e, ms] : m.alone) {
    alone[e] = ms;
    speedup[e] = ms / m.pipeline.period_ms;
  }
  const std::map<std::string, double> drift = alone_over_profile(m, planning);
  const RunSpeedPrediction at_run_speed = predict_at_run_speed(planning, plan, drift);
  nlohmann::json agreement = agreement_json(m.pipeline_agreement);
  agreement["bit_exact_with_stages_in_turn"] = m.bit_exact_with_stages_in_turn;
  // Top-1 (the arg max over the whole output) means something for class
  // scores only, not for a detector's map or a recognizer's sequence.
  const Shape& output = graph.tensor(graph.outputs.at(0)).shape;
  agreement["output_is_class_scores"] = !output.empty() && numel(output) == output.back();
  const Candidate& choice = s.choice();
  const bool pipeline_chosen = choice.kind == ScheduleKind::pipeline;
  const double pipeline_ms = m.pipeline.period_ms, dp_ms = m.data_parallel.period_ms;
  nlohmann::json schedule = candidate_json(choice);
  schedule["period_ms_predicted"] = schedule["period_ms"];
  schedule.erase("period_ms");
  schedule["period_ms_measured"] = pipeline_chosen ? pipeline_ms : dp_ms;
  schedule["period_ms_predicted_at_run_speed"] =
      pipeline_chosen ? at_run_speed.pipeline_ms : at_run_speed.data_parallel_ms;
  nlohmann::json doc = {
      {"model", graph.name},
      {"devices", planning.elements},
      {"schedule", schedule},
      {"min_sqnr_db", s.request.min_sqnr_db ? nlohmann::json(*s.request.min_sqnr_db) : nullptr},
      {"split", plan.cuts.size() == 1 ? nlohmann::json(plan.cuts[0]) : nlohmann::json(plan.cuts)},
      {"split_source", split_from_user ? "user" : "planner"},
      {"frames", run.frames_done},
      {"interrupted", m.stopped()},
      {"stages", stage_rows},
      {"period_ms_measured", pipeline_ms},
      {"period_ms_measured_rounds", m.pipeline_rounds_ms},
      {"period_ms_predicted", plan.period_ms},
      {"period_ms_predicted_at_run_speed", at_run_speed.pipeline_ms},
      {"producer_cpu_ms_per_frame", m.pipeline.producer_cpu_ms_per_frame},
      {"latency_ms_p50", percentile(latencies, 0.5)},
      {"latency_ms_p99", percentile(latencies, 0.99)},
      {"latency_ms_unloaded_p50", percentile(unloaded, 0.5)},
      {"latency_ms_unloaded_p99", percentile(unloaded, 0.99)},
      {"latency_ms_predicted", plan.latency_ms},
      {"alone_ms_measured", alone},
      {"alone_over_profile", drift},
      {"speedup_over", speedup},
      {"agreement_with_fp32", agreement},
      {"data_parallel", data_parallel_json(m, planning.elements, s, at_run_speed.data_parallel_ms)},
      {"alternatives_measured", {{"pipeline", pipeline_ms}, {"data_parallel", dp_ms}}},
      {"best_measured", pipeline_ms <= dp_ms ? "pipeline" : "data_parallel"},
      {"link", plan_json(plan, planning.problem, graph.units)["link"]},
      {"links_measured", links_json(planning)},
      {"profiled_now", planning.profiled_now}};
  if (sweep) {
    doc["sweep"] = *sweep;
    if (!sweep->empty()) {
      const auto best =
          std::min_element(sweep->begin(), sweep->end(), [](const auto& a, const auto& b) {
            return a["period_ms_measured"].template get<double>() <
                   b["period_ms_measured"].template get<double>();
          });
      doc["sweep_best_split"] = (*best)["split"];
      doc["sweep_best_period_ms"] = (*best)["period_ms_measured"];
    }
  }
  return doc;
}

void print_run(const nlohmann::json& doc, const std::string& devices, size_t queue) {
  std::cout << std::fixed << std::setprecision(3) << doc["model"].get<std::string>() << " split at "
            << doc["split"].dump() << " over " << devices << " ("
            << doc["split_source"].get<std::string>() << "), " << doc["frames"] << " frames in "
            << doc["period_ms_measured_rounds"].size() << " rounds, queue " << queue << "\n";
  for (const auto& row : doc["stages"])
    std::cout << "  " << std::left << std::setw(12) << row["element"].get<std::string>()
              << std::right << " units " << row["units"][0] << ".."
              << row["units"][1].get<int>() - 1 << "  measured "
              << (row.contains("ms_measured") ? row["ms_measured"].get<double>() : 0.0)
              << " ms, predicted " << row["ms_predicted"].get<double>() << " ms\n";
  const double period = doc["period_ms_measured"].get<double>();
  std::cout << "  period: measured " << period << " ms (median of "
            << doc["period_ms_measured_rounds"].size() << " rounds), predicted "
            << doc["period_ms_predicted"].get<double>() << " ms, "
            << doc["period_ms_predicted_at_run_speed"].get<double>()
            << " ms at this run's speed (each element's profile scaled by its whole model "
               "alone now)\n  latency unloaded (one frame "
            << "in flight): p50 " << doc["latency_ms_unloaded_p50"].get<double>() << " ms, p99 "
            << doc["latency_ms_unloaded_p99"].get<double>() << " ms (measured), predicted "
            << doc["latency_ms_predicted"].get<double>() << " ms\n  latency under load: p50 "
            << doc["latency_ms_p50"].get<double>() << " ms, p99 "
            << doc["latency_ms_p99"].get<double>() << " ms (measured)\n";
  for (const auto& [e, ms] : doc["alone_ms_measured"].items()) {
    std::cout << "  " << e << " alone " << ms.get<double>() << " ms (measured): speedup "
              << std::setprecision(2) << ms.get<double>() / period << "x\n";
    const double drift = doc["alone_over_profile"][e].get<double>();
    if (std::abs(drift - 1.0) > kDriftNoted)
      std::cout
          << "    " << std::setprecision(0) << std::abs(drift - 1.0) * 100 << "% "
          << (drift > 1.0 ? "slower" : "faster")
          << " than its profile says: the machine has moved since it was profiled, and "
             "every prediction here with it ('at this run's speed' takes that out; --reprofile "
             "measures again)\n";
    std::cout << std::setprecision(3);
  }
  const auto& a = doc["agreement_with_fp32"];
  std::cout << "  vs FP32 on " << a["frames"] << " frames: min SQNR "
            << a["min_sqnr_db"].get<double>() << " dB, ";
  if (a["output_is_class_scores"].get<bool>())
    std::cout << "top-1 agrees " << a["top1_agreement"] << "/" << a["frames"] << ", ";
  std::cout << "pipeline equals stages run in turn: "
            << (a["bit_exact_with_stages_in_turn"].get<bool>() ? "bit for bit" : "NO") << "\n";
  const auto& dp = doc["data_parallel"];
  const double dp_ms = dp["period_ms_measured"].get<double>();
  std::cout << "  data-parallel (every element runs the whole model, frames to whichever is "
               "free): period measured "
            << dp_ms << " ms, predicted " << dp["period_ms_predicted"].get<double>() << " ms ("
            << dp["period_ms_predicted_at_run_speed"].get<double>()
            << " at this run's speed), min SQNR "
            << dp["agreement_with_fp32"]["min_sqnr_db"].get<double>() << " dB; the split is "
            << std::setprecision(2) << dp_ms / period << "x the speed of data-parallel"
            << (period <= dp_ms ? "\n" : ": data-parallel is faster here\n")
            << std::setprecision(3);
  if (doc.contains("source")) {
    const auto& src = doc["source"];
    std::cout << "  fed by " << src["path"].get<std::string>() << ": " << src["frames"]
              << " frames, period " << src["period_ms_measured"].get<double>() << " ms against "
              << src["period_ms_from_memory_measured"].get<double>() << " ms fed from memory ("
              << std::setprecision(2) << src["period_ratio_source_over_memory"].get<double>()
              << "x), decoding " << std::setprecision(3)
              << src["decode_ms_median_measured"].get<double>()
              << " ms per frame on its own thread (measured)\n";
  }
  for (const auto& row : doc.value("sweep", nlohmann::json::array()))
    std::cout << "  sweep split " << row["split"] << ": measured "
              << row["period_ms_measured"].get<double>() << " ms, predicted "
              << row["period_ms_predicted"].get<double>() << " ms\n";
  if (doc.contains("sweep_rematch")) {
    const auto& r = doc["sweep_rematch"];
    if (r["chosen_is_the_fastest"].get<bool>())
      std::cout << "  the chosen schedule measured fastest of the sweep and data-parallel\n";
    else if (r["rounds"].get<int>() > 0)
      std::cout << "  the sweep's fastest, " << r["best"].get<std::string>()
                << ", again beside the chosen one in " << r["rounds"]
                << " alternating rounds: chosen / fastest " << std::setprecision(3)
                << r["chosen_over_best_median"].get<double>() << " (median, measured)\n";
  }
  const auto& schedule = doc["schedule"];
  std::cout << "  chosen schedule: " << schedule["kind"].get<std::string>() << ", period measured "
            << schedule["period_ms_measured"].get<double>() << " ms, predicted "
            << schedule["period_ms_predicted"].get<double>() << " ms ("
            << schedule["period_ms_predicted_at_run_speed"].get<double>()
            << " at this run's speed)";
  if (!doc["min_sqnr_db"].is_null())
    std::cout << " (fidelity floor " << doc["min_sqnr_db"].get<double>() << " dB)";
  std::cout << "\n";
}

}  // namespace splitinfer::cli
