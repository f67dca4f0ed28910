#include "report/model_summary.h"

#include <algorithm>
#include <sstream>

#include "common/precision.h"
#include "graph/stats.h"

namespace splitinfer {
namespace {

// Distinct op types of a unit in order of first appearance.
std::vector<std::string> distinct_ops(const Graph& graph, const Unit& unit) {
  std::vector<std::string> ops;
  for (size_t n = unit.first_node; n < unit.last_node; ++n) {
    std::string op(op_name(graph.nodes[n].op));
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
  }
  return ops;
}

const Shape& input_shape(const Graph& graph) { return graph.tensor(graph.inputs.at(0)).shape; }
const Shape& output_shape(const Graph& graph) { return graph.tensor(graph.outputs.at(0)).shape; }

}  // namespace

std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return value < 0 ? "-" + digits : digits;
}

nlohmann::json model_summary_json(const Graph& graph) {
  nlohmann::json j;
  j["model"] = graph.name;
  j["input_shape"] = input_shape(graph);
  j["output_shape"] = output_shape(graph);
  j["params"] = total_params(graph);
  j["macs"] = total_macs(graph);
  j["nodes"] = graph.nodes.size();
  j["splits"] = graph.units.size() + 1;
  j["units"] = nlohmann::json::array();
  for (const Unit& u : graph.units) {
    nlohmann::json ops = nlohmann::json::array();
    for (size_t n = u.first_node; n < u.last_node; ++n) ops.push_back(op_name(graph.nodes[n].op));
    const Tensor& out = graph.tensor(u.output);
    j["units"].push_back({{"index", u.index},
                          {"name", u.name},
                          {"ops", ops},
                          {"output_shape", out.shape},
                          {"output_bytes_int8", handoff_bytes(Precision::int8, numel(out.shape))},
                          {"params", u.params},
                          {"macs", u.macs}});
  }
  return j;
}

std::string model_summary_line(const Graph& graph) {
  return graph.name + ": input " + shape_to_string(input_shape(graph)) + " -> " +
         shape_to_string(output_shape(graph)) + ", " + with_thousands(total_params(graph)) +
         " params, " + with_thousands(total_macs(graph)) + " MACs, " +
         std::to_string(graph.units.size()) + " units, " + std::to_string(graph.units.size() + 1) +
         " split indices";
}

std::string model_summary_table(const Graph& graph) {
  std::vector<std::vector<std::string>> rows = {
      {"unit", "name", "ops", "output", "int8 bytes", "params", "MACs"}};
  for (const Unit& u : graph.units) {
    std::string ops;
    for (const std::string& op : distinct_ops(graph, u)) ops += (ops.empty() ? "" : ",") + op;
    const Tensor& out = graph.tensor(u.output);
    rows.push_back({std::to_string(u.index), u.name, ops, shape_to_string(out.shape),
                    with_thousands(handoff_bytes(Precision::int8, numel(out.shape))),
                    with_thousands(u.params), with_thousands(u.macs)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::ostringstream os;
  os << model_summary_line(graph) << "\n\n";
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      const bool numeric = c == 0 || c >= 4;  // right-align numbers
      const size_t pad = width[c] - row[c].size();
      if (numeric) os << std::string(pad, ' ') << row[c];
      else os << row[c] << std::string(c + 1 < row.size() ? pad : 0, ' ');
      if (c + 1 < row.size()) os << "  ";
    }
    os << "\n";
  }
  os << "\nsplit index i runs units 0..i-1 on the first element and the rest on the second; "
        "int8 bytes = hand-off tensor + "
     << kInt8HandoffHeaderBytes << "-byte scale and zero point\n";
  return os.str();
}

}  // namespace splitinfer
