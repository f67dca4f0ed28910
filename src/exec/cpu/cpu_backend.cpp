// The CPU elements cpuN:fp32, cpuN:int8 and cpuN:bf16 (and cpu:* on all
// cores): units
// lowered to oneDNN primitives once at compile time; run() only copies the
// hand-off in, executes the steps and copies the result out.
#include "exec/cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/error.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/kernel_times.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

namespace {

class CpuPartition : public Partition {
 public:
  explicit CpuPartition(Program program) : program_(std::move(program)), stream_(cpu_engine()) {}

  Handoff run(const Handoff& input) override {
    Handoff output;
    run_into(input, output);
    return output;
  }

  // Everything a frame needs was made at compile time or on the first frame
  // of its input layout: no allocation and no primitive creation here once
  // `output` has held a result (tests/exec/steady_state_test.cpp).
  void run_into(const Handoff& input, Handoff& output) override {
    StepTimes* const times = step_times();  // bench/overhead.py's clock; null otherwise
    write_input(input, times);
    for (Step& step : program_.steps)
      timed(times, [&] {
        if (step.custom) step.custom();
        else execute(step.primitive, step.exec_args);
      });
    stream_.wait();
    read_output(output);
  }

  std::vector<std::string> float_fallbacks() const override { return program_.float_fallbacks; }

  std::vector<std::string> kernels() const override {
    std::vector<std::string> lines;
    for (const Step& step : program_.steps)
      lines.push_back(step.primitive ? describe_kernel(step.primitive) : "custom (C++ loop)");
    return lines;
  }

 private:
  // Through the C API with arguments made once: the C++ execute() builds
  // its argument vector on every call.
  void execute(const dnnl::primitive& primitive, const std::vector<dnnl_exec_arg_t>& args) {
    const dnnl_status_t status = dnnl_primitive_execute(primitive.get(), stream_.get(),
                                                        static_cast<int>(args.size()), args.data());
    if (status != dnnl_success)
      fail(ErrorKind::internal,
           "a oneDNN primitive failed (status " + std::to_string(status) + ")");
  }

  template <typename F>
  static void timed(StepTimes* times, F&& step) {
    if (!times) return step();
    const auto start = SteadyClock::now();
    step();
    times->ms += ms_since(start);
    ++times->steps;
  }

  void write_input(const Handoff& input, StepTimes* times) {
    if (program_.input_shape != input.shape())
      fail(ErrorKind::invalid_input, "input has shape " + shape_to_string(input.shape()) +
                                         ", the partition expects " +
                                         shape_to_string(program_.input_shape));
    const dnnl::memory& mem = program_.input.mem;
    const InputReorder& r = input_reorder(input);
    r.from.set_data_handle(const_cast<void*>(raw_data(input)));
    if (!r.reorder) {
      std::memcpy(mem.get_data_handle(), r.from.get_data_handle(), mem.get_desc().get_size());
      return;
    }
    // quantizes, dequantizes, rescales or transposes
    timed(times, [&] { execute(*r.reorder, r.args); });
  }

  // How a hand-off of one type, layout, scale and zero point enters the
  // partition: a memory over its data (pointed at each frame's) and the
  // reorder into the partition's input, none when the bytes are already
  // right. A partition's input comes from one producer, so this is made on
  // the first frame and kept while its input stays alike.
  struct InputReorder {
    HandoffType type = HandoffType::f32;
    HandoffLayout layout = HandoffLayout::plain;
    float scale = 1.0f;
    int32_t zero_point = 0;
    dnnl::memory from;
    std::optional<dnnl::reorder> reorder;
    dnnl::memory scratchpad;
    std::vector<dnnl_exec_arg_t> args;
  };

