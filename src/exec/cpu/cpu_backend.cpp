// The CPU elements cpuN:fp32, cpuN:int8 and cpuN:bf16 (and cpu:* on all
// cores): units
// lowered to oneDNN primitives once at compile time; run() only copies the
// hand-off in, executes the steps and copies the result out.
#include "exec/cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

namespace {

class CpuPartition : public Partition {
 public:
  explicit CpuPartition(Program program) : program_(std::move(program)), stream_(cpu_engine()) {}

  Handoff run(const Handoff& input) override {
    write_input(input);
    for (Step& step : program_.steps) {
      if (step.custom) step.custom();
      else step.primitive.execute(stream_, step.args);
    }
    stream_.wait();
    return read_output();
  }

  std::vector<std::string> float_fallbacks() const override { return program_.float_fallbacks; }

  std::vector<std::string> kernels() const override {
    std::vector<std::string> lines;
    for (const Step& step : program_.steps)
      lines.push_back(step.primitive ? describe_kernel(step.primitive) : "custom (C++ loop)");
    return lines;
  }

 private:
  void write_input(const Handoff& input) {
    dnnl::memory mem = program_.input.mem;
    if (program_.input_shape != input.shape())
      fail(ErrorKind::invalid_input, "input has shape " + shape_to_string(input.shape()) +
                                         ", the partition expects " +
                                         shape_to_string(program_.input_shape));
    if (input.zero_point() != 0) {  // oneDNN reorders take no zero point: go through floats
      write_input(Handoff::from_floats(input.shape(), input.to_floats()));
      return;
    }
    dnnl::memory from(describe(input), cpu_engine(), const_cast<void*>(raw_data(input)));
    if (from.get_desc() == mem.get_desc() && input.scale() == program_.input.scale) {
      std::memcpy(mem.get_data_handle(), from.get_data_handle(), mem.get_desc().get_size());
      return;
    }
    // Quantizes, dequantizes, rescales or transposes.
    input_reorder(from, input.scale())
        .execute(
            stream_,
            {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, mem}, {DNNL_ARG_SCRATCHPAD, input_scratchpad_}});
  }

  // A partition's input comes from one producer, so the reorder is made on
  // the first frame and reused while the input's layout and scale stay.
  dnnl::reorder& input_reorder(const dnnl::memory& from, float scale) {
    if (!input_reorder_ || input_from_desc_ != from.get_desc() || input_from_scale_ != scale) {
      input_reorder_ = make_reorder(from, program_.input.mem, scale, program_.input.scale);
      input_from_desc_ = from.get_desc();
      input_from_scale_ = scale;
      const auto bytes = static_cast<dnnl::memory::dim>(scratchpad_bytes(*input_reorder_));
      input_scratchpad_ =
          dnnl::memory({{std::max<dnnl::memory::dim>(bytes, 1)}, dt::u8, tag::a}, cpu_engine());
    }
    return *input_reorder_;
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

  static dnnl::memory::desc describe(const Handoff& h) {
    const dt type = memory_type(h.type());
    return h.layout() == HandoffLayout::channels_last
               ? dnnl::memory::desc(to_dims(h.shape()), type, tag::nhwc)
               : plain_desc(h.shape(), type);
  }

  Handoff read_output() const {
    const dnnl::memory& mem = program_.output.mem;
    Shape shape = program_.output_shape;
    const HandoffLayout layout =
        shape.size() == 4 ? HandoffLayout::channels_last : HandoffLayout::plain;
    const size_t bytes = mem.get_desc().get_size();
    const dt type = mem.get_desc().data_type();
    if (type == dt::f32) {
      std::vector<float> values(bytes / sizeof(float));
      std::memcpy(values.data(), mem.get_data_handle(), bytes);
      return Handoff::from_floats(std::move(shape), std::move(values), layout);
    }
    if (type == dt::bf16) {
      std::vector<uint16_t> bits(bytes / sizeof(uint16_t));
      std::memcpy(bits.data(), mem.get_data_handle(), bytes);
      return Handoff::from_bf16(std::move(shape), std::move(bits), layout);
    }
    std::vector<uint8_t> codes(bytes);
    std::memcpy(codes.data(), mem.get_data_handle(), bytes);
    return Handoff::from_codes(std::move(shape), type == dt::u8 ? HandoffType::u8 : HandoffType::s8,
                               std::move(codes), program_.output.scale, 0, layout);
  }

  Program program_;
  dnnl::stream stream_;
  std::optional<dnnl::reorder> input_reorder_;
  dnnl::memory::desc input_from_desc_;
  float input_from_scale_ = 1.0f;
  dnnl::memory input_scratchpad_;
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
  lowering.last_unit = static_cast<int>(split_units(graph).size());
  lowering.observer = std::move(observer);
  return std::make_unique<CpuPartition>(lower(lowering));
}

}  // namespace splitinfer::cpu
