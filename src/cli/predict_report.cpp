#include "cli/predict_report.h"

#include <cmath>
#include <iomanip>
#include <utility>
#include <vector>

#include "common/atomic_file.h"

namespace splitinfer::cli {
namespace {

using nlohmann::json;

// Table 2 of the split-inference paper, as published: its latency and
// partition models on its DPU + GPU pair.
constexpr predict::SplitMetrics kPaperLatencyModel{95.15, 4.73, 8.63, 86.73};
constexpr predict::SplitMetrics kPaperPartitionModel{96.27, 3.93, 7.52, 95.92};

// What an objective measures: the pipeline's period, or one frame's latency.
std::string measured_quantity(Objective o) {
  return o == Objective::throughput ? "period" : "latency";
}

json nan_as_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json score_json(const predict::PredictorScore& s, int test_models, Objective objective) {
  return {{"layerwise_accuracy", s.metrics.layerwise_accuracy},
          {"mape_partition_index", s.metrics.mape_partition_index},
          {"mape_latency", s.metrics.mape_latency},
          {"agreement", s.metrics.agreement},
          {"test_models", test_models},
          {"partition_time_mape",
           {{"first", nan_as_null(s.curve_mape[0])}, {"second", nan_as_null(s.curve_mape[1])}}},
          {"partition_time_within_10_percent",
           {{"first", nan_as_null(s.within_10_percent[0])},
            {"second", nan_as_null(s.within_10_percent[1])}}},
          {"chosen_split_objective_mape", nan_as_null(s.chosen_objective_mape)},
          {"inference_ms_per_model", nan_as_null(s.inference_ms)},
          {"basis", "predicted splits scored on the measured " + measured_quantity(objective)}};
}

}  // namespace

json evaluation_json(const predict::Evaluation& ev) {
  json predictions = json::array();
  for (const auto& p : ev.predictions)
    predictions.push_back({{"seed", p.seed},
                           {"units", p.units},
                           {"best_split", p.best_split},
                           {"latency_model_split", p.latency_model_split},
                           {"partition_model_split", p.partition_model_split},
                           {"tree_split", p.tree_split}});
  return {{"objective", objective_name(ev.objective)},
          {"test_models", ev.test_models},
          {"latency_model", score_json(ev.latency_model, ev.test_models, ev.objective)},
          {"partition_model", score_json(ev.partition_model, ev.test_models, ev.objective)},
          {"tree_baseline", score_json(ev.tree_baseline, ev.test_models, ev.objective)},
          {"anchored_latency_model",
           score_json(ev.anchored_latency_model, ev.test_models, ev.objective)},
          {"measured_unit_sums", score_json(ev.measured_unit_sums, ev.test_models, ev.objective)},
          {"anchored_measured_unit_sums",
           score_json(ev.anchored_measured_unit_sums, ev.test_models, ev.objective)},
          {"constant_baseline",
           {{"element", ev.constant_element == 0 ? "first" : "second"},
            {"split", ev.constant_element == 0 ? "N" : "0"},
            {"score", score_json(ev.constant_baseline, ev.test_models, ev.objective)}}},
          {"predictions", predictions}};
}

void print_evaluation(std::ostream& out, const predict::Evaluation& ev) {
  const std::string quantity = measured_quantity(ev.objective);
  out << "Table 2 on " << ev.test_models << " held-out random CNNs (objective "
      << objective_name(ev.objective) << "; predicted splits scored on the measured " << quantity
      << ")\n";
  const auto row = [&](const std::string& name, double paper_latency, double latency,
                       double paper_partition, double partition, double tree, double constant) {
    out << std::left << std::setw(34) << name << std::right << std::fixed << std::setprecision(2)
        << std::setw(9) << paper_latency << std::setw(9) << latency << std::setw(11)
        << paper_partition << std::setw(11) << partition << std::setw(9) << tree << std::setw(10)
        << constant << "\n";
  };
  out << std::left << std::setw(34) << "metric (%)" << std::right << std::setw(18)
      << "latency model" << std::setw(22) << "partition model" << std::setw(9) << "tree"
      << std::setw(10) << "constant"
      << "\n";
  out << std::left << std::setw(34) << "" << std::right << std::setw(9) << "paper" << std::setw(9)
      << "here" << std::setw(11) << "paper" << std::setw(11) << "here" << std::setw(9) << "here"
      << std::setw(10) << "here"
      << "\n";
  const auto& l = ev.latency_model.metrics;
  const auto& p = ev.partition_model.metrics;
  const auto& t = ev.tree_baseline.metrics;
  const auto& c = ev.constant_baseline.metrics;
  row("layerwise accuracy", kPaperLatencyModel.layerwise_accuracy, l.layerwise_accuracy,
      kPaperPartitionModel.layerwise_accuracy, p.layerwise_accuracy, t.layerwise_accuracy,
      c.layerwise_accuracy);
  row("MAPE of partition index", kPaperLatencyModel.mape_partition_index, l.mape_partition_index,
      kPaperPartitionModel.mape_partition_index, p.mape_partition_index, t.mape_partition_index,
      c.mape_partition_index);
  row("MAPE of " + quantity, kPaperLatencyModel.mape_latency, l.mape_latency,
      kPaperPartitionModel.mape_latency, p.mape_latency, t.mape_latency, c.mape_latency);
  row("agreement", kPaperLatencyModel.agreement, l.agreement, kPaperPartitionModel.agreement,
      p.agreement, t.agreement, c.agreement);
  out << "constant: the whole model on the "
      << (ev.constant_element == 0 ? "first element (split N)" : "second element (split 0)")
      << ", the better of the two constants\n";
  const auto& g = ev.latency_model;
  const auto& b = ev.tree_baseline;
  // The predictors that predict times: the partition model only when trained with them.
  std::vector<std::pair<const char*, const predict::PredictorScore*>> timed = {{"GNN", &g}};
  if (!std::isnan(ev.partition_model.chosen_objective_mape))
    timed.emplace_back("partition model", &ev.partition_model);
  timed.emplace_back("tree", &b);
  const auto separator = [](size_t i) { return i ? ", " : ": "; };
  out << std::setprecision(2) << "partition-time MAPE (first / second element, predicted vs "
      << "measured)";
  for (size_t i = 0; i < timed.size(); ++i)
    out << separator(i) << timed[i].first << " " << timed[i].second->curve_mape[0] << " / "
        << timed[i].second->curve_mape[1] << " %";
  out << "\npartition times within +-10%";
  for (size_t i = 0; i < timed.size(); ++i)
    out << separator(i) << timed[i].first << " " << timed[i].second->within_10_percent[0] << " / "
        << timed[i].second->within_10_percent[1] << " %";
  out << "\npredicted vs measured " << quantity << " of the chosen split, MAPE";
  for (size_t i = 0; i < timed.size(); ++i)
    out << separator(i) << timed[i].first << " " << timed[i].second->chosen_objective_mape << " %";
  out << "\n";
  out << "latency models anchored on two measured runs per model (the whole model on each "
      << "element):\n  layerwise accuracy " << ev.anchored_latency_model.metrics.layerwise_accuracy
      << ", MAPE of partition index " << ev.anchored_latency_model.metrics.mape_partition_index
      << ", MAPE of " << quantity << " " << ev.anchored_latency_model.metrics.mape_latency
      << ", agreement " << ev.anchored_latency_model.metrics.agreement
      << " %\n  partition-time MAPE " << ev.anchored_latency_model.curve_mape[0] << " / "
      << ev.anchored_latency_model.curve_mape[1] << " %, within +-10% "
      << ev.anchored_latency_model.within_10_percent[0] << " / "
      << ev.anchored_latency_model.within_10_percent[1] << " %, chosen split's " << quantity
      << " MAPE " << ev.anchored_latency_model.chosen_objective_mape << " %\n";
  const auto reference = [&](const char* name, const predict::PredictorScore& r) {
    out << "  " << name << ": partition-time MAPE " << r.curve_mape[0] << " / " << r.curve_mape[1]
        << " %, within +-10% " << r.within_10_percent[0] << " / " << r.within_10_percent[1]
        << " %, layerwise accuracy " << r.metrics.layerwise_accuracy << ", agreement "
        << r.metrics.agreement << " %\n";
  };
  out << "reference, not a predictor: each test model's measured unit times (each unit alone) "
      << "summed into its curves\n";
  reference("plain", ev.measured_unit_sums);
  reference("anchored", ev.anchored_measured_unit_sums);
  out << std::setprecision(3) << "inference per model: latency models " << g.inference_ms
      << " ms, partition model " << ev.partition_model.inference_ms << " ms, tree "
      << b.inference_ms << " ms\n";
  out.unsetf(std::ios::fixed);
}

LineChart cumulative_latency_chart(
    const std::string& title, const std::array<std::string, 2>& elements,
    const std::array<std::vector<double>, 2>& predicted,
    const std::optional<std::array<std::vector<double>, 2>>& measured) {
  LineChart chart;
  chart.title = title;
  chart.x_label = "unit index";
  chart.y_label = "cumulative latency (ms)";
  const std::array<const char*, 2> kinds = {" units 0..i", " units i..N-1"};
  for (size_t e = 0; e < 2; ++e) {
    std::vector<double> x(predicted[e].size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
    if (measured)
      chart.series.push_back({elements[e] + kinds[e] + ", measured", x, (*measured)[e]});
    chart.series.push_back({elements[e] + kinds[e] + ", predicted (GNN)", x, predicted[e]});
  }
  return chart;
}

void write_chart(const std::string& path, const LineChart& chart) {
  write_file_atomically(path, render_svg(chart));
}

}  // namespace splitinfer::cli
