// splitinfer's public C++ API: load a CNN, inspect it, plan how to run it
// over several processing elements, and run the plan as a pipeline (or
// data-parallel replicas) fed frame by frame, with results in submission
// order.
//
//   auto model = splitinfer::api::Model::load("resnet18");
//   splitinfer::api::PlanOptions options;
//   options.devices = {"cpu0:int8", "cpu1:fp32"};
//   const splitinfer::api::Plan plan = model.plan(options);
//   splitinfer::api::Pipeline pipeline = model.pipeline(plan);
//   std::future<splitinfer::api::Tensor> result = pipeline.submit(frame);
//   ... result.get() ...
//   pipeline.close();  // drains the frames in flight
//
// Everything here uses the standard library only and lives in namespace
// splitinfer::api, but for the exception type, splitinfer::Error
// (splitinfer/error.h): every function reports failures with it, with the
// command line's messages. Link with -lsplitinfer (the CMake package
// `splitinfer::splitinfer`, or pkg-config `splitinfer`). Figures in Plan are
// predicted (from profiles measured on this machine, or from simulated
// elements); figures in Stats are measured.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "splitinfer/error.h"

namespace splitinfer::api {

// A dense float32 tensor, row-major (NCHW for images).
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct LoadOptions {
  uint64_t seed = 0;    // a zoo model's random weights
  std::string weights;  // an ONNX file with a zoo model's weights (PyTorch names); empty: none
  // Fixes an ONNX input's symbolic dimensions: "NAME=1x3x640x640", or
  // "1x3x640x640" for a model with one input (the command line's --input-shape).
  std::vector<std::string> input_shapes;
  // Cross-layer equalization of the weights before INT8 calibration (the
  // command line's --equalize); the float function is unchanged.
  bool equalize = false;
};

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
};

// A split unit: the granularity at which a model is cut (a block, a layer).
struct UnitInfo {
  std::string name;
  int64_t macs = 0;
  // Values crossing a cut after this unit (the hand-off between partitions).
  int64_t cut_elements = 0;
};

struct ModelInfo {
  std::string name;
  std::vector<TensorInfo> inputs, outputs;
  int64_t macs = 0;
  int64_t params = 0;
  std::vector<UnitInfo> units;  // split index i runs units [0, i) on the first element
};

struct PlanOptions {
  // Elements in pipeline order: "cpuN:fp32|int8|bf16" (present here) or
  // "sim:NAME" (simulated: planned, never run).
  std::vector<std::string> devices;
  std::string objective = "throughput";  // or "latency"
  std::string schedule = "auto";         // auto, pipeline or data-parallel
  std::optional<double> min_sqnr_db;     // the fastest schedule at least this faithful to FP32
  std::vector<int> split;                // fixed split indices; empty: searched
  std::string link_mode = "direct";      // or "indirect" (through host memory)
  std::string link;                      // a link of data/devices.json; empty: measured
  std::string profile_db;                // empty: the user's cache directory
  int profile_reps = 20;                 // timed runs of each partition when profiling what the
                                         // store lacks, over every pass
  int profile_passes = 3;                // passes over the model when profiling (`--passes`)
  std::string calibration = "16";        // INT8: N noise inputs, or input files
  std::string calibration_method = "histogram";  // minmax, percentile, mse, entropy, histogram
};

struct StagePlan {
  std::string element;
  int first_unit = 0, last_unit = 0;  // units [first_unit, last_unit)
  double ms_predicted = 0.0;          // compute plus its share of the hand-off
};

struct ScheduleCandidate {
  std::string kind;  // "pipeline" or "data_parallel"
  std::vector<int> splits;
  double period_ms_predicted = 0.0;
  double latency_ms_predicted = 0.0;
  std::optional<double> min_sqnr_db;  // measured against FP32; none when not measured
};

struct Plan {
  std::string model;
  std::vector<std::string> devices;
  std::string schedule;                       // the chosen kind: "pipeline" or "data_parallel"
  std::vector<int> splits;                    // the pipeline's (chosen, else the best one)
  std::vector<StagePlan> stages;              // the pipeline's
  double period_ms_predicted = 0.0;           // of the chosen schedule
  double latency_ms_predicted = 0.0;          // of the chosen schedule
  bool simulated = false;                     // some element is simulated: it cannot be run
  std::vector<ScheduleCandidate> candidates;  // every schedule weighed, best first
  std::string calibration, calibration_method;
};

struct RunOptions {
  // Frames between stages; submit() blocks beyond it. A data-parallel plan's
  // reorder buffer holds queue_capacity finished frames per element: one
  // element k times slower than the fastest needs queue_capacity >= k + 1,
  // or the faster ones wait for it (INT8 and FP32 replicas of a ResNet here,
  // about 10x apart, need 11; `splitinfer run` sizes it so).
  size_t queue_capacity = 2;
  size_t max_in_flight = 0;  // pipelines: at most this many frames inside (0: no bound)
};

