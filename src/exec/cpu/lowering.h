// Lowers a range of split units to a sequence of oneDNN primitives for one
// CPU element, in float32, bfloat16 or INT8. Shared by all precisions so that
// they fuse identically: Conv [+BatchNorm] [+activation] [+residual Add]
// [+activation] becomes one convolution with post-ops, Gemm [+activation]
// one inner product. In INT8, convolutions and inner products run on integer
// kernels (u8/s8 activations, per-channel s8 weights); pooling, layout ops,
// activations, Add/Mul of activations, Concat, ReduceMean and standalone
// BatchNorm stay on codes; what remains (Softmax, MatMul of two
// activations, arithmetic with constants) runs in float32 and is reported.
// In BF16 every oneDNN kernel reads and writes bfloat16 (weights converted
// once at compile time, accumulation in float32); the few C++ kernels that
// compute on float32 values are reported the same way.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/calibration.h"
#include "exec/cpu/dnnl_util.h"
#include "exec/element.h"
#include "graph/graph.h"

namespace splitinfer::cpu {

// A tensor as the partition holds it: memory in some layout and type, and the
// scale and zero point of its codes (1 and 0 for float32):
// value = scale * (code - zero_point).
struct Value {
  dnnl::memory mem;
  float scale = 1.0f;
  int32_t zero_point = 0;
  dt type() const { return mem.get_desc().data_type(); }
};

// The codes an INT8 kernel reads or writes.
struct Codes {
  dt type = dt::s8;
  float scale = 1.0f;
  int32_t zero_point = 0;
};

struct Step {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;  // owns the memories exec_args point to
  // The same as oneDNN's C API takes them, made once: the C++ execute()
  // builds this vector again on every call.
  std::vector<dnnl_exec_arg_t> exec_args;
  std::function<void()> custom;  // plain C++ kernels, when primitive is empty
};

// Called during calibration with every materialised tensor, as floats.
using TensorObserver = std::function<void(int tensor, std::span<const float> values)>;

struct Program {
  std::vector<Step> steps;
  Value input;                      // hand-off layout (handoff_desc); run() fills it
  Value output;                     // hand-off layout
  Shape input_shape, output_shape;  // the IR's (oneDNN has no rank-0 tensors)
  std::vector<std::string> float_fallbacks;
  // Every buffer the steps use; views made over their handles do not own them.
  std::vector<dnnl::memory> buffers;
  // One scratchpad for every primitive of the partition (they run one after
  // another), allocated at compile time; see partition_attr().
  dnnl::memory scratchpad;
};

struct LoweringRequest {
  const Graph* graph = nullptr;
  int first_unit = 0;
  int last_unit = 0;
  Precision precision = Precision::fp32;
  const Calibration* calibration = nullptr;  // required for int8
  // Calibration: observe every tensor, fusing nothing, so that partitions
  // cut anywhere find a range for each tensor they materialise.
  TensorObserver observer;
};

Program lower(const LoweringRequest& request);

// The lowering's working state; internal to exec/cpu.
class Lowering {
 public:
  explicit Lowering(const LoweringRequest& request);
  Program run();

  // --- values -------------------------------------------------------------
  const Graph& graph() const { return graph_; }
  bool int8() const { return precision_ == Precision::int8; }
  // The type float kernels compute in: bf16 in a BF16 partition, f32
  // otherwise (an INT8 partition's fallbacks included).
  dt float_type() const { return precision_ == Precision::bf16 ? dt::bf16 : dt::f32; }
  // The type a float kernel writes `tensor` in: float32 for a model output,
  // which leaves as float32 (rounding it to bf16 first would only add
  // error), float_type() otherwise.
  dt result_type(int tensor) const;
  // Weights and constants become values on first use.
  const Value& value(int tensor);
  bool has_value(int tensor) const { return values_.count(tensor) != 0; }
  void define(int tensor, Value v);
  // The tensor in plain layout with the given type, scale and zero point,
  // converting once per (tensor, type, scale, zero point) with a reorder
  // step.
  dnnl::memory plain(int tensor, dt type, float scale = 1.0f, int32_t zero_point = 0);
  dnnl::memory plain_f32(int tensor) { return plain(tensor, dt::f32); }
  // The tensor in float_type(): its own memory (any layout) when it has
  // that type, else a plain converted copy.
  dnnl::memory float_value(int tensor);
  // Defines `tensor` as values a C++ kernel computed in float32, rounded
  // once to bfloat16 where the partition keeps that between layers.
  void define_float32_result(int tensor, const dnnl::memory& values);
  // The tensor converted to an exact descriptor, scale and zero point.
  dnnl::memory converted(int tensor, const dnnl::memory::desc& desc, float scale,
                         int32_t zero_point = 0);
  dnnl::memory converted(int tensor, const dnnl::memory::desc& desc, const Codes& codes) {
    return converted(tensor, desc, codes.scale, codes.zero_point);
  }
  // INT8 codes chosen for a tensor from the calibration: affine ones only
  // where the calibration chose them and every op that reads the tensor
  // takes a zero point (reads_zero_point), else symmetric ones of the same
  // clip. Every op that writes a tensor at quant() writes the zero point.
  QuantParams quant(int tensor) const;
  // The symmetric codes (zero point 0) an INT8 op reads for a tensor: the
  // value's own codes when it has them (re-coded symmetrically when they
  // have a zero point), else the float value quantized at its calibrated
  // symmetric scale.
  Codes codes(int tensor);
  // The codes an op that takes a zero point reads: the value's own, else
  // the float value quantized as quant() says.
  Codes affine_codes(int tensor);
  Codes codes_of(const QuantParams& q) const { return {code_type(q), q.scale, q.zero_point}; }
  // Per-channel means of a tensor over the calibration inputs, if known.
  const std::vector<float>* channel_means(int tensor) const;
  dt code_type(const QuantParams& q) const { return q.is_unsigned ? dt::u8 : dt::s8; }
  // Whether a convolution of the partition runs on a Winograd kernel.
  bool has_winograd() const { return has_winograd_; }
  dnnl::memory new_memory(const dnnl::memory::desc& desc);
  // Adds a primitive made with partition_attr(); the scratchpad is bound at
  // the end of the lowering.
  void add(dnnl::primitive p, std::unordered_map<int, dnnl::memory> args);
  void add_custom(std::function<void()> kernel);

