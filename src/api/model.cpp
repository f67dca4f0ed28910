// The public Model (include/splitinfer/splitinfer.h): loading, inspecting,
// whole-model inference on one element, and planning, over the same code
// the command line runs.
#include <algorithm>

#include "api/model_impl.h"
#include "common/error.h"
#include "common/on_own_thread.h"
#include "graph/equalization.h"
#include "graph/stats.h"
#include "graph/units.h"
#include "onnx/input_shapes.h"
#include "onnx/onnx_import.h"
#include "source/model_source.h"
#include "workflow/planning.h"
#include "workflow/schedules.h"

namespace splitinfer::api {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

TensorInfo tensor_info(const Graph& graph, int id) {
  const auto& t = graph.tensor(id);
  return {t.name, t.shape};
}

ScheduleCandidate public_candidate(const Candidate& c) {
  ScheduleCandidate out{schedule_kind_name(c.kind), c.cuts, c.period_ms, c.latency_ms, {}};
  if (c.fidelity) out.min_sqnr_db = c.fidelity->min_sqnr_db;
  return out;
}

}  // namespace

Handoff input_handoff(const Graph& graph, std::shared_ptr<const Tensor> frame) {
  if (!frame) fail(ErrorKind::invalid_input, "the frame is a null pointer");
  const Shape& want = graph.tensor(graph.inputs.at(0)).shape;
  int64_t count = 1;
  for (int64_t d : frame->shape) count = d < 0 ? -1 : count * d;
  if (frame->shape != want || count != static_cast<int64_t>(frame->values.size()))
    fail(ErrorKind::invalid_input,
         "frame has shape " + shape_to_string(frame->shape) + " and " +
             std::to_string(frame->values.size()) + " values; " + graph.name + "'s input '" +
             graph.tensor(graph.inputs.at(0)).name + "' is " + shape_to_string(want));
  Shape shape = frame->shape;
  const std::span<const float> values = frame->values;
  return Handoff::borrowing_floats(std::move(shape), values, std::move(frame));
}

Tensor to_tensor(const Handoff& output) { return {output.shape(), output.to_floats()}; }

Model::Model(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Model Model::load(const std::string& model, const LoadOptions& options) {
  ModelRequest request;
  request.model = model;
  request.need_weights = true;
  request.seed = options.seed;
  if (!options.weights.empty()) request.weights = options.weights;
  request.input_shapes = options.input_shapes;
  request.equalize = options.equalize;
  return Model(std::make_shared<Impl>(load_model(request)));
}

Model Model::from_onnx(const std::string& bytes, const std::string& name,
                       const LoadOptions& options) {
  if (!options.weights.empty())
    fail(ErrorKind::invalid_input,
         "weights apply to zoo models; an ONNX model brings its own weights");
  Graph graph = import_onnx_bytes(bytes, name, parse_input_shapes(options.input_shapes));
  if (options.equalize) equalize_cross_layer(graph);
  return Model(std::make_shared<Impl>(std::move(graph)));
}

ModelInfo Model::inspect() const {
  const Graph& graph = impl_->graph;
  ModelInfo info{graph.name, {}, {}, total_macs(graph), total_params(graph), {}};
  for (int id : graph.inputs) info.inputs.push_back(tensor_info(graph, id));
  for (int id : graph.outputs) info.outputs.push_back(tensor_info(graph, id));
  const std::vector<int64_t> cut = cut_tensor_elements(graph);
  for (const Unit& u : graph.units)
    info.units.push_back({u.name, u.macs, cut.at(static_cast<size_t>(u.index) + 1)});
  return info;
}

Tensor Model::infer(const Tensor& input, const std::string& element) const {
  const Graph& graph = impl_->graph;
  Handoff in = input_handoff(graph, std::make_shared<const Tensor>(input));
  std::lock_guard lock(impl_->infer_mutex);
  auto found = impl_->compiled.find(element);
  Handoff out;
  // Compiled and run on a thread placed on the element, as `splitinfer
  // infer` places its own.
  on_own_thread([&] {
    if (found == impl_->compiled.end()) {
      const auto backend = make_backend(element);
      Impl::Compiled c;
      c.element = backend->element();
      enter_element(c.element);
      if (c.element.precision == Precision::int8)
        c.calibration = std::make_unique<Calibration>(calibration_for(graph, {}));
      c.partition = backend->compile(whole_model(graph, c.calibration.get()));
      found = impl_->compiled.emplace(element, std::move(c)).first;
    } else {
      enter_element(found->second.element);
    }
    out = found->second.partition->run(in);
  });
  return to_tensor(out);
}

Plan Model::plan(const PlanOptions& options) const {
  const Graph& graph = impl_->graph;
  PlanningOptions po;
  po.devices = joined(options.devices);
  po.link_mode = options.link_mode;
  po.link = options.link;
  po.objective = options.objective;
  po.db = options.profile_db;
  po.reps = options.profile_reps;
  po.passes = options.profile_passes;
  po.calibration = {options.calibration, options.calibration_method};
  if (options.schedule != "auto" && options.schedule != "pipeline" &&
      options.schedule != "data-parallel")
    fail(ErrorKind::invalid_input, "schedule '" + options.schedule +
                                       "' is not auto, pipeline or data-parallel (hybrid "
                                       "schedules are planned by `splitinfer plan`, not run)");
  if (!options.split.empty())
    validate_cuts(options.split, static_cast<int>(graph.units.size()), options.devices.size());
  const auto planning = prepare_planning(graph, po, 1, 8);
  std::unique_ptr<FidelityMeter> meter;
  if (!planning->simulated) meter = std::make_unique<FidelityMeter>(graph, *planning);
  const Schedules s = weigh_schedules(*planning, {options.schedule, options.min_sqnr_db},
                                      options.split, meter.get(), false);
  const ::splitinfer::Plan& pipeline = s.pipeline_to_run();
  const Candidate& choice = s.choice();
  Plan plan;
  plan.model = graph.name;
  plan.devices = planning->elements;
  plan.schedule = schedule_kind_name(choice.kind);
  plan.splits = pipeline.cuts;
  for (const auto& sp : pipeline.stages)
    plan.stages.push_back({sp.element, sp.first_unit, sp.last_unit, sp.total_ms()});
  plan.period_ms_predicted = choice.period_ms;
  plan.latency_ms_predicted = choice.latency_ms;
  plan.simulated = planning->simulated;
  for (const Candidate& c : s.candidates) plan.candidates.push_back(public_candidate(c));
  plan.calibration = options.calibration;
  plan.calibration_method = options.calibration_method;
  return plan;
}

}  // namespace splitinfer::api
