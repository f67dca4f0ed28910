// What `splitinfer run` reports: its JSON document, built from the plan and
// the measurements of one run, and the text the document prints as. Every
// figure says whether it was measured or predicted.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/schedule_measurements.h"
#include "graph/graph.h"
#include "workflow/planning.h"
#include "workflow/schedules.h"

namespace splitinfer::cli {

// The run's document: the chosen schedule, the pipeline's stages and
// periods, latencies, each element alone (and against its profile), the
// data-parallel schedule, the predictions again at the run's speed, the
// links, and `sweep` (every split's measured period) when given.
nlohmann::json run_document(const Graph& graph, const Planning& planning, const Schedules& s,
                            const ScheduleMeasurements& m, bool split_from_user,
                            const nlohmann::json* sweep);

// The document as text on standard output.
void print_run(const nlohmann::json& doc, const std::string& devices, size_t queue);

}  // namespace splitinfer::cli
