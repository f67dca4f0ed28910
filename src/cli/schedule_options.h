// --schedule and --min-sqnr, shared by `plan`, `run` and `report frontier`.
#pragma once

#include <CLI/CLI.hpp>

#include "workflow/schedules.h"

namespace splitinfer::cli {

void add_schedule_options(CLI::App* cmd, ScheduleOptions& o);

}  // namespace splitinfer::cli
