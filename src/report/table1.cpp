#include "report/table1.h"

#include <cstdio>
#include <sstream>

namespace splitinfer {

namespace {

std::string cell(const std::optional<SplitResult>& r, double SplitResult::*speedup) {
  if (!r) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.2fx", (*r).*speedup);
  return text;
}

std::string split_cell(const std::optional<SplitResult>& r) {
  return r ? std::to_string(r->split) : "n/a";
}

// One column group: speedups over each element and the split, per model.
void group_table(std::ostringstream& out, const Table1& t, const std::string& first,
                 const std::string& second,
                 const std::vector<std::pair<std::string, std::optional<SplitResult> Table1Row::*>>& configs) {
  out << "| model | N |";
  for (const auto& [name, _] : configs)
    out << " " << name << ": over " << first << " | " << name << ": over " << second << " | "
        << name << ": split |";
  out << "\n|---|---:|";
  for (size_t i = 0; i < configs.size(); ++i) out << "---:|---:|---:|";
  out << "\n";
  for (const Table1Row& row : t.rows) {
    out << "| " << row.model << " | " << row.units << " |";
    for (const auto& [_, member] : configs) {
      const auto& r = row.*member;
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

}  // namespace

std::string table1_markdown(const Table1& t) {
  std::ostringstream out;
  out << "# Table 1: speedup of split CNN inference\n\n"
      << "Speedup = the element's whole-model time alone / the pipeline's period; split = the "
         "split index (units 0..split-1 on the first element). N = number of units.\n\n";
  if (!t.real_elements.empty()) {
    out << "## Measured on the real elements here\n\n"
        << t.real_elements[0] << " then " << t.real_elements[1] << " on " << t.machine
        << ", hand-off through shared memory. *measured*: the pipeline run at the planned split "
           "against each element alone, measured in the same run; *predicted*: the plan from the "
           "profiles.\n\n";
    group_table(out, t, t.real_elements[0], t.real_elements[1],
                {{"measured", &Table1Row::real_measured}, {"predicted", &Table1Row::real_predicted}});
  }
  if (!t.sim_elements.empty()) {
    out << "## Simulated paper devices (not measurements)\n\n"
        << t.sim_elements[0] << " then " << t.sim_elements[1] << " over " << t.sim_link
        << "; roofline cost models from data/devices.json. Direct: peer-to-peer; indirect: "
           "staged through host memory.\n\n";
    group_table(out, t, t.sim_elements[0], t.sim_elements[1],
                {{"direct", &Table1Row::sim_direct}, {"indirect", &Table1Row::sim_indirect}});
  }
  out << "## Published in the paper\n\n" << t.paper_devices << ". Source: " << t.paper_citation
      << " (copied, not measured here).\n\n";
  group_table(out, t, "DPU", "GPU",
              {{"direct", &Table1Row::paper_direct}, {"indirect", &Table1Row::paper_indirect}});
  return out.str();
}

nlohmann::json table1_json(const Table1& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Table1Row& r : t.rows)
    rows.push_back({{"model", r.model},
                    {"units", r.units},
                    {"real", {{"measured", result_json(r.real_measured)},
                              {"predicted", result_json(r.real_predicted)}}},
                    {"simulated", {{"direct", result_json(r.sim_direct)},
                                   {"indirect", result_json(r.sim_indirect)}}},
                    {"paper", {{"direct", result_json(r.paper_direct)},
                               {"indirect", result_json(r.paper_indirect)}}}});
  return {{"real_elements", t.real_elements},
          {"simulated_elements", t.sim_elements},
          {"simulated_link", t.sim_link},
          {"machine", t.machine},
          {"paper", {{"citation", t.paper_citation}, {"devices", t.paper_devices}}},
          {"rows", rows}};
}

}  // namespace splitinfer
