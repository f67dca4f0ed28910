#include "exec/cpu/lowering.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/error.h"
#include "exec/cpu/int8_coverage.h"

namespace splitinfer::cpu {

Program lower(const LoweringRequest& request) {
  const std::lock_guard lock(primitive_creation_mutex());
  return Lowering(request).run();
}

Lowering::Lowering(const LoweringRequest& request)
    : graph_(*request.graph),
      precision_(request.precision),
      calibration_(request.calibration),
      observer_(request.observer) {
  const std::vector<Unit>& units = graph_.units;
  const int n = static_cast<int>(units.size());
  if (request.first_unit < 0 || request.first_unit >= request.last_unit || request.last_unit > n)
    fail(ErrorKind::invalid_input, "unit range [" + std::to_string(request.first_unit) + ", " +
                                       std::to_string(request.last_unit) + ") is not within 0.." +
                                       std::to_string(n) + " and non-empty");
  if (int8() && !calibration_) fail(ErrorKind::internal, "an INT8 partition needs a calibration");
  first_node_ = units[request.first_unit].first_node;
  last_node_ = units[request.last_unit - 1].last_node;
  input_tensor_ =
      request.first_unit == 0 ? graph_.inputs.at(0) : units[request.first_unit - 1].output;
  output_tensor_ = units[request.last_unit - 1].output;

  consumer_count_.assign(graph_.tensors.size(), 0);
  consumer_node_.assign(graph_.tensors.size(), -1);
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (int t : graph_.nodes[i].inputs)
      if (t != kNoTensor) {
        ++consumer_count_[t];
        consumer_node_[t] = static_cast<int>(i);
      }
  for (int t : graph_.outputs) ++consumer_count_[t];  // never fused away
  fused_.assign(graph_.nodes.size(), false);
  for (size_t i = first_node_; i < last_node_ && !int8(); ++i)
    has_winograd_ = has_winograd_ || winograd_applies(graph_, graph_.nodes[i], float_type());
}

Program Lowering::run() {
  const Tensor& in = graph_.tensor(input_tensor_);
  if (int8()) {
    const QuantParams q = quant(input_tensor_);
    program_.input = {new_memory(handoff_desc(in.shape, code_type(q))), q.scale, q.zero_point};
  } else {
    program_.input = {new_memory(handoff_desc(in.shape, float_type())), 1.0f};
  }
  define(input_tensor_, program_.input);
  program_.input_shape = in.shape;
  program_.output_shape = graph_.tensor(output_tensor_).shape;

  for (size_t i = first_node_; i < last_node_; ++i)
    if (!fused_[i]) {
      lowering_node_ = i;
      lower_node(graph_.nodes[i]);
    }

  // The hand-off leaves as codes at the calibrated scale from an INT8
  // partition, as bfloat16 from a BF16 partition, and as float32 otherwise
  // and at the model's output.
  const Shape& out = program_.output_shape;
  if (int8()) {
    const Codes c = affine_codes(output_tensor_);
    program_.output = {converted(output_tensor_, handoff_desc(out, c.type), c), c.scale,
                       c.zero_point};
  } else {
    program_.output = {
        converted(output_tensor_, handoff_desc(out, result_type(output_tensor_)), 1.0f), 1.0f};
  }
  finish_steps();
  return std::move(program_);
}

void Lowering::finish_steps() {
  const auto bytes = static_cast<dnnl::memory::dim>(scratchpad_bytes_);
  program_.scratchpad =
      dnnl::memory({{std::max<dnnl::memory::dim>(bytes, 1)}, dt::u8, tag::a}, cpu_engine());
  for (Step& step : program_.steps) {
    if (step.primitive && scratchpad_bytes(step.primitive) > 0)
      step.args[DNNL_ARG_SCRATCHPAD] = program_.scratchpad;
    for (const auto& [arg, mem] : step.args) step.exec_args.push_back({arg, mem.get()});
  }
}

void Lowering::lower_node(const Node& node) {
  if (int8() && !int8_on_codes(graph_, node)) note_fallback(node);
  try {
    dispatch(node);
    if (precision_ == Precision::bf16) note_float32_results(node);
  } catch (const dnnl::error& e) {
    fail(ErrorKind::unsupported, "node '" + node.name + "' (" + std::string(op_name(node.op)) +
                                     "): the CPU kernels do not support these shapes or "
                                     "attributes (oneDNN: " +
                                     e.what() + ")");
  }
}

void Lowering::dispatch(const Node& node) {
  switch (node.op) {
    case OpType::Conv:
    case OpType::ConvTranspose: return lower_conv(*this, node);
    case OpType::Gemm: return lower_gemm(*this, node);
    case OpType::MatMul: return lower_matmul(*this, node);
    case OpType::MaxPool:
    case OpType::AveragePool:
    case OpType::GlobalAveragePool:
    case OpType::GlobalMaxPool: return lower_pool(*this, node);
    case OpType::BatchNormalization: return lower_batch_norm(*this, node);
    case OpType::Relu:
    case OpType::Clip:
    case OpType::LeakyRelu:
    case OpType::Sigmoid:
    case OpType::Tanh:
    case OpType::HardSigmoid:
    case OpType::HardSwish:
    case OpType::Sqrt:
    case OpType::Pow: return lower_eltwise(*this, node);
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::Div: return lower_binary(*this, node);
    case OpType::Softmax: return lower_softmax(*this, node);
    case OpType::Concat: return lower_concat(*this, node);
    case OpType::ReduceMean: return lower_reduce_mean(*this, node);
    case OpType::Flatten:
    case OpType::Reshape:
    case OpType::Squeeze:
    case OpType::Unsqueeze:
    case OpType::Identity:
    case OpType::Dropout: return lower_view(*this, node);
    case OpType::Transpose: return lower_transpose(*this, node);
    case OpType::Pad: return lower_pad(*this, node);
    case OpType::Slice: return lower_slice(*this, node);
    case OpType::Split: return lower_split(*this, node);
    case OpType::Expand: return lower_expand(*this, node);
    case OpType::Resize: return lower_resize(*this, node);
    case OpType::Erf: return lower_erf(*this, node);
    case OpType::LayerNormalization: return lower_layer_norm(*this, node);
  }
  fail(ErrorKind::unsupported,
       "node '" + node.name + "': op " + std::string(op_name(node.op)) + " has no CPU kernel");
}

const Value& Lowering::value(int tensor) {
  if (const auto it = values_.find(tensor); it != values_.end()) return it->second;
  const Tensor& t = graph_.tensor(tensor);
  if (!t.is_initializer())
    fail(ErrorKind::internal, "tensor '" + t.name + "' is read before the partition computes it");
  if (t.dtype != DType::f32 || !t.has_data())
    fail(ErrorKind::unsupported, "tensor '" + t.name + "' is read as an operand but is not a " +
                                     "float32 constant with data");
  const dnnl::memory m = new_memory(plain_desc(t.shape, dt::f32));
  std::memcpy(m.get_data_handle(), t.floats().data(), t.floats().size_bytes());
  return values_[tensor] = {m, 1.0f};
}

void Lowering::define(int tensor, Value v) {
  values_[tensor] = v;
  if (!observer_) return;
  const dnnl::memory floats = plain_f32(tensor);
  const size_t count = floats.get_desc().get_size() / sizeof(float);
  add_custom([observer = observer_, tensor, floats, count] {
    observer(tensor, {static_cast<const float*>(floats.get_data_handle()), count});
  });
}

dnnl::memory Lowering::new_memory(const dnnl::memory::desc& desc) {
  program_.buffers.emplace_back(desc, cpu_engine());
  return program_.buffers.back();
}

dnnl::memory Lowering::plain(int tensor, dt type, float scale, int32_t zero_point) {
  const Value& v = value(tensor);
  const dnnl::memory::desc want = plain_desc(graph_.tensor(tensor).shape, type);
  if (v.mem.get_desc() == want && v.scale == scale && v.zero_point == zero_point) return v.mem;
  const auto key = std::make_tuple(tensor, static_cast<int>(type), scale, zero_point);
  if (const auto it = plain_cache_.find(key); it != plain_cache_.end()) return it->second;
  const dnnl::memory out = converted(tensor, want, scale, zero_point);
  plain_cache_[key] = out;
  return out;
}

dt Lowering::result_type(int tensor) const {
  const bool model_output =
      std::find(graph_.outputs.begin(), graph_.outputs.end(), tensor) != graph_.outputs.end();
  return model_output ? dt::f32 : float_type();
}

dnnl::memory Lowering::float_value(int tensor) {
  const Value& v = value(tensor);
  return v.type() == float_type() ? v.mem : plain(tensor, float_type());
}

void Lowering::define_float32_result(int tensor, const dnnl::memory& values) {
  const dt keep = result_type(tensor);
  if (keep == dt::f32) return define(tensor, {values, 1.0f});
  const dnnl::memory rounded = new_memory(plain_desc(graph_.tensor(tensor).shape, keep));
  add(make_reorder(values, rounded, 1.0f, 1.0f), {{DNNL_ARG_FROM, values}, {DNNL_ARG_TO, rounded}});
  define(tensor, {rounded, 1.0f});
}

dnnl::memory Lowering::converted(int tensor, const dnnl::memory::desc& desc, float scale,
                                 int32_t zero_point) {
  const Value& v = value(tensor);
  if (v.mem.get_desc() == desc && v.scale == scale && v.zero_point == zero_point) return v.mem;
  dnnl::memory out = new_memory(desc);
  add(make_reorder(v.mem, out, v.scale, scale, v.zero_point, zero_point),
      {{DNNL_ARG_FROM, v.mem}, {DNNL_ARG_TO, out}});
  return out;
}

QuantParams Lowering::quant(int tensor) const {
  return tensor_codes(graph_, *calibration_, tensor);
}

QuantParams tensor_codes(const Graph& g, const Calibration& calibration, int tensor) {
  const QuantParams q = calibration.params(g.tensor(tensor).name);
  if (q.zero_point == 0) return q;
  for (const Node& n : g.nodes)
    if (std::find(n.inputs.begin(), n.inputs.end(), tensor) != n.inputs.end() &&
        !reads_zero_point(n))
      return symmetric(q);
  return q;
}

const std::vector<float>* Lowering::channel_means(int tensor) const {
  return calibration_->channel_means(graph_.tensor(tensor).name);
}

float scale_spanning(dt type, const QuantParams& q) {
  const float clip = q.scale * (q.is_unsigned ? 255.0f : 127.0f);
  return clip / (type == dt::u8 ? 255.0f : 127.0f);
}

bool reads_zero_point(const Node& node) {
  switch (node.op) {
    case OpType::Conv:
    case OpType::Gemm:
    case OpType::MatMul:  // a linear layer's inner product (else float32, which converts)
    case OpType::MaxPool:
    case OpType::GlobalAveragePool:
    case OpType::ReduceMean:
    case OpType::Relu:  // on codes as a table when they have a zero point
    case OpType::LeakyRelu:
    case OpType::Clip:
    case OpType::Sigmoid:
    case OpType::Tanh:
    case OpType::HardSigmoid:
    case OpType::HardSwish:
    case OpType::Erf:
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:  // the first operand (lower_binary_codes)
    case OpType::Concat:
    case OpType::Flatten:
    case OpType::Reshape:
    case OpType::Squeeze:
    case OpType::Unsqueeze:
    case OpType::Identity:
    case OpType::Dropout:
    case OpType::Transpose:
    case OpType::Slice:
    case OpType::Split:
    case OpType::Expand: return true;
    // Padding with the average's zeros counts code 0, not the zero point.
    case OpType::AveragePool: return node.attrs.get_int("count_include_pad", 0) == 0;
    default: return false;
  }
}

Codes recoded_mean(const Lowering& l, int mean, const Codes& in, dnnl::primitive_attr& attr) {
  const QuantParams q = l.quant(mean);
  Codes out{in.type, 0.0f, 0};
  if (in.zero_point == 0) {
    // Means of s8 codes are coded symmetrically, of zero-based u8 codes
    // from 0 (they are not negative).
    out.scale = scale_spanning(in.type, symmetric(q));
  } else if (q.zero_point != 0 || q.is_unsigned) {
    out = {dt::u8, q.scale, q.zero_point};
  } else {  // a symmetric clip in u8 codes: zero in the middle
    out = {dt::u8, 2.0f * q.scale * 127.0f / 255.0f, 128};
  }
  const float k = in.scale / out.scale;
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, k,
                     static_cast<float>(out.zero_point) - k * static_cast<float>(in.zero_point));
  attr.set_post_ops(ops);
  return out;
}

