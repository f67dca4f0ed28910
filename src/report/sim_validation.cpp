#include "report/sim_validation.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace splitinfer {
namespace {

constexpr int kSplitTolerance = 3;
constexpr double kSpeedupTolerance = 0.2;

// The element that is faster alone: the speedup over it is the smaller one.
bool first_is_faster(const SplitResult& r) { return r.speedup_over_first <= r.speedup_over_second; }

struct Verdict {
  bool faster_agrees = false;
  bool split_within = false;
  bool speedups_within = false;
};

bool close(double simulated, double paper) {
  return std::abs(simulated / paper - 1.0) <= kSpeedupTolerance;
}

std::optional<Verdict> verdict(const SimulatedResult& sim, const Table1Row& row) {
  if (!sim.direct || !sim.indirect || !row.paper_direct || !row.paper_indirect) return std::nullopt;
  const SplitResult* s[] = {&*sim.direct, &*sim.indirect};
  const SplitResult* p[] = {&*row.paper_direct, &*row.paper_indirect};
  Verdict v;
  v.faster_agrees = first_is_faster(*s[0]) == first_is_faster(*p[0]);
  v.split_within = true;
  v.speedups_within = true;
  for (int i = 0; i < 2; ++i) {
    v.split_within = v.split_within && std::abs(s[i]->split - p[i]->split) <= kSplitTolerance;
    v.speedups_within = v.speedups_within &&
                        close(s[i]->speedup_over_first, p[i]->speedup_over_first) &&
                        close(s[i]->speedup_over_second, p[i]->speedup_over_second);
  }
  return v;
}

struct Tally {
  int models = 0, faster = 0, split = 0, speedups = 0;
};

Tally tally(const Table1& t, SimulatedResult Table1Row::*priced) {
  Tally n;
  for (const Table1Row& row : t.rows)
    if (const auto v = verdict(row.*priced, row)) {
      ++n.models;
      n.faster += v->faster_agrees;
      n.split += v->split_within;
      n.speedups += v->speedups_within;
    }
  return n;
}

std::string pair_cell(double paper, double simulated) {
  char text[48];
  std::snprintf(text, sizeof text, "%.2fx / %.2fx", paper, simulated);
  return text;
}

const struct {
  const char* key;   // in the JSON
  const char* name;  // in the markdown
  SimulatedResult Table1Row::*priced;
} kPricings[] = {
    {"left_out", "fitted, leaving the model's own published times out", &Table1Row::sim_left_out},
    {"fitted", "fitted to every published time (what `plan` uses)", &Table1Row::sim_fitted},
    {"spec", "spec figures alone", &Table1Row::sim_spec}};

}  // namespace

std::string sim_validation_markdown(const Table1& t) {
  if (t.sim_elements.size() != 2 || tally(t, &Table1Row::sim_left_out).models == 0) return "";
  const std::string& first = t.sim_elements[0];
  const std::string& second = t.sim_elements[1];
  std::ostringstream out;
  out << "### Validation against the paper's Table 1\n\n"
      << "The fit never sees Table 1. Each row below is priced by a fit that also left out the "
         "model's own published times (leave one model out); cells are paper / simulated. The "
         "faster device is the one whose whole-model time is shorter.\n\n"
      << "| model | faster alone | split direct | split indirect | over " << first
      << " direct | over " << second << " direct | over " << first << " indirect | over " << second
      << " indirect |\n|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const Table1Row& row : t.rows) {
    const SimulatedResult& sim = row.sim_left_out;
    if (!verdict(sim, row)) continue;
    const SplitResult &sd = *sim.direct, &si = *sim.indirect;
    const SplitResult &pd = *row.paper_direct, &pi = *row.paper_indirect;
    out << "| " << row.model << " | " << (first_is_faster(pd) ? "DPU" : "GPU") << " / "
        << (first_is_faster(sd) ? first : second) << " | " << pd.split << " / " << sd.split << " | "
        << pi.split << " / " << si.split << " | "
        << pair_cell(pd.speedup_over_first, sd.speedup_over_first) << " | "
        << pair_cell(pd.speedup_over_second, sd.speedup_over_second) << " | "
        << pair_cell(pi.speedup_over_first, si.speedup_over_first) << " | "
        << pair_cell(pi.speedup_over_second, si.speedup_over_second) << " |\n";
  }
  out << "\nModels meeting each criterion (split: within +-" << kSplitTolerance
      << " in both configurations; speedups: all four within " << kSpeedupTolerance * 100
      << "%):\n\n| pricing | faster device agrees | split within +-" << kSplitTolerance
      << " | speedups within " << kSpeedupTolerance * 100 << "% |\n|---|---:|---:|---:|\n";
  for (const auto& p : kPricings) {
    const Tally n = tally(t, p.priced);
    out << "| " << p.name << " | " << n.faster << " of " << n.models << " | " << n.split << " of "
        << n.models << " | " << n.speedups << " of " << n.models << " |\n";
  }
  out << "\nWhat the fitted elements were fitted to:\n\n";
  for (const std::string& line : t.sim_fit_sources) out << "- " << line << "\n";
  out << "\n";
  return out.str();
}

nlohmann::json sim_validation_json(const Table1& t) {
  nlohmann::json tallies = nlohmann::json::object();
  for (const auto& p : kPricings) {
    const Tally n = tally(t, p.priced);
    tallies[p.key] = {{"models", n.models},
                      {"faster_device_agrees", n.faster},
                      {"split_within_3", n.split},
                      {"speedups_within_20_percent", n.speedups}};
  }
  return tallies;
}

}  // namespace splitinfer