struct StageStats {
  std::string element;
  uint64_t frames = 0;
  double ms_median = 0.0;        // time in the stage's kernels per frame
  std::vector<double> frame_ms;  // the same for each frame it ran, in the order it ran them
};

// Measured.
struct Stats {
  uint64_t frames_submitted = 0;
  uint64_t frames_done = 0;
  // The mean interval between results after the first 10% (at most 10): the
  // schedule's period when frames are submitted faster than it runs.
  double period_ms = 0.0;
  double latency_ms_p50 = 0.0, latency_ms_p90 = 0.0, latency_ms_p99 = 0.0;  // submit to result
  std::vector<double> latency_ms;  // per result, in submission order
  std::vector<StageStats> stages;  // per stage or replica; filled once closed
};

// A running plan. Frames go in with submit() and their results come back in
// submission order, from the worker threads placed on the plan's elements.
class SPLITINFER_API Pipeline {
 public:
  // Throws an Error (invalid_input) when the frame's shape is not the model
  // input's, and when the pipeline is closed or has failed. Blocks while
  // queue_capacity frames wait to enter.
  std::future<Tensor> submit(Tensor frame);
  // The same, the result handed to `on_result` on a worker thread, in
  // submission order; what it throws fails the pipeline.
  void submit(Tensor frame, std::function<void(uint64_t frame, const Tensor& result)> on_result);
  // The same for a frame the pipeline reads where it lies, without copying
  // it: the pipeline holds `frame` (which must not change meanwhile) until
  // its first stage has read it (in practice, until the next frame enters)
  // and lets it go at the latest when close() returns. For frames an
  // application keeps, e.g. a ring of camera buffers, or submits again.
  std::future<Tensor> submit(std::shared_ptr<const Tensor> frame);
  void submit(std::shared_ptr<const Tensor> frame,
              std::function<void(uint64_t frame, const Tensor& result)> on_result);

  Stats stats() const;

  // No more frames: waits for those in flight and stops the workers. When a
  // stage failed, throws its Error (stage_failed; futures of the frames it
  // lost hold the same Error). Idempotent.
  void close();

  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();  // closes, swallowing a failure

  struct Impl;

 private:
  friend class Model;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Model;

// Model inputs decoded from a video file (every frame, FFmpeg), a PNG/JPEG
// image, or a directory of images (sorted by name), each preprocessed as
// `splitinfer infer --input IMAGE` does (resize, center crop, ImageNet
// mean/std unless the options say otherwise; luminance for a 1-channel
// input). Decoding runs on a thread of its own, up to `prefetch` frames
// ahead, so that it overlaps inference.
struct FrameSourceOptions {
  size_t prefetch = 4;  // frames decoded ahead
  // Of x / 255 per RGB channel (3-channel inputs); ImageNet's by default.
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  // The shorter side before the center crop to the model's input size;
  // 0: the input's longer side x 256 / 224, rounded.
  int resize_shorter = 0;
  // The element whose core decodes, e.g. "cpu0:int8" (the core of a stage
  // with time to spare), at the idle scheduling class: in the time the stage
  // leaves idle. Empty: the cores and priority of the thread that opens it.
  std::string element;
};

class SPLITINFER_API FrameSource {
 public:
  // Opens the source and decodes its first frame: a missing, corrupt or
  // empty source, or a model input an image cannot feed, throws here.
  FrameSource(const std::string& path, const Model& model, const FrameSourceOptions& options = {});
  FrameSource(FrameSource&&) noexcept;
  FrameSource& operator=(FrameSource&&) noexcept;
  ~FrameSource();

  // The next input, or none after the last; throws an Error naming the file
  // and frame for a corrupt frame.
  std::optional<Tensor> next();

  uint64_t frames_read() const;  // handed out by next()
  // Median time to decode and preprocess a frame so far (measured).
  double decode_ms_median() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A loaded model, weights included. Cheap to copy (shared, immutable).
class SPLITINFER_API Model {
 public:
  // A zoo name (`splitinfer models`) or the path of an .onnx file.
  static Model load(const std::string& model, const LoadOptions& options = {});
  // An ONNX model in memory; `name` stands for the file in messages.
  static Model from_onnx(const std::string& bytes, const std::string& name = "memory.onnx",
                         const LoadOptions& options = {});

  ModelInfo inspect() const;

  // The whole model on one element (compiled on first use, then kept), on a
  // thread placed on that element. The same output as `splitinfer infer`.
  Tensor infer(const Tensor& input, const std::string& element = "cpu0:fp32") const;

  // Profiles the real elements the store lacks (stored for later), weighs
  // every schedule and returns the best under the objective: what
  // `splitinfer plan` prints.
  Plan plan(const PlanOptions& options) const;

  // Compiles the plan's chosen schedule on its elements and starts it.
  Pipeline pipeline(const Plan& plan, const RunOptions& options = {}) const;

  // What the library's own code reads a loaded model through (the command
  // line runs its plans on this API); opaque to other programs.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace splitinfer::api