  // --- fusion -------------------------------------------------------------
  // The node that alone consumes `tensor` inside the partition, if the
  // tensor may be fused away (not an output, not read elsewhere).
  const Node* sole_consumer(int tensor) const;
  void mark_fused(const Node& node);
  // Whether `node` is the last reader of `tensor` and nothing else holds its
  // memory (no view, not a model or partition output, not observed), so
  // that a kernel fused into `node` may overwrite it.
  bool last_read_by(int tensor, const Node& node) const;

 private:
  // Whether every step that reads `tensor` has been added already and
  // nothing reads it after the partition.
  bool dead(int tensor) const;
  bool outlives_partition(int tensor) const;
  void lower_node(const Node& node);
  void dispatch(const Node& node);
  void note_fallback(const Node& node);
  // A BF16 partition reports the nodes whose results it holds in float32
  // (model outputs aside, which are float32 by design).
  void note_float32_results(const Node& node);
  // Gives every step that needs one the shared scratchpad, then its
  // arguments as the C API takes them.
  void finish_steps();

  const Graph& graph_;
  Precision precision_;
  const Calibration* calibration_;
  TensorObserver observer_;
  int input_tensor_ = kNoTensor;
  int output_tensor_ = kNoTensor;
  size_t first_node_ = 0, last_node_ = 0;
  size_t lowering_node_ = 0;         // the node whose steps are being added
  std::vector<int> consumer_count_;  // per tensor, over the whole graph
  std::vector<int> consumer_node_;   // per tensor: its last consumer node index
  std::vector<bool> fused_;          // per node
  std::unordered_map<int, Value> values_;
  std::map<std::tuple<int, int, float, int32_t>, dnnl::memory> plain_cache_;
  bool has_winograd_ = false;
  size_t scratchpad_bytes_ = 0;
  Program program_;
};

// Lowerings of the op families (lower_*.cpp).
void lower_conv(Lowering& l, const Node& node);  // Conv and ConvTranspose
void lower_gemm(Lowering& l, const Node& node);
void lower_matmul(Lowering& l, const Node& node);
void lower_pool(Lowering& l, const Node& node);
void lower_batch_norm(Lowering& l, const Node& node);
void lower_eltwise(Lowering& l, const Node& node);
void lower_binary(Lowering& l, const Node& node);
void lower_softmax(Lowering& l, const Node& node);
void lower_concat(Lowering& l, const Node& node);
void lower_reduce_mean(Lowering& l, const Node& node);
void lower_view(Lowering& l,
                const Node& node);  // Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout
void lower_transpose(Lowering& l, const Node& node);
void lower_pad(Lowering& l, const Node& node);
void lower_slice(Lowering& l, const Node& node);
void lower_split(Lowering& l, const Node& node);
void lower_expand(Lowering& l, const Node& node);
void lower_resize(Lowering& l, const Node& node);
void lower_erf(Lowering& l, const Node& node);
void lower_layer_norm(Lowering& l, const Node& node);

// Whether a convolution node computing in `type` runs on oneDNN's Winograd
// kernel (where oneDNN has one for its fusion).
bool winograd_applies(const Graph& g, const Node& node, dt type);

// The scale at which `type` codes span the clip of symmetric `q` (s8 holds
// half of u8's range, so a u8 clip coded in s8 takes twice the step).
float scale_spanning(dt type, const QuantParams& q);

// Whether `node`'s INT8 kernels read codes with a zero point as they are
// (other readers re-code them symmetrically first).
bool reads_zero_point(const Node& node);

// The codes INT8 partitions give `tensor` (Lowering::quant): decided by the
// whole graph's readers, so that every partition, and a hand-off's two
// sides, decide alike.
QuantParams tensor_codes(const Graph& g, const Calibration& calibration, int tensor);

// An INT8 mean (average pooling, ReduceMean) of `in` codes written as codes
// of the same type at the mean's own calibrated clip (oneDNN's integer
// kernels write the type they read): a post-op of `attr` rescales it. A
// mean spans far less than its input (a global average of 49 values
// against their largest), so its input's scale would code it in a few
// levels. Returns the codes of the result.
Codes recoded_mean(const Lowering& l, int mean, const Codes& in, dnnl::primitive_attr& attr);

// The activation a node applies, as a oneDNN eltwise algorithm with alpha
// and beta; false for nodes that are not a fusable activation. HardSigmoid
// needs two steps and is described by `second`.
struct Activation {
  dnnl::algorithm alg;
  float alpha = 0.0f, beta = 0.0f;
  bool has_second = false;
  dnnl::algorithm second_alg = dnnl::algorithm::eltwise_clip;
  float second_alpha = 0.0f, second_beta = 0.0f;
};
bool activation_of(const Node& node, Activation& out);
// The activation applied to one value.
float activate(const Activation& act, float x);

}  // namespace splitinfer::cpu
