// The CPU elements cpuN:fp32 and cpuN:int8 (and cpu:* on all cores): units
// lowered to oneDNN primitives once at compile time; run() only copies the
// hand-off in, executes the steps and copies the result out.
#include "exec/cpu/cpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "exec/calibration.h"
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

 private:
  void write_input(const Handoff& input) {
    const dnnl::memory& mem = program_.input.mem;
    if (program_.input_shape != input.shape())
      fail(ErrorKind::invalid_input, "input has shape " + shape_to_string(input.shape()) +
                                         ", the partition expects " +
                                         shape_to_string(program_.input_shape));
    const dt type = mem.get_desc().data_type();
    void* to = mem.get_data_handle();
    const bool same_codes = input.is_quantized() && input.zero_point() == 0 &&
                            input.scale() == program_.input.scale &&
                            (type == dt::u8) == (input.type() == HandoffType::u8) && is_integer(type);
    if (same_codes) {
      std::memcpy(to, input.codes().data(), input.codes().size());
      return;
    }
    const std::vector<float> values = input.to_floats();
    if (type == dt::f32) {
      std::memcpy(to, values.data(), values.size() * sizeof(float));
      return;
    }
    const float inv = 1.0f / program_.input.scale;
    for (size_t i = 0; i < values.size(); ++i) {
      const float q = std::nearbyint(values[i] * inv);
      if (type == dt::u8) static_cast<uint8_t*>(to)[i] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
      else static_cast<int8_t*>(to)[i] = static_cast<int8_t>(std::clamp(q, -128.0f, 127.0f));
    }
  }

  Handoff read_output() const {
    const dnnl::memory& mem = program_.output.mem;
    Shape shape = program_.output_shape;
    const size_t bytes = mem.get_desc().get_size();
    const dt type = mem.get_desc().data_type();
    if (type == dt::f32) {
      std::vector<float> values(bytes / sizeof(float));
      std::memcpy(values.data(), mem.get_data_handle(), bytes);
      return Handoff::from_floats(std::move(shape), std::move(values));
    }
    std::vector<uint8_t> codes(bytes);
    std::memcpy(codes.data(), mem.get_data_handle(), bytes);
    return Handoff::from_codes(std::move(shape), type == dt::u8 ? HandoffType::u8 : HandoffType::s8,
                               std::move(codes), program_.output.scale, 0);
  }

  Program program_;
  dnnl::stream stream_;
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
  if (element.precision == Precision::fp16)
    fail(ErrorKind::unsupported, "element " + element.name +
                                     ": the CPU elements run fp32 or int8, not fp16");
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