Codes Lowering::codes(int tensor) {
  const Value& v = value(tensor);
  if (is_integer(v.type()) && v.zero_point == 0) return {v.type(), v.scale, 0};
  return codes_of(is_integer(v.type()) ? symmetric({true, v.scale, v.zero_point})
                                       : symmetric(quant(tensor)));
}

Codes Lowering::affine_codes(int tensor) {
  const Value& v = value(tensor);
  if (is_integer(v.type())) return {v.type(), v.scale, v.zero_point};
  return codes_of(quant(tensor));
}

void Lowering::add(dnnl::primitive p, std::unordered_map<int, dnnl::memory> args) {
  scratchpad_bytes_ = std::max(scratchpad_bytes_, scratchpad_bytes(p));
  program_.steps.push_back({std::move(p), std::move(args), {}, {}});
}

void Lowering::add_custom(std::function<void()> kernel) {
  program_.steps.push_back({{}, {}, {}, std::move(kernel)});
}

void Lowering::note_float32_results(const Node& node) {
  for (int t : node.outputs)
    if (has_value(t) && value(t).type() == dt::f32 && result_type(t) != dt::f32)
      return note_fallback(node);
}

void Lowering::note_fallback(const Node& node) {
  std::string what = std::string(op_name(node.op)) + " (" + node.name + ")";
  auto& list = program_.float_fallbacks;
  if (std::find(list.begin(), list.end(), what) == list.end()) list.push_back(std::move(what));
}

