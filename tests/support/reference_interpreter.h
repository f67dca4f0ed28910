// A deliberately naive float32 interpreter of the graph IR, for tests only:
// plain nested loops with double accumulation, written from the ONNX operator
// specifications and sharing no code with the backends (no oneDNN, nothing
// from src/exec). It computes every output shape itself and throws when the
// IR's inferred shape disagrees, so it checks shape inference as well.
//
// Semantics follow ONNX (opset 13+ where versions differ: Softmax along one
// axis; Clip, Pad, Slice, Split, Reshape, Squeeze, Unsqueeze and ReduceMean
// configured by attributes as the IR stores them). AveragePool with
// count_include_pad divides by the window clipped to the padded input (not
// to the ceil_mode overhang), as PyTorch and ONNX Runtime do.
//
// Also here: the error measures the tests use, and HandGraph, a small helper
// that builds graphs node by node with seeded random weights.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"

namespace splitinfer::ref {

// Values of the graph's first output for one input (raw float32 of the
// graph's single input shape). Throws std::runtime_error on an op or
// attribute it cannot interpret and on a shape that disagrees with the IR.
std::vector<float> reference_run(const Graph& graph, const std::vector<float>& input);

// Values of every activation tensor the graph computes (and of its input),
// by tensor id: partitions cut anywhere can be checked against it.
std::unordered_map<int, std::vector<float>> reference_run_all(const Graph& graph,
                                                              const std::vector<float>& input);

// max |got - want| / max(max |want|, 1e-6); infinity when the sizes differ.
double max_relative_error(std::span<const float> got, std::span<const float> want);

// Signal-to-quantization-noise ratio in dB: 10 log10(sum want^2 / sum (got - want)^2).
double sqnr_db(std::span<const float> got, std::span<const float> want);

// Seeded standard-normal or uniform values.
std::vector<float> random_normal(int64_t count, uint64_t seed);
std::vector<float> random_uniform(int64_t count, uint64_t seed, float lo, float hi);

// Builds a graph by hand: one activation input, weights and constants drawn
// from a seeded generator, nodes with explicit attributes. Node names are
// "<op><index>" unless given; module names stay empty, so every node whose
// output alone crosses a boundary is a split unit of its own.
class HandGraph {
 public:
  explicit HandGraph(uint64_t seed, std::string name = "hand");

  int input(const Shape& shape);
  // A float32 initializer with uniform values in [lo, hi).
  int weight(const Shape& shape, float lo = -1.0f, float hi = 1.0f,
             TensorRole role = TensorRole::param);
  int constant(const Shape& shape, std::vector<float> values,
               TensorRole role = TensorRole::constant);
  // Adds a node; returns its output tensor ids.
  std::vector<int> nodes(OpType op, std::vector<int> inputs, Attributes attrs, size_t outputs,
                         const std::string& name = "");
  int node(OpType op, std::vector<int> inputs, Attributes attrs = {},
           const std::string& name = "") {
    return nodes(op, std::move(inputs), std::move(attrs), 1, name).at(0);
  }
  // Marks the output and validates (sorts, infers shapes).
  Graph finish(int output);

 private:
  Graph graph_;
  std::mt19937_64 rng_;
  int counter_ = 0;
};

}  // namespace splitinfer::ref
