#include "report/split_plots.h"

namespace splitinfer {

namespace {

std::vector<double> split_indices(const PlanProblem& p) {
  std::vector<double> x;
  for (int s = 0; s <= p.unit_count(); ++s) x.push_back(s);
  return x;
}

std::string chain_name(const PlanProblem& p) {
  return p.chain.at(0).name + " -> " + p.chain.at(1).name;
}

}  // namespace

LineChart stage_latency_chart(const std::string& model, const PlanProblem& p, int chosen_split,
                              const std::string& label) {
  LineChart chart;
  chart.title = model + ": stage latencies by split index (" + label + ", " + chain_name(p) + ")";
  chart.x_label = "split index (units before it run on " + p.chain[0].name + ")";
  chart.y_label = "stage latency (ms)";
  Series first{p.chain[0].name + " (stage 1, incl. send)", split_indices(p), {}, false};
  Series second{p.chain[1].name + " (stage 2, incl. receive)", split_indices(p), {}, false};
  for (int s = 0; s <= p.unit_count(); ++s) {
    const Plan plan = evaluate_plan(p, {s});
    first.y.push_back(plan.stages[0].total_ms());
    second.y.push_back(plan.stages[1].total_ms());
  }
  chart.series = {first, second};
  chart.marker =
      Marker{static_cast<double>(chosen_split), "chosen split " + std::to_string(chosen_split)};
  return chart;
}

LineChart transfer_latency_chart(const std::string& model, const PlanProblem& p) {
  LineChart chart;
  chart.title = model + ": hand-off transfer latency by split index (" + p.link.name + ", " +
                p.link.basis + ")";
  chart.x_label = "split index";
  chart.y_label = "transfer latency (ms)";
  Series direct{"direct (one hop)", {}, {}, false};
  Series indirect{"indirect (through host memory, two hops)", {}, {}, false};
  for (int s = 1; s < p.unit_count(); ++s) {
    const int64_t bytes = p.handoff_bytes(p.chain[0], s);
    const TransferSplit d = charge_transfer(p.link, LinkMode::direct, bytes);
    const TransferSplit i = charge_transfer(p.link, LinkMode::indirect, bytes);
    direct.x.push_back(s);
    direct.y.push_back(d.sender_ms + d.receiver_ms);
    indirect.x.push_back(s);
    indirect.y.push_back(i.sender_ms + i.receiver_ms);
  }
  chart.series = {direct, indirect};
  return chart;
}

LineChart handoff_bytes_chart(const std::string& model, const PlanProblem& p) {
  LineChart chart;
  chart.title = model + ": bytes handed over by split index";
  chart.x_label = "split index";
  chart.y_label = "hand-off size (bytes)";
  chart.log_y = true;
  chart.y_from_zero = false;
  Series int8{"INT8 codes + 8-byte header", {}, {}, true};
  Series fp32{"float32", {}, {}, true};
  for (int s = 1; s < p.unit_count(); ++s) {
    int8.x.push_back(s);
    int8.y.push_back(static_cast<double>(p.handoff_bytes({"", Precision::int8, ""}, s)));
    fp32.x.push_back(s);
    fp32.y.push_back(static_cast<double>(p.handoff_bytes({"", Precision::fp32, ""}, s)));
  }
  chart.series = {int8, fp32};
  return chart;
}

}  // namespace splitinfer