const Node* Lowering::sole_consumer(int tensor) const {
  if (observer_ || tensor == output_tensor_ || consumer_count_[tensor] != 1) return nullptr;
  const int n = consumer_node_[tensor];
  if (n < static_cast<int>(first_node_) || n >= static_cast<int>(last_node_) || fused_[n])
    return nullptr;
  return &graph_.nodes[n];
}

bool Lowering::last_read_by(int tensor, const Node& node) const {
  const auto index = static_cast<size_t>(&node - graph_.nodes.data());
  if (observer_ || outlives_partition(tensor) || consumer_node_[tensor] != static_cast<int>(index))
    return false;
  const auto it = values_.find(tensor);
  if (it == values_.end()) return false;
  // `node` is fused into the node being lowered, whose steps run before
  // those of the nodes in between: neither it (it would read what it
  // overwrites) nor they may read the tensor.
  for (size_t i = lowering_node_; i < index; ++i) {
    const auto& inputs = graph_.nodes[i].inputs;
    if (std::find(inputs.begin(), inputs.end(), tensor) != inputs.end()) return false;
  }
  // Another live tensor viewing the memory, or a live plain copy of another
  // tensor that the memory is a view of, would see the sum. Dead ones, such
  // as the previous residual block's input that this block's input was
  // summed onto in place, see nothing.
  const void* data = it->second.mem.get_data_handle();
  for (const auto& [other, v] : values_)
    if (other != tensor && v.mem.get_data_handle() == data && !dead(other)) return false;
  for (const auto& [key, mem] : plain_cache_)
    if (mem.get_data_handle() == data && !dead(std::get<0>(key))) return false;
  return true;
}

bool Lowering::dead(int tensor) const {
  return !outlives_partition(tensor) && consumer_node_[tensor] < static_cast<int>(lowering_node_);
}

bool Lowering::outlives_partition(int tensor) const {
  // The hand-off and model outputs are read after the partition; weights
  // are read by every frame.
  return tensor == output_tensor_ || graph_.tensor(tensor).is_initializer() ||
         std::find(graph_.outputs.begin(), graph_.outputs.end(), tensor) != graph_.outputs.end();
}

void Lowering::mark_fused(const Node& node) {
  fused_[static_cast<size_t>(&node - graph_.nodes.data())] = true;
}

}  // namespace splitinfer::cpu
