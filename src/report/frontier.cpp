#include "report/frontier.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace splitinfer {

namespace {

double sqnr(const Candidate& c) { return c.fidelity.value().min_sqnr_db; }

std::string name_of(const Candidate& c) {
  if (c.kind == ScheduleKind::data_parallel) return "data-parallel";
  std::string name = "split";
  for (size_t i = 0; i < c.cuts.size(); ++i) name += (i ? "," : " ") + std::to_string(c.cuts[i]);
  return name;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

std::vector<bool> pareto_frontier(const std::vector<Candidate>& c) {
  std::vector<bool> on(c.size(), true);
  for (size_t i = 0; i < c.size(); ++i)
    for (size_t j = 0; j < c.size() && on[i]; ++j) {
      const bool no_worse = c[j].period_ms <= c[i].period_ms && sqnr(c[j]) >= sqnr(c[i]);
      const bool better = c[j].period_ms < c[i].period_ms || sqnr(c[j]) > sqnr(c[i]);
      if (j != i && no_worse && better) on[i] = false;
    }
  return on;
}

std::string frontier_markdown(const std::string& model, const std::string& devices,
                              const std::vector<Candidate>& c, size_t chosen,
                              const std::string& what) {
  const std::vector<bool> frontier = pareto_frontier(c);
  std::vector<size_t> order(c.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return c[a].period_ms < c[b].period_ms; });
  std::ostringstream out;
  out << "# Throughput against fidelity: " << model << " over " << devices << "\n\n"
      << "Every schedule weighed, fastest first. Period: " << what
      << ". Fidelity: the lowest SQNR and the top-1 agreement against FP32 on the 8 noise "
         "frames, measured (data-parallel: its worst element's). Frontier: no other schedule "
         "is both at least as fast and at least as faithful.\n\n"
      << "| schedule | period ms | frames/s | min SQNR dB | top-1 | frontier |\n"
      << "|---|---:|---:|---:|---:|---|\n";
  for (size_t i : order) {
    const Fidelity& f = c[i].fidelity.value();
    out << "| " << name_of(c[i]) << (i == chosen ? " (chosen)" : "") << " | "
        << fixed(c[i].period_ms, 3) << " | " << fixed(1000.0 / c[i].period_ms, 1) << " | "
        << (f.min_sqnr_db >= 200.0 ? std::string("exact") : fixed(f.min_sqnr_db, 2)) << " | "
        << f.top1_same << "/" << f.frames << " | " << (frontier[i] ? "yes" : "") << " |\n";
  }
  return out.str();
}

LineChart frontier_chart(const std::string& model, const std::string& devices,
                         const std::vector<Candidate>& c, const std::string& what) {
  const std::vector<bool> frontier = pareto_frontier(c);
  Series splits{"pipeline (one point per split)", {}, {}, false, true};
  Series dp{"data-parallel", {}, {}, false, true};
  std::vector<std::pair<double, double>> edge;
  for (size_t i = 0; i < c.size(); ++i) {
    const double x = std::min(sqnr(c[i]), kFrontierPlotCeilingDb), y = 1000.0 / c[i].period_ms;
    Series& s = c[i].kind == ScheduleKind::data_parallel ? dp : splits;
    s.x.push_back(x);
    s.y.push_back(y);
    if (frontier[i]) edge.emplace_back(x, y);
  }
  std::sort(edge.begin(), edge.end());
  Series line{"frontier", {}, {}, false, false};
  for (const auto& [x, y] : edge) {
    line.x.push_back(x);
    line.y.push_back(y);
  }
  LineChart chart;
  chart.title = model + " over " + devices + ": throughput against fidelity";
  chart.x_label = "min SQNR against FP32 (dB; " + fixed(kFrontierPlotCeilingDb, 0) +
                  " and above drawn at " + fixed(kFrontierPlotCeilingDb, 0) + ")";
  chart.y_label = "frames/s (" + what + ")";
  for (Series* s : {&splits, &dp, &line})
    if (!s->x.empty()) chart.series.push_back(*s);
  return chart;
}

}  // namespace splitinfer
