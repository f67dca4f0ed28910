// Builds IR graphs layer by layer the way a PyTorch module tree is written,
// naming weights as PyTorch's state_dict does ("layer1.0.conv1.weight").
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "graph/graph.h"

namespace splitinfer {

class GraphBuilder {
 public:
  // With a seed, weights get deterministic pseudo-random values (a function of
  // the seed and the weight's name); without one the graph is shape-only,
  // which is all inspection and planning need.
  GraphBuilder(std::string graph_name, std::optional<uint64_t> weight_seed);

  int input(const std::string& name, const Shape& shape);
  void output(int tensor);

  // Each layer names the PyTorch module that owns it; "" is a functional op
  // at the top level. Returns the output tensor id.
  int conv(int x, const std::string& module, int64_t out_channels, int64_t kernel,
           int64_t stride = 1, int64_t pad = 0, int64_t groups = 1, bool bias = true);
  // `gamma_scale` damps the initial scale of the last BatchNorm of a residual
  // branch so that random-weight activations stay bounded through deep nets.
  // `epsilon` and `momentum` are BatchNorm2d's eps and momentum as PyTorch
  // writes them (the IR keeps ONNX's momentum, 1 - PyTorch's).
  int batch_norm(int x, const std::string& module, float gamma_scale = 1.0f, float epsilon = 1e-5f,
                 float momentum = 0.1f);
  int relu(int x, const std::string& module);
  int relu6(int x, const std::string& module);
  int hardswish(int x, const std::string& module);
  // torchvision's Hardsigmoid, relu6(x + 3) / 6: ONNX HardSigmoid with
  // alpha 1/6 and beta 0.5 (ONNX's default alpha is 0.2).
  int hardsigmoid(int x, const std::string& module);
  int max_pool(int x, const std::string& module, int64_t kernel, int64_t stride, int64_t pad = 0,
               bool ceil_mode = false);
  int avg_pool(int x, const std::string& module, int64_t kernel, int64_t stride);
  int global_avg_pool(int x, const std::string& module, const std::string& functional_name = "");
  int add(int a, int b, const std::string& module);
  int mul(int a, int b, const std::string& module);
  int flatten(int x, const std::string& module, const std::string& functional_name = "");
  int linear(int x, const std::string& module, int64_t out_features);
  int dropout(int x, const std::string& module, float ratio);

  const Shape& shape(int tensor) const { return graph_.tensor(tensor).shape; }
  // Validates and returns the graph; the builder is spent afterwards.
  Graph finish();

 private:
  int node(OpType op, const std::string& module, const std::string& functional_name,
           std::vector<int> inputs, Attributes attrs = {});
  // A weight of `shape` drawn uniformly from [-bound, bound] + offset.
  int weight(const std::string& name, TensorRole role, const Shape& shape, float bound,
             float offset = 0.0f);

  Graph graph_;
  std::optional<uint64_t> seed_;
  std::set<std::string> node_names_;
};

}  // namespace splitinfer
