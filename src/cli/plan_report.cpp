#include "cli/plan_report.h"

#include <iomanip>
#include <ostream>

namespace splitinfer::cli {

std::string_view basis_word(CostBasis basis) {
  switch (basis) {
    case CostBasis::measured_partition:
    case CostBasis::measured_beside_partners:
    case CostBasis::measured_unit_sum: return "measured";
    case CostBasis::imported: return "imported";
    case CostBasis::simulated: return "simulated";
    case CostBasis::predicted: return "predicted";
  }
  return "unknown";
}

std::vector<std::pair<std::string, double>> alone_ms(const PlanProblem& p) {
  std::vector<std::pair<std::string, double>> ms;
  for (const ChainElement& e : p.chain)
    ms.emplace_back(e.name, p.costs->stage(e.name, 0, p.unit_count()).ms);
  return ms;
}

nlohmann::json plan_json(const Plan& plan, const PlanProblem& p, const std::vector<Unit>& units) {
  nlohmann::json stages = nlohmann::json::array();
  for (const StagePlan& s : plan.stages) {
    nlohmann::json names = nlohmann::json::array();
    for (int u = s.first_unit; u < s.last_unit; ++u)
      names.push_back(units[static_cast<size_t>(u)].name);
    stages.push_back({{"element", s.element},
                      {"units", {s.first_unit, s.last_unit}},
                      {"unit_names", names},
                      {"ms", s.total_ms()},
                      {"compute_ms", s.compute_ms},
                      {"receive_ms", s.receive_ms},
                      {"send_ms", s.send_ms},
                      {"send_bytes", s.send_bytes},
                      {"basis", s.empty() ? "empty" : std::string(cost_basis_name(s.basis))},
                      {"figure", s.empty() ? "none" : std::string(basis_word(s.basis))}});
  }
  nlohmann::json speedup = nlohmann::json::object(), alone = nlohmann::json::object();
  for (const auto& [element, ms] : alone_ms(p)) {
    alone[element] = ms;
    speedup[element] = ms / plan.period_ms;
  }
  return {{"splits", plan.cuts},
          {"stages", stages},
          {"period_ms", plan.period_ms},
          {"latency_ms", plan.latency_ms},
          {"alone_ms", alone},
          {"speedup_over", speedup},
          {"link",
           {{"name", p.link.name},
            {"mode", p.mode == LinkMode::direct ? "direct" : "indirect"},
            {"latency_ms", p.link.latency_ms},
            {"bandwidth_gb_s", p.link.bandwidth_gb_s},
            {"basis", p.link.basis}}},
          {"objective", objective_name(p.objective)}};
}

void print_plan(std::ostream& out, const Plan& plan, const PlanProblem& p,
                const std::vector<Unit>& units) {
  out << std::fixed << std::setprecision(3);
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const StagePlan& st = plan.stages[s];
    out << "  stage " << s + 1 << "  " << std::left << std::setw(18) << st.element << std::right;
    if (st.empty()) {
      out << "(no units)\n";
      continue;
    }
    out << "units " << st.first_unit << ".." << st.last_unit - 1 << " ("
        << units[static_cast<size_t>(st.first_unit)].name << " .. "
        << units[static_cast<size_t>(st.last_unit) - 1].name << ")  " << st.total_ms() << " ms ["
        << cost_basis_name(st.basis) << "]";
    if (st.receive_ms > 0) out << "  incl. receive " << st.receive_ms << " ms";
    if (st.send_ms > 0) out << "  incl. send " << st.send_ms << " ms (" << st.send_bytes << " B)";
    out << "\n";
  }
  out << "  period " << plan.period_ms << " ms, latency " << plan.latency_ms << " ms\n";
  for (const auto& [element, ms] : alone_ms(p))
    out << "  speedup over " << element << " alone (" << ms << " ms): " << std::setprecision(2)
        << ms / plan.period_ms << "x\n"
        << std::setprecision(3);
}

}  // namespace splitinfer::cli
