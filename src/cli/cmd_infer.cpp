#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/calibration_options.h"
#include "cli/commands.h"
#include "cli/model_options.h"
#include "common/error.h"
#include "exec/backend.h"
#include "exec/image_input.h"
#include "exec/tensor_file.h"
#include "graph/units.h"
#include "profile/timing.h"

namespace splitinfer::cli {

void add_infer_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("infer", "Run a whole model on one element");
  struct Options {
    ModelRequest request;
    std::string input, output, precision = "fp32", device;
    CalibrationOptions calibration;
    int reps = 1;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  cmd->add_option("--input", opt->input,
                  "Raw float32 NCHW input file, or a PNG/JPEG image (ImageNet preprocessing)")
      ->required();
  cmd->add_option("--output", opt->output, "Where to write the raw float32 output")->required();
  cmd->add_option("--precision", opt->precision,
                  "fp32, int8 or bf16 (the element's when --device is given)")
      ->check(CLI::IsMember({"fp32", "int8", "bf16"}));
  cmd->add_option("--device", opt->device, "Element, e.g. cpu0:int8 (default cpu0:PRECISION)");
  cmd->add_option("--reps", opt->reps, "Runs to time (the median is reported)")
      ->default_val(1)
      ->check(CLI::Range(1, 100000));
  add_calibration_options(cmd, opt->calibration);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt, cmd] {
    if (!opt->device.empty() && cmd->count("--precision") > 0 &&
        parse_element(opt->device).precision != parse_element("cpu0:" + opt->precision).precision)
      fail(ErrorKind::invalid_input,
           "--precision " + opt->precision + " contradicts --device " + opt->device);
    const std::string device = opt->device.empty() ? "cpu0:" + opt->precision : opt->device;
    const auto backend = make_backend(device);
    const Element& element = backend->element();
    opt->request.need_weights = true;
    const Graph graph = load_model(opt->request);
    const Shape& in_shape = graph.tensor(graph.inputs.at(0)).shape;
    const std::vector<float> input = read_input_file(opt->input, in_shape);

    enter_element(element);
    std::unique_ptr<Calibration> calibration;
    if (element.precision == Precision::int8)
      calibration = std::make_unique<Calibration>(calibration_for(graph, opt->calibration));
    const auto partition = backend->compile(
        {&graph, 0, static_cast<int>(split_units(graph).size()), calibration.get()});
    const Handoff in = Handoff::from_floats(in_shape, input);
    Handoff result;
    // With --reps 1 this is the first run, compile-time caches still cold.
    const double ms = time_runs([&] { result = partition->run(in); }, 0, opt->reps).median_ms;
    write_tensor_file(opt->output, result.to_floats());

    if (opt->json) {
      nlohmann::json j{{"model", graph.name},
                       {"device", element.name},
                       {"precision", precision_name(element.precision)},
                       {"output", opt->output},
                       {"output_shape", result.shape()},
                       {"run_ms_measured", ms},
                       {"reps", opt->reps},
                       {"float_fallbacks", partition->float_fallbacks()}};
      if (calibration)
        j["calibration"] = {{"inputs", opt->calibration.inputs},
                            {"method", opt->calibration.method}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << graph.name << " on " << element.name << ": output "
                << shape_to_string(result.shape()) << " written to " << opt->output << " (" << ms
                << " ms, measured, "
                << (opt->reps == 1 ? "first run"
                                   : "median of " + std::to_string(opt->reps) + " runs")
                << ")\n";
      for (const std::string& f : partition->float_fallbacks())
        std::cout << "  runs in float32 (no " << precision_name(element.precision)
                  << " kernel): " << f << "\n";
    }
  });
}

}  // namespace splitinfer::cli