  const InputReorder& input_reorder(const Handoff& input) {
    if (input_ && input_->type == input.type() && input_->layout == input.layout() &&
        input_->scale == input.scale() && input_->zero_point == input.zero_point())
      return *input_;
    InputReorder r;
    r.type = input.type();
    r.layout = input.layout();
    r.scale = input.scale();
    r.zero_point = input.zero_point();
    r.from = dnnl::memory(describe(input), cpu_engine(), DNNL_MEMORY_NONE);
    const Value& to = program_.input;
    if (r.from.get_desc() != to.mem.get_desc() || r.scale != to.scale ||
        r.zero_point != to.zero_point) {
      const std::lock_guard lock(primitive_creation_mutex());
      r.reorder = make_reorder(r.from, to.mem, r.scale, to.scale, r.zero_point, to.zero_point);
      const auto bytes = static_cast<dnnl::memory::dim>(scratchpad_bytes(*r.reorder));
      r.scratchpad =
          dnnl::memory({{std::max<dnnl::memory::dim>(bytes, 1)}, dt::u8, tag::a}, cpu_engine());
      r.args = {{DNNL_ARG_FROM, r.from.get()},
                {DNNL_ARG_TO, to.mem.get()},
                {DNNL_ARG_SCRATCHPAD, r.scratchpad.get()}};
    }
    input_ = std::move(r);
    return *input_;
  }

  static const void* raw_data(const Handoff& h) {
    switch (h.type()) {
      case HandoffType::f32: return h.floats().data();
      case HandoffType::bf16: return h.bf16_bits().data();
      case HandoffType::s8:
      case HandoffType::u8: break;
    }
    return h.codes().data();
  }

  static dt memory_type(HandoffType type) {
    switch (type) {
      case HandoffType::f32: return dt::f32;
      case HandoffType::bf16: return dt::bf16;
      case HandoffType::u8: return dt::u8;
      case HandoffType::s8: break;
    }
    return dt::s8;
  }

  static HandoffType handoff_type(dt type) {
    switch (type) {
      case dt::f32: return HandoffType::f32;
      case dt::bf16: return HandoffType::bf16;
      case dt::u8: return HandoffType::u8;
      default: return HandoffType::s8;
    }
  }

  static dnnl::memory::desc describe(const Handoff& h) {
    const dt type = memory_type(h.type());
    return h.layout() == HandoffLayout::channels_last
               ? dnnl::memory::desc(to_dims(h.shape()), type, tag::nhwc)
               : plain_desc(h.shape(), type);
  }

  void read_output(Handoff& output) const {
    const dnnl::memory& mem = program_.output.mem;
    const HandoffLayout layout =
        program_.output_shape.size() == 4 ? HandoffLayout::channels_last : HandoffLayout::plain;
    const std::span<std::byte> bytes =
        output.refill(handoff_type(mem.get_desc().data_type()), program_.output_shape, layout,
                      program_.output.scale, program_.output.zero_point);
    std::memcpy(bytes.data(), mem.get_data_handle(), bytes.size());
  }

  Program program_;
  dnnl::stream stream_;
  std::optional<InputReorder> input_;
};

class CpuBackend : public Backend {
 public:
  explicit CpuBackend(Element element) : element_(std::move(element)) {}
  const Element& element() const override { return element_; }

  std::unique_ptr<Partition> compile(const PartitionRequest& request) override {
    LoweringRequest lowering;
    lowering.graph = request.graph;
    lowering.first_unit = request.first_unit;
    lowering.last_unit = request.last_unit;
    lowering.precision = element_.precision;
    lowering.calibration = request.calibration;
    if (element_.precision == Precision::int8 && !request.calibration)
      fail(ErrorKind::invalid_input, "element " + element_.name + " needs a calibration");
    return std::make_unique<CpuPartition>(lower(lowering));
  }

 private:
  Element element_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Element& element) {
  require_precision(element, this_cpu());
  return std::make_unique<CpuBackend>(element);
}

std::unique_ptr<Partition> compile_observed_fp32(const Graph& graph, TensorObserver observer) {
  LoweringRequest lowering;
  lowering.graph = &graph;
  lowering.first_unit = 0;
  lowering.last_unit = static_cast<int>(graph.units.size());
  lowering.observer = std::move(observer);
  return std::make_unique<CpuPartition>(lower(lowering));
}

}  // namespace splitinfer::cpu
