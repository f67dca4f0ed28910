// The Python module's native part, `splitinfer._splitinfer`: the public C++
// API (include/splitinfer/splitinfer.h) with numpy arrays for tensors. The
// GIL is released wherever frames run or the caller waits; splitinfer.Error
// carries the command line's messages. python/splitinfer/__init__.py adds
// what is easier said in Python (Pipeline.run, the context manager).
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>

#include "splitinfer/splitinfer.h"

namespace py = pybind11;
using namespace splitinfer::api;
using namespace pybind11::literals;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// The array's values (float32, C order: converted when it is not).
Tensor to_tensor(const FloatArray& array) {
  Tensor t;
  t.shape.assign(array.shape(), array.shape() + array.ndim());
  t.values.assign(array.data(), array.data() + array.size());
  return t;
}

// The tensor's values moved into the array: no copy.
py::array to_array(Tensor&& t) {
  auto* values = new std::vector<float>(std::move(t.values));
  py::capsule owner(values, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>(t.shape, values->data(), owner);
}

// A frame's result to come: what Pipeline.submit returns. The output is
// taken from the C++ future once and kept, so result() may be called again.
class Future {
 public:
  explicit Future(std::future<Tensor> f) : future_(std::move(f)) {}

  // The output array; raises the pipeline's splitinfer.Error when the frame
  // was lost to a failing stage, TimeoutError after `timeout` seconds.
  py::object result(std::optional<double> timeout) {
    if (!output_ && !error_) {
      bool ready = true;
      Tensor t;
      {
        py::gil_scoped_release release;
        if (timeout)
          ready = future_.wait_for(std::chrono::duration<double>(*timeout)) ==
                  std::future_status::ready;
        if (ready) {
          try {
            t = future_.get();
          } catch (...) {
            error_ = std::current_exception();
          }
        }
      }
      if (!ready) {
        PyErr_SetString(PyExc_TimeoutError, "the frame's result did not come within the timeout");
        throw py::error_already_set();
      }
      if (!error_) output_ = to_array(std::move(t));
    }
    if (error_) std::rethrow_exception(error_);
    return *output_;
  }

  bool done() const {
    return output_ || error_ ||
           future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

 private:
  std::future<Tensor> future_;
  std::optional<py::object> output_;
  std::exception_ptr error_;
};

py::dict info_dict(const ModelInfo& info) {
  auto tensors = [](const std::vector<TensorInfo>& list) {
    py::list out;
    for (const TensorInfo& t : list) out.append(py::dict("name"_a = t.name, "shape"_a = t.shape));
    return out;
  };
  py::list units;
  for (const UnitInfo& u : info.units)
    units.append(py::dict("name"_a = u.name, "macs"_a = u.macs, "cut_elements"_a = u.cut_elements));
  return py::dict("name"_a = info.name, "inputs"_a = tensors(info.inputs),
                  "outputs"_a = tensors(info.outputs), "macs"_a = info.macs,
                  "params"_a = info.params, "units"_a = units);
}

}  // namespace

PYBIND11_MODULE(_splitinfer, m) {
  m.doc() = "splitinfer: split CNN inference over heterogeneous processing elements";
  py::register_exception<splitinfer::Error>(m, "Error", PyExc_RuntimeError);

  py::class_<StagePlan>(m, "StagePlan", "One pipeline stage of a plan (predicted)")
      .def_readonly("element", &StagePlan::element)
      .def_readonly("first_unit", &StagePlan::first_unit)
      .def_readonly("last_unit", &StagePlan::last_unit, "exclusive")
      .def_readonly("ms_predicted", &StagePlan::ms_predicted)
      .def("__repr__", [](const StagePlan& s) {
        return "StagePlan(" + s.element + ", units " + std::to_string(s.first_unit) + ".." +
               std::to_string(s.last_unit) + ")";
      });

  py::class_<ScheduleCandidate>(m, "ScheduleCandidate", "A schedule the planner weighed")
      .def_readonly("kind", &ScheduleCandidate::kind)
      .def_readonly("splits", &ScheduleCandidate::splits)
      .def_readonly("period_ms_predicted", &ScheduleCandidate::period_ms_predicted)
      .def_readonly("latency_ms_predicted", &ScheduleCandidate::latency_ms_predicted)
      .def_readonly("min_sqnr_db", &ScheduleCandidate::min_sqnr_db,
                    "measured against FP32; None when not measured");

  py::class_<Plan>(m, "Plan", "The planner's choice (Model.plan); figures are predicted")
      .def_readonly("model", &Plan::model)
      .def_readonly("devices", &Plan::devices)
      .def_readonly("schedule", &Plan::schedule, "'pipeline' or 'data_parallel'")
      .def_readonly("splits", &Plan::splits)
      .def_readonly("stages", &Plan::stages)
      .def_readonly("period_ms_predicted", &Plan::period_ms_predicted)
      .def_readonly("latency_ms_predicted", &Plan::latency_ms_predicted)
      .def_readonly("simulated", &Plan::simulated)
      .def_readonly("candidates", &Plan::candidates)
      .def("__repr__", [](const Plan& p) {
        std::string splits;
        for (int s : p.splits) {
          if (!splits.empty()) splits += ',';
          splits += std::to_string(s);
        }
        return "Plan(" + p.model + ", " + p.schedule + ", splits [" + splits + "], period " +
               std::to_string(p.period_ms_predicted) + " ms predicted)";
      });

  py::class_<StageStats>(m, "StageStats", "A stage's or replica's measured time")
      .def_readonly("element", &StageStats::element)
      .def_readonly("frames", &StageStats::frames)
      .def_readonly("ms_median", &StageStats::ms_median)
      .def_readonly("frame_ms", &StageStats::frame_ms, "per frame it ran, in order");

  py::class_<Stats>(m, "Stats", "Measured figures of a pipeline")
      .def_readonly("frames_submitted", &Stats::frames_submitted)
      .def_readonly("frames_done", &Stats::frames_done)
      .def_readonly("period_ms", &Stats::period_ms)
      .def_readonly("latency_ms_p50", &Stats::latency_ms_p50)
      .def_readonly("latency_ms_p90", &Stats::latency_ms_p90)
      .def_readonly("latency_ms_p99", &Stats::latency_ms_p99)
      .def_readonly("latency_ms", &Stats::latency_ms, "per result, in submission order")
      .def_readonly("stages", &Stats::stages, "filled once the pipeline is closed");

  py::class_<Future>(m, "Future", "A submitted frame's result to come")
      .def("result", &Future::result, "timeout"_a = py::none(),
           "The output array (float32); raises splitinfer.Error if a stage failed")
      .def("done", &Future::done);

  py::class_<Pipeline>(m, "Pipeline",
                       "A running plan (Model.pipeline): submit frames, results in order")
      .def(
          "submit",
          [](Pipeline& p, const FloatArray& frame) {
            Tensor t = to_tensor(frame);
            py::gil_scoped_release release;
            return Future(p.submit(std::move(t)));
          },
          "frame"_a,
          "Queues a frame (an array of the model input's shape); blocks while the queue is full")
      .def("stats", &Pipeline::stats, py::call_guard<py::gil_scoped_release>())
      .def("close", &Pipeline::close, py::call_guard<py::gil_scoped_release>(),
           "Waits for the frames in flight and stops; raises a failed stage's splitinfer.Error");

  py::class_<FrameSource>(m, "FrameSource",
                          "Model inputs decoded from a video, an image or a directory of "
                          "images (preprocessed like `splitinfer infer --input IMAGE`), "
                          "decoded ahead on a thread of its own; iterate over it")
      .def(py::init([](const std::string& path, const Model& model, size_t prefetch,
                       std::optional<std::array<float, 3>> mean,
                       std::optional<std::array<float, 3>> std, int resize_shorter,
                       const std::string& element) {
             FrameSourceOptions o;
             o.prefetch = prefetch;
             if (mean) o.mean = *mean;
             if (std) o.std = *std;
             o.resize_shorter = resize_shorter;
             o.element = element;
             py::gil_scoped_release release;
             return FrameSource(path, model, o);
           }),
           "path"_a, "model"_a, "prefetch"_a = 4, "mean"_a = py::none(), "std"_a = py::none(),
           "resize_shorter"_a = 0, "element"_a = "",
           "mean/std: per RGB channel of x / 255 (ImageNet's by default); resize_shorter: the "
           "shorter side before the center crop (0: the input's longer side x 256 / 224); "
           "element: the element whose core decodes, e.g. 'cpu0:int8' (the core of a stage "
           "with time to spare), at the idle scheduling class ('': the cores and priority of "
           "the thread that opens it)")
      .def("__iter__", [](FrameSource& s) -> FrameSource& { return s; })
      .def("__next__",
           [](FrameSource& s) {
             std::optional<Tensor> t;
             {
               py::gil_scoped_release release;
               t = s.next();
             }
             if (!t) throw py::stop_iteration();
             return to_array(std::move(*t));
           })
      .def_property_readonly("frames_read", &FrameSource::frames_read)
      .def_property_readonly("decode_ms_median", &FrameSource::decode_ms_median,
                             "measured time to decode and preprocess a frame");

  py::class_<Model>(m, "Model", "A loaded model (splitinfer.load)")
      .def(
          "inspect", [](const Model& model) { return info_dict(model.inspect()); },
          "Name, inputs, outputs, MACs, parameters and split units")
      .def(
          "infer",
          [](const Model& model, const FloatArray& input, const std::string& device) {
            Tensor t = to_tensor(input);
            Tensor out;
            {
              py::gil_scoped_release release;
              out = model.infer(t, device);
            }
            return to_array(std::move(out));
          },
          "input"_a, "device"_a = "cpu0:fp32",
          "The whole model on one element: the same output as `splitinfer infer`")
      .def(
          "plan",
          [](const Model& model, const std::vector<std::string>& devices,
             const std::string& objective, const std::string& schedule,
             std::optional<double> min_sqnr_db, const std::vector<int>& split,
             const std::string& db, int reps, int passes, const std::string& calibration) {
            PlanOptions o;
            o.devices = devices;
            o.objective = objective;
            o.schedule = schedule;
            o.min_sqnr_db = min_sqnr_db;
            o.split = split;
            o.profile_db = db;
            o.profile_reps = reps;
            o.profile_passes = passes;
            o.calibration = calibration;
            py::gil_scoped_release release;
            return model.plan(o);
          },
          "devices"_a, "objective"_a = "throughput", "schedule"_a = "auto",
          "min_sqnr_db"_a = py::none(), "split"_a = std::vector<int>{}, "db"_a = "", "reps"_a = 20,
          "passes"_a = 3, "calibration"_a = "16",
          "Profiles what the store lacks and returns the best schedule (`splitinfer plan`)")
      .def(
          "_pipeline",
          [](const Model& model, const Plan& plan, size_t queue, size_t max_in_flight) {
            py::gil_scoped_release release;
            return model.pipeline(plan, {queue, max_in_flight});
          },
          "plan"_a, "queue"_a = 2, "max_in_flight"_a = 0);

  m.def(
      "_load",
      [](const std::string& model, uint64_t seed, const std::string& weights,
         const std::vector<std::string>& input_shapes, bool equalize) {
        py::gil_scoped_release release;
        return Model::load(model, {seed, weights, input_shapes, equalize});
      },
      "model"_a, "seed"_a = 0, "weights"_a = "", "input_shapes"_a = std::vector<std::string>{},
      "equalize"_a = false);
  m.def(
      "_from_onnx",
      [](const py::bytes& data, const std::string& name,
         const std::vector<std::string>& input_shapes, bool equalize) {
        std::string bytes = data;
        py::gil_scoped_release release;
        return Model::from_onnx(bytes, name, {0, "", input_shapes, equalize});
      },
      "data"_a, "name"_a = "memory.onnx", "input_shapes"_a = std::vector<std::string>{},
      "equalize"_a = false);
}
