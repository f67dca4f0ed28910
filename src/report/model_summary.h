// What `inspect` prints: model totals and the split units, as JSON (the
// contract in DESIGN.md) and as a readable table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace splitinfer {

nlohmann::json model_summary_json(const Graph& graph);

// "resnet18: input 1x3x224x224 -> 1x1000, 11,689,512 params, ..."
std::string model_summary_line(const Graph& graph);

std::string model_summary_table(const Graph& graph);

// 1234567 -> "1,234,567"
std::string with_thousands(int64_t value);

}  // namespace splitinfer
