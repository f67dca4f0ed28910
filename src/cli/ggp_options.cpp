#include "cli/ggp_options.h"

#include <fstream>
#include <sstream>

#include "cli/planning.h"
#include "common/error.h"
#include "ggp/conv_layer.h"
#include "ggp/posynomial_json.h"

namespace splitinfer::cli {

void add_ggp_element_options(CLI::App* cmd, GgpElementOptions& o) {
  cmd->add_option("--devices", o.devices,
                  "Elements, comma-separated; ELEMENT@LINK puts one behind a link from the host "
                  "(e.g. sim:jetson-tx2-cpu,sim:jetson-tx2-gpu,sim:cyclone10gx@pcie2x4)")
      ->required();
  cmd->add_option("--models", o.model_files, "Latency models of real elements from `ggp fit --out`")
      ->delimiter(',');
  cmd->add_option("--technique", o.technique,
                  "What the elements share: output filters, input channels or output rows")
      ->check(CLI::IsMember({"filters", "channels", "rows"}))
      ->default_val("filters");
  cmd->add_option(
         "--execution", o.execution,
         "concurrent (elements run at once) or sequential (they take turns, as in the paper)")
      ->check(CLI::IsMember({"concurrent", "sequential"}))
      ->default_val("concurrent");
  cmd->add_option("--objective", o.objective, "Minimise latency or energy")
      ->check(CLI::IsMember({"latency", "energy"}))
      ->default_val("latency");
}

std::vector<ggp::ElementModel> load_element_models(const GgpElementOptions& o) {
  std::vector<nlohmann::json> fits;
  for (const std::string& path : o.model_files) {
    std::ifstream in(path);
    if (!in) fail(ErrorKind::io, "cannot read the model file " + path);
    std::stringstream text;
    text << in.rdbuf();
    try {
      fits.push_back(nlohmann::json::parse(text.str()));
    } catch (const nlohmann::json::exception&) {
      fail(ErrorKind::invalid_input, path + ": not valid JSON");
    }
    ggp::fitted_element_model(fits.back(), path);  // a malformed file names itself
  }
  return ggp::element_models(comma_list(o.devices), fits);
}

ggp::PartitionSetup partition_setup(const GgpElementOptions& o) {
  ggp::PartitionSetup s;
  s.technique = o.technique == "channels" ? ggp::Technique::channels
                : o.technique == "rows"   ? ggp::Technique::rows
                                          : ggp::Technique::filters;
  s.execution =
      o.execution == "sequential" ? ggp::Execution::sequential : ggp::Execution::concurrent;
  s.goal = o.objective == "energy" ? ggp::Goal::energy : ggp::Goal::latency;
  return s;
}

std::string model_figure(const std::vector<ggp::ElementModel>& elements) {
  for (const ggp::ElementModel& e : elements)
    if (e.basis != "simulated") return "predicted";
  return "simulated";
}

nlohmann::json elements_json(const std::vector<ggp::ElementModel>& elements) {
  nlohmann::json out = nlohmann::json::array();
  for (const ggp::ElementModel& e : elements)
    out.push_back(
        {{"name", e.name},
         {"model", e.basis},
         {"latency_ms", ggp::posynomial_json(e.latency_ms, ggp::conv_feature_names())},
         {"formula", ggp::to_string(e.latency_ms, ggp::conv_feature_names())},
         {"power_w", e.power_w > 0 ? nlohmann::json(e.power_w) : nlohmann::json()},
         {"link", e.link ? nlohmann::json(e.link->name) : nlohmann::json("shares host memory")}});
  return out;
}

nlohmann::json run_json(const MeasuredSplit& run, int reps) {
  return {{"figure", "measured"},
          {"split_ms", run.split_ms},
          {"predicted_split_ms", run.predicted_ms},
          {"unsplit_on_first_element_ms", run.whole_ms},
          {"speedup", run.whole_ms / run.split_ms},
          {"max_relative_error", run.max_relative_error},
          {"reps", reps}};
}

}  // namespace splitinfer::cli
