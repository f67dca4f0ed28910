// What the predict commands print: the Table 2 scores as JSON and as a table
// beside the paper's figures, and the cumulative latency charts of the
// paper's Figures 8 and 9.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "predict/evaluate_predictors.h"
#include "report/svg_plot.h"

namespace splitinfer::cli {

nlohmann::json evaluation_json(const predict::Evaluation& evaluation);

void print_evaluation(std::ostream& out, const predict::Evaluation& evaluation);

// Unit index against cumulative ms, per element: the first element's prefix
// curve and the second's suffix curve, predicted and, where known, measured.
LineChart cumulative_latency_chart(
    const std::string& title, const std::array<std::string, 2>& elements,
    const std::array<std::vector<double>, 2>& predicted,
    const std::optional<std::array<std::vector<double>, 2>>& measured);

// Writes the chart's SVG atomically; throws an io Error naming `path`.
void write_chart(const std::string& path, const LineChart& chart);

}  // namespace splitinfer::cli
