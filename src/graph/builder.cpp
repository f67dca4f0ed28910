#include "graph/builder.h"

#include <cmath>

#include "graph/shape_inference.h"

namespace splitinfer {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

GraphBuilder::GraphBuilder(std::string graph_name, std::optional<uint64_t> weight_seed)
    : seed_(weight_seed) {
  graph_.name = std::move(graph_name);
}

int GraphBuilder::input(const std::string& name, const Shape& shape) {
  const int id = graph_.add_tensor({name, DType::f32, shape, true, TensorRole::activation, {}});
  graph_.inputs.push_back(id);
  return id;
}

void GraphBuilder::output(int tensor) { graph_.outputs.push_back(tensor); }

int GraphBuilder::weight(const std::string& name, TensorRole role, const Shape& shape, float bound,
                         float offset) {
  Tensor t{name, DType::f32, shape, true, role, {}};
  if (seed_) {
    std::vector<float> values(static_cast<size_t>(numel(shape)));
    uint64_t state = *seed_ ^ fnv1a(name);
    for (float& v : values) {
      const double unit = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
      v = offset + bound * static_cast<float>(2.0 * unit - 1.0);
    }
    t.data = make_data(values);
  }
  return graph_.add_tensor(std::move(t));
}

int GraphBuilder::node(OpType op, const std::string& module, const std::string& functional_name,
                       std::vector<int> inputs, Attributes attrs) {
  std::string base = module.empty() ? functional_name : module;
  if (base.empty()) base = std::string(op_name(op));
  std::string name = base;
  for (int k = 1; !node_names_.insert(name).second; ++k) name = base + "_" + std::to_string(k);

  const int out =
      graph_.add_tensor({name + ":0", DType::f32, {}, false, TensorRole::activation, {}});
  graph_.nodes.push_back({op, name, module, std::move(inputs), {out}, std::move(attrs)});
  infer_node_shapes(graph_, graph_.nodes.back());
  return out;
}

int GraphBuilder::conv(int x, const std::string& module, int64_t out_channels, int64_t kernel,
                       int64_t stride, int64_t pad, int64_t groups, bool bias) {
  const int64_t in_channels = shape(x).at(1);
  const int64_t fan_in = in_channels / groups * kernel * kernel;
  // He-uniform: keeps the activation scale through ReLU networks.
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  std::vector<int> inputs = {x,
                             weight(module + ".weight", TensorRole::param,
                                    {out_channels, in_channels / groups, kernel, kernel}, bound)};
  if (bias)
    inputs.push_back(weight(module + ".bias", TensorRole::param, {out_channels},
                            1.0f / std::sqrt(static_cast<float>(fan_in))));
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  attrs.set("strides", std::vector<int64_t>{stride, stride});
  attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  attrs.set("dilations", std::vector<int64_t>{1, 1});
  attrs.set("group", groups);
  return node(OpType::Conv, module, "", std::move(inputs), std::move(attrs));
}

int GraphBuilder::batch_norm(int x, const std::string& module, float gamma_scale, float epsilon,
                             float momentum) {
  const Shape channels = {shape(x).at(1)};
  std::vector<int> inputs = {
      x, weight(module + ".weight", TensorRole::param, channels, 0.2f * gamma_scale, gamma_scale),
      weight(module + ".bias", TensorRole::param, channels, 0.1f),
      weight(module + ".running_mean", TensorRole::stat, channels, 0.1f),
      weight(module + ".running_var", TensorRole::stat, channels, 0.2f, 1.0f)};
  Attributes attrs;
  attrs.set("epsilon", epsilon);
  attrs.set("momentum", 1.0f - momentum);
  return node(OpType::BatchNormalization, module, "", std::move(inputs), std::move(attrs));
}

int GraphBuilder::relu(int x, const std::string& module) {
  return node(OpType::Relu, module, "relu", {x});
}

int GraphBuilder::relu6(int x, const std::string& module) {
  Attributes attrs;
  attrs.set("min", 0.0f);
  attrs.set("max", 6.0f);
  return node(OpType::Clip, module, "relu6", {x}, std::move(attrs));
}

int GraphBuilder::hardswish(int x, const std::string& module) {
  return node(OpType::HardSwish, module, "hardswish", {x});
}

int GraphBuilder::hardsigmoid(int x, const std::string& module) {
  Attributes attrs;
  attrs.set("alpha", 1.0f / 6.0f);
  attrs.set("beta", 0.5f);
  return node(OpType::HardSigmoid, module, "hardsigmoid", {x}, std::move(attrs));
}

int GraphBuilder::max_pool(int x, const std::string& module, int64_t kernel, int64_t stride,
                           int64_t pad, bool ceil_mode) {
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  attrs.set("strides", std::vector<int64_t>{stride, stride});
  attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  attrs.set("ceil_mode", int64_t{ceil_mode ? 1 : 0});
  return node(OpType::MaxPool, module, "max_pool2d", {x}, std::move(attrs));
}

int GraphBuilder::avg_pool(int x, const std::string& module, int64_t kernel, int64_t stride) {
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  attrs.set("strides", std::vector<int64_t>{stride, stride});
  attrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  return node(OpType::AveragePool, module, "avg_pool2d", {x}, std::move(attrs));
}

int GraphBuilder::global_avg_pool(int x, const std::string& module,
                                  const std::string& functional_name) {
  return node(OpType::GlobalAveragePool, module, functional_name, {x});
}

int GraphBuilder::add(int a, int b, const std::string& module) {
  return node(OpType::Add, module, "add", {a, b});
}

int GraphBuilder::mul(int a, int b, const std::string& module) {
  return node(OpType::Mul, module, "mul", {a, b});
}

int GraphBuilder::flatten(int x, const std::string& module, const std::string& functional_name) {
  Attributes attrs;
  attrs.set("axis", int64_t{1});
  return node(OpType::Flatten, module, functional_name, {x}, std::move(attrs));
}

int GraphBuilder::linear(int x, const std::string& module, int64_t out_features) {
  const int64_t in_features = shape(x).at(1);
  // Variance-preserving without a ReLU gain, so logits stay near unit scale.
  const float bound = std::sqrt(3.0f / static_cast<float>(in_features));
  Attributes attrs;
  attrs.set("transB", int64_t{1});
  return node(OpType::Gemm, module, "",
              {x, weight(module + ".weight", TensorRole::param, {out_features, in_features}, bound),
               weight(module + ".bias", TensorRole::param, {out_features}, 0.01f)},
              std::move(attrs));
}

int GraphBuilder::dropout(int x, const std::string& module, float ratio) {
  Attributes attrs;
  attrs.set("ratio", ratio);
  return node(OpType::Dropout, module, "dropout", {x}, std::move(attrs));
}

Graph GraphBuilder::finish() {
  validate(graph_);
  return std::move(graph_);
}

}  // namespace splitinfer
