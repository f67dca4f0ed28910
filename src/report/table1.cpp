#include "report/table1.h"

#include <cstdio>
#include <functional>
#include <sstream>

#include "report/sim_validation.h"

namespace splitinfer {

namespace {

std::string ratio(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fx", x);
  return text;
}

std::string cell(const std::optional<SplitResult>& r, double SplitResult::*speedup) {
  return r ? ratio((*r).*speedup) : "n/a";
}

std::string split_cell(const std::optional<SplitResult>& r) {
  return r ? std::to_string(r->split) : "n/a";
}

// The figure of one configuration of a column group in a row.
using Column = std::function<const std::optional<SplitResult>&(const Table1Row&)>;

// One column group: speedups over each element and the split, per model.
void group_table(std::ostringstream& out, const Table1& t, const std::string& first,
                 const std::string& second,
                 const std::vector<std::pair<std::string, Column>>& configs) {
  out << "| model | N |";
  for (const auto& [name, _] : configs)
    out << " " << name << ": over " << first << " | " << name << ": over " << second << " | "
        << name << ": split |";
  out << "\n|---|---:|";
  for (size_t i = 0; i < configs.size(); ++i) out << "---:|---:|---:|";
  out << "\n";
  for (const Table1Row& row : t.rows) {
    out << "| " << row.model << " | " << row.units << " |";
    for (const auto& [_, column] : configs) {
      const std::optional<SplitResult>& r = column(row);
      out << " " << cell(r, &SplitResult::speedup_over_first) << " | "
          << cell(r, &SplitResult::speedup_over_second) << " | " << split_cell(r) << " |";
    }
    out << "\n";
  }
  out << "\n";
}

nlohmann::json result_json(const std::optional<SplitResult>& r) {
  if (!r) return nullptr;
  nlohmann::json j = {{"split", r->split},
                      {"speedup_over_first", r->speedup_over_first},
                      {"speedup_over_second", r->speedup_over_second},
                      {"figure", r->figure}};
  if (r->period_ms > 0) j["period_ms"] = r->period_ms;
  return j;
}

nlohmann::json simulated_json(const SimulatedResult& r) {
  return {{"direct", result_json(r.direct)}, {"indirect", result_json(r.indirect)}};
}

// The direct and indirect columns of one way of pricing the simulated pair.
std::vector<std::pair<std::string, Column>> simulated_columns(SimulatedResult Table1Row::*priced) {
  return {{"direct",
           [priced](const Table1Row& r) -> const std::optional<SplitResult>& {
             return (r.*priced).direct;
           }},
          {"indirect", [priced](const Table1Row& r) -> const std::optional<SplitResult>& {
             return (r.*priced).indirect;
           }}};
}

const std::optional<SplitResult>& paper_direct(const Table1Row& r) { return r.paper_direct; }
const std::optional<SplitResult>& paper_indirect(const Table1Row& r) { return r.paper_indirect; }

// The schedule a user tries first beside the split: both elements run the
// whole model, measured in the same run as the pipeline.
void data_parallel_table(std::ostringstream& out, const Table1& t, size_t k) {
  const std::vector<std::string>& pair = t.real_pairs[k];
  out << "Data-parallel on the same elements (each runs the whole model, frames to whichever is "
         "free), measured in the same run:\n\n"
      << "| model | period ms | over " << pair[0] << " | over " << pair[1]
      << " | split / data-parallel speed | faster |\n|---|---:|---:|---:|---:|---|\n";
  for (const Table1Row& row : t.rows) {
    if (k >= row.real.size() || !row.real[k].data_parallel || !row.real[k].measured) continue;
    const DataParallelResult& dp = *row.real[k].data_parallel;
    const double split_ms = row.real[k].measured->period_ms;
    char period[32];
    std::snprintf(period, sizeof period, "%.3f", dp.period_ms);
    out << "| " << row.model << " | " << period << " | " << ratio(dp.speedup_over_first) << " | "
        << ratio(dp.speedup_over_second) << " | " << ratio(dp.period_ms / split_ms) << " | "
        << (split_ms <= dp.period_ms ? "split" : "data-parallel") << " |\n";
  }
  out << "\n";
}

}  // namespace

std::string table1_markdown(const Table1& t) {
  std::ostringstream out;
  out << "# Table 1: speedup of split CNN inference\n\n"
      << "Speedup = the element's whole-model time alone / the pipeline's period; split = the "
         "split index (units 0..split-1 on the first element). N = number of units.\n\n";
  static const std::optional<SplitResult> none;
  for (size_t k = 0; k < t.real_pairs.size(); ++k) {
    const std::vector<std::string>& pair = t.real_pairs[k];
    out << "## Measured on the real elements here: " << pair[0] << " then " << pair[1] << "\n\n"
        << "On " << t.machine
        << ", hand-off through shared memory. *measured*: the pipeline run at the planned split "
           "against each element alone, measured in the same run; *predicted*: the plan from the "
           "profiles.\n\n";
    auto measured = [k](const Table1Row& r) -> const std::optional<SplitResult>& {
      return k < r.real.size() ? r.real[k].measured : none;
    };
    auto predicted = [k](const Table1Row& r) -> const std::optional<SplitResult>& {
      return k < r.real.size() ? r.real[k].predicted : none;
    };
    group_table(out, t, pair[0], pair[1], {{"measured", measured}, {"predicted", predicted}});
    data_parallel_table(out, t, k);
  }
  if (!t.sim_elements.empty()) {
    const std::string& first = t.sim_elements[0];
    const std::string& second = t.sim_elements[1];
    out << "## Simulated paper devices (not measurements)\n\n"
        << first << " then " << second << " over " << t.sim_link
        << "; roofline cost models from data/devices.json, with the figures `plan` uses: fitted "
           "to published whole-model times where the element has them. Direct: peer-to-peer; "
           "indirect: staged through host memory.\n\n";
    group_table(out, t, first, second, simulated_columns(&Table1Row::sim_fitted));
    out << sim_validation_markdown(t);
    out << "### Priced by the spec figures alone (`--sim-model spec`)\n\n";
    group_table(out, t, first, second, simulated_columns(&Table1Row::sim_spec));
  }
  out << "## Published in the paper\n\n"
      << t.paper_devices << ". Source: " << t.paper_citation << " (copied, not measured here).\n\n";
  group_table(out, t, "DPU", "GPU", {{"direct", paper_direct}, {"indirect", paper_indirect}});
  return out.str();
}

nlohmann::json table1_json(const Table1& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Table1Row& r : t.rows) {
    nlohmann::json real = nlohmann::json::array();
    for (size_t k = 0; k < r.real.size() && k < t.real_pairs.size(); ++k) {
      nlohmann::json dp = nullptr;
      if (const auto& d = r.real[k].data_parallel)
        dp = {{"period_ms", d->period_ms},
              {"period_ms_predicted", d->period_ms_predicted},
              {"speedup_over_first", d->speedup_over_first},
              {"speedup_over_second", d->speedup_over_second},
              {"figure", "measured"}};
      real.push_back({{"elements", t.real_pairs[k]},
                      {"measured", result_json(r.real[k].measured)},
                      {"predicted", result_json(r.real[k].predicted)},
                      {"data_parallel", dp}});
    }
    rows.push_back(
        {{"model", r.model},
         {"units", r.units},
         {"real", real},
         {"simulated", simulated_json(r.sim_fitted)},
         {"simulated_left_out", simulated_json(r.sim_left_out)},
         {"simulated_spec", simulated_json(r.sim_spec)},
         {"paper",
          {{"direct", result_json(r.paper_direct)}, {"indirect", result_json(r.paper_indirect)}}}});
  }
  return {{"real_pairs", t.real_pairs},
          {"simulated_elements", t.sim_elements},
          {"simulated_link", t.sim_link},
          {"simulated_fit_sources", t.sim_fit_sources},
          {"simulated_validation", sim_validation_json(t)},
          {"machine", t.machine},
          {"paper", {{"citation", t.paper_citation}, {"devices", t.paper_devices}}},
          {"rows", rows}};
}

}  // namespace splitinfer
