#include "cli/planning.h"

namespace splitinfer::cli {

void add_planning_options(CLI::App* cmd, PlanningOptions& o) {
  cmd->add_option("--devices", o.devices, "Elements in pipeline order, e.g. cpu0:int8,cpu1:fp32")
      ->required();
  cmd->add_option("--link", o.link_mode, "direct (peer-to-peer) or indirect (through host memory)")
      ->default_val("direct")
      ->check(CLI::IsMember({"direct", "indirect"}));
  cmd->add_option("--link-spec", o.link,
                  "Link from data/devices.json (default: the pipeline queue between real "
                  "elements, measured; pcie3x4 when an element is simulated)");
  cmd->add_option("--objective", o.objective, "throughput (period) or latency")
      ->default_val("throughput")
      ->check(CLI::IsMember({"throughput", "latency"}));
  cmd->add_option("--db", o.db, "Profile store (default: the user's cache directory)");
  cmd->add_option("--reps", o.reps,
                  "Timed runs of each partition when profiling what the store lacks, over "
                  "every pass")
      ->default_val(20)
      ->check(CLI::Range(1, 100000));
  add_passes_option(cmd, o.passes);
  cmd->add_flag("--reprofile", o.reprofile, "Measure the real elements again");
  add_calibration_options(cmd, o.calibration);
}

void add_passes_option(CLI::App* cmd, int& passes) {
  cmd->add_option("--passes", passes,
                  "Passes over the model when profiling, each timing every unit and split "
                  "partition with its share of --reps (a slow spell of the machine then spoils "
                  "one pass's runs)")
      ->default_val(3)
      ->check(CLI::Range(1, 100));
}

void add_sim_model_option(CLI::App* cmd, PlanningOptions& o) {
  cmd->add_option("--sim-model", o.sim_model,
                  "How simulated elements are priced: fitted (to published whole-model times) "
                  "or spec (spec sheets and estimates)")
      ->default_val("fitted")
      ->check(CLI::IsMember({"fitted", "spec"}));
}

}  // namespace splitinfer::cli
