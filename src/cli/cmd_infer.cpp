#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/calibration_options.h"
#include "cli/commands.h"
#include "cli/model_options.h"
#include "common/error.h"
#include "exec/backend.h"
#include "exec/cpu/kernel_times.h"
#include "exec/image_input.h"
#include "exec/tensor_file.h"
#include "graph/graph.h"
#include "profile/timing.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  std::string input, output, precision = "fp32", device;
  bool precision_given = false;  // --precision on the command line
  CalibrationOptions calibration;
  int reps = 1;
  bool kernel_times = false;
  bool step_times = false;
  bool json = false;
};

// --step-times: the library calls of the untimed runs, by splitinfer's clock.
struct StepTimeSummary {
  double trimmed_mean_ms = 0.0;  // the calls of a run, the clock's own readings taken off
  int64_t calls_per_run = 0;
  double clock_reading_ms = 0.0;
};

void print_infer(const Options& o, const Graph& graph, const Element& element,
                 const Handoff& result, const TimingStats& timing, const Partition& partition,
                 const Calibration* calibration, const StepTimeSummary* steps,
                 const Equalization& equalized) {
  if (o.json) {
    nlohmann::json j{{"model", graph.name},
                     {"device", element.name},
                     {"precision", precision_name(element.precision)},
                     {"output", o.output},
                     {"output_shape", result.shape()},
                     {"run_ms_measured", timing.median_ms},
                     {"run_ms_trimmed_mean_measured", timing.trimmed_mean_ms},
                     {"reps", o.reps},
                     {"float_fallbacks", partition.float_fallbacks()}};
    if (calibration)
      j["calibration"] = {{"inputs", o.calibration.inputs}, {"method", o.calibration.method}};
    if (o.request.equalize)
      j["equalized"] = {{"convolutions", equalized.pairs}, {"sweeps", equalized.sweeps}};
    if (steps) {
      j["library_calls_ms_trimmed_mean_measured"] = steps->trimmed_mean_ms;
      j["library_calls_per_run"] = steps->calls_per_run;
      j["clock_reading_ns_measured"] = steps->clock_reading_ms * 1e6;
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << graph.name << " on " << element.name << ": output "
            << shape_to_string(result.shape()) << " written to " << o.output << " ("
            << timing.median_ms << " ms, measured, "
            << (o.reps == 1 ? "first run" : "median of " + std::to_string(o.reps) + " runs")
            << ")\n";
  if (o.request.equalize)
    std::cout << "  cross-layer equalization rescaled the channels of " << equalized.pairs
              << " convolutions (" << equalized.sweeps << " sweeps)\n";
  for (const std::string& f : partition.float_fallbacks())
    std::cout << "  runs in float32 (no " << precision_name(element.precision) << " kernel): " << f
              << "\n";
}

void infer_command(const Options& o) {
  if (!o.device.empty() && o.precision_given &&
      parse_element(o.device).precision != parse_element("cpu0:" + o.precision).precision)
    fail(ErrorKind::invalid_input,
         "--precision " + o.precision + " contradicts --device " + o.device);
  const std::string device = o.device.empty() ? "cpu0:" + o.precision : o.device;
  const auto backend = make_backend(device);
  const Element& element = backend->element();
  ModelRequest request = o.request;
  request.need_weights = true;
  Equalization equalized;
  const Graph graph = load_model(request, &equalized);
  const Shape& in_shape = graph.tensor(graph.inputs.at(0)).shape;
  const std::vector<float> input = read_input_file(o.input, in_shape);

  enter_element(element);
  std::unique_ptr<Calibration> calibration;
  if (element.precision == Precision::int8)
    calibration = std::make_unique<Calibration>(calibration_for(graph, o.calibration));
  const auto partition = backend->compile(whole_model(graph, calibration.get()));
  const Handoff in = Handoff::from_floats(in_shape, input);
  Handoff result;
  // With --reps 1 this is the first run, compile-time caches still cold.
  // The result is written into the same hand-off each time, as a pipeline
  // stage does.
  const auto run = [&] { partition->run_into(in, result); };
  // --kernel-times: oneDNN times each kernel in an untimed run before each
  // timed one, so that both are measured in one process, interleaved.
  const auto run_printing_kernel_times = [&] {
    cpu::print_kernel_times(true);
    run();
    cpu::print_kernel_times(false);
  };
  // --step-times: likewise, splitinfer's clock around each library call.
  StepTimeSummary steps;
  std::vector<double> step_ms;
  const auto run_timing_steps = [&] {
    cpu::StepTimes times;
    cpu::time_steps(&times);
    run();
    cpu::time_steps(nullptr);
    steps.calls_per_run = times.steps;
    step_ms.push_back(times.ms - static_cast<double>(times.steps) * steps.clock_reading_ms);
  };
  TimingStats timing;
  if (o.kernel_times) timing = time_runs(run, 0, o.reps, run_printing_kernel_times);
  else if (o.step_times) {
    steps.clock_reading_ms = cpu::clock_reading_ms();
    timing = time_runs(run, 0, o.reps, run_timing_steps);
    steps.trimmed_mean_ms = trimmed_mean(step_ms, kTrimmedShare);
  } else timing = time_runs(run, 0, o.reps);
  write_tensor_file(o.output, result.to_floats());
  print_infer(o, graph, element, result, timing, *partition, calibration.get(),
              o.step_times ? &steps : nullptr, equalized);
}

}  // namespace

void add_infer_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("infer", "Run a whole model on one element");
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
  cmd->add_flag("--kernel-times", opt->kernel_times,
                "Before each timed run, run once untimed with oneDNN printing each kernel's "
                "time (bench/overhead.py)");
  cmd->add_flag("--step-times", opt->step_times,
                "Before each timed run, run once untimed with splitinfer's clock around each "
                "library call (bench/overhead.py)")
      ->excludes("--kernel-times");
  add_calibration_options(cmd, opt->calibration);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt, cmd] {
    opt->precision_given = cmd->count("--precision") > 0;
    infer_command(*opt);
  });
}

}  // namespace splitinfer::cli
