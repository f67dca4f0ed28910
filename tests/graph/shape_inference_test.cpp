// Shape rules checked against hand-computed shapes (PyTorch's output-size
// formulas worked out on paper), and the errors for inconsistent nodes.
#include "graph/shape_inference.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "graph/graph.h"

namespace splitinfer {
namespace {

// A graph of one node whose inputs are all graph inputs of the given shapes.
Graph single_node(OpType op, const std::vector<Shape>& inputs, Attributes attrs = {},
                  size_t outputs = 1) {
  Graph g;
  Node node{op, "node0", "", {}, {}, std::move(attrs)};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int id = g.add_tensor(
        {"in" + std::to_string(i), DType::f32, inputs[i], true, TensorRole::activation, {}});
    g.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (size_t i = 0; i < outputs; ++i) {
    const int id = g.add_tensor(
        {"out" + std::to_string(i), DType::f32, {}, false, TensorRole::activation, {}});
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(std::move(node));
  return g;
}

std::vector<Shape> infer(OpType op, const std::vector<Shape>& inputs, Attributes attrs = {},
                         size_t outputs = 1) {
  Graph g = single_node(op, inputs, std::move(attrs), outputs);
  validate(g);
  std::vector<Shape> shapes;
  for (int id : g.nodes[0].outputs) shapes.push_back(g.tensor(id).shape);
  return shapes;
}

Shape infer1(OpType op, const std::vector<Shape>& inputs, Attributes attrs = {}) {
  return infer(op, inputs, std::move(attrs)).at(0);
}

// Expects an invalid_input Error whose one-line message names the node.
void expect_error(OpType op, const std::vector<Shape>& inputs, Attributes attrs,
                  const std::string& fragment) {
  Graph g = single_node(op, inputs, std::move(attrs));
  try {
    validate(g);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("node0"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

Attributes attrs(std::initializer_list<std::pair<const char*, AttrValue>> items) {
  Attributes a;
  for (const auto& [k, v] : items) a.set(k, v);
  return a;
}

using Ints = std::vector<int64_t>;

TEST(ShapeInference, ConvStridePadDilationGroups) {
  EXPECT_EQ(infer1(OpType::Conv, {{1, 3, 224, 224}, {64, 3, 7, 7}},
                   attrs({{"strides", Ints{2, 2}}, {"pads", Ints{3, 3, 3, 3}}})),
            (Shape{1, 64, 112, 112}));
  // Dilation 2 widens a 3x3 kernel to 5x5: (10 + 4 - 5) / 1 + 1 = 10.
  EXPECT_EQ(infer1(OpType::Conv, {{1, 8, 10, 10}, {8, 8, 3, 3}, {8}},
                   attrs({{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}})),
            (Shape{1, 8, 10, 10}));
  // Depthwise: 32 groups of one channel.
  EXPECT_EQ(
      infer1(OpType::Conv, {{1, 32, 112, 112}, {32, 1, 3, 3}},
             attrs({{"group", int64_t{32}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})),
      (Shape{1, 32, 56, 56}));
  // Asymmetric padding: rows 0+1, columns 2+0 on 5x6 with a 2x2 kernel.
  EXPECT_EQ(infer1(OpType::Conv, {{1, 1, 5, 6}, {1, 1, 2, 2}}, attrs({{"pads", Ints{0, 2, 1, 0}}})),
            (Shape{1, 1, 5, 7}));
}

TEST(ShapeInference, ConvAutoPadBecomesExplicitPads) {
  Graph g = single_node(OpType::Conv, {{1, 1, 7, 7}, {1, 1, 3, 3}},
                        attrs({{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}));
  validate(g);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 1, 4, 4}));
  // total padding (4 - 1) * 2 + 3 - 7 = 2, split evenly.
  EXPECT_EQ(g.nodes[0].attrs.get_ints("pads"), (Ints{1, 1, 1, 1}));
  EXPECT_FALSE(g.nodes[0].attrs.has("auto_pad"));
}

TEST(ShapeInference, ConvRejectsInconsistentWeights) {
  expect_error(OpType::Conv, {{1, 3, 8, 8}, {16, 4, 3, 3}}, {}, "input channels");
  expect_error(OpType::Conv, {{1, 6, 8, 8}, {16, 2, 3, 3}}, attrs({{"group", int64_t{4}}}),
               "group");
  expect_error(OpType::Conv, {{1, 3, 8, 8}, {16, 3, 3}}, {}, "rank");
  expect_error(OpType::Conv, {{1, 3, 8, 8}, {16, 3, 3, 3}, {8}}, {}, "bias");
  expect_error(OpType::Conv, {{1, 3, 2, 2}, {16, 3, 3, 3}}, {}, "larger than the padded input");
  expect_error(OpType::Conv, {{1, 3, 8, 8}, {16, 3, 3, 3}}, attrs({{"kernel_shape", Ints{5, 5}}}),
               "kernel_shape");
}

TEST(ShapeInference, PoolingFloorAndCeil) {
  const Attributes k3s2 = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(infer1(OpType::MaxPool, {{1, 64, 112, 112}}, k3s2), (Shape{1, 64, 55, 55}));
  Attributes ceil = k3s2;
  ceil.set("ceil_mode", int64_t{1});
  EXPECT_EQ(infer1(OpType::MaxPool, {{1, 64, 112, 112}}, ceil), (Shape{1, 64, 56, 56}));
  // Ceil mode drops a last window that would start in the right padding:
  // ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the 4th starts at 6 >= 5 + 1.
  EXPECT_EQ(infer1(OpType::MaxPool, {{1, 1, 5, 5}},
                   attrs({{"kernel_shape", Ints{2, 2}},
                          {"strides", Ints{2, 2}},
                          {"pads", Ints{1, 1, 1, 1}},
                          {"ceil_mode", int64_t{1}}})),
            (Shape{1, 1, 3, 3}));
  EXPECT_EQ(infer1(OpType::AveragePool, {{1, 16, 10, 10}},
                   attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})),
            (Shape{1, 16, 5, 5}));
  EXPECT_EQ(infer1(OpType::GlobalAveragePool, {{1, 2048, 7, 7}}), (Shape{1, 2048, 1, 1}));
  expect_error(OpType::MaxPool, {{1, 1, 5, 5}}, {}, "kernel_shape");
}

TEST(ShapeInference, ElementwiseAndBroadcast) {
  EXPECT_EQ(infer1(OpType::Relu, {{1, 3, 4, 4}}), (Shape{1, 3, 4, 4}));
  EXPECT_EQ(infer1(OpType::Add, {{1, 64, 1, 1}, {1, 64, 8, 8}}), (Shape{1, 64, 8, 8}));
  EXPECT_EQ(infer1(OpType::Mul, {{8}, {2, 1, 8}}), (Shape{2, 1, 8}));
  EXPECT_EQ(infer1(OpType::Mul, {{3, 1}, {1, 4}}), (Shape{3, 4}));
  expect_error(OpType::Add, {{1, 3, 4}, {1, 4, 4}}, {}, "do not broadcast");
}

TEST(ShapeInference, BatchNormalizationChecksParameters) {
  EXPECT_EQ(infer1(OpType::BatchNormalization, {{1, 8, 4, 4}, {8}, {8}, {8}, {8}}),
            (Shape{1, 8, 4, 4}));
  expect_error(OpType::BatchNormalization, {{1, 8, 4, 4}, {8}, {8}, {7}, {8}}, {}, "expected 8");
}

TEST(ShapeInference, ConcatFlattenReshapeTranspose) {
  EXPECT_EQ(infer1(OpType::Concat, {{1, 3, 4, 4}, {1, 5, 4, 4}}, attrs({{"axis", int64_t{1}}})),
            (Shape{1, 8, 4, 4}));
  expect_error(OpType::Concat, {{1, 3, 4, 4}, {1, 5, 4, 5}}, attrs({{"axis", int64_t{1}}}),
               "outside the concatenation axis");
  EXPECT_EQ(infer1(OpType::Flatten, {{2, 3, 4, 5}}), (Shape{2, 60}));
  EXPECT_EQ(infer1(OpType::Flatten, {{2, 3, 4, 5}}, attrs({{"axis", int64_t{0}}})),
            (Shape{1, 120}));
  EXPECT_EQ(infer1(OpType::Reshape, {{1, 64, 7, 7}}, attrs({{"shape", Ints{0, -1}}})),
            (Shape{1, 3136}));
  expect_error(OpType::Reshape, {{1, 64, 7, 7}}, attrs({{"shape", Ints{5, -1}}}), "-1");
  // Channel shuffle: (1, 2 groups, 3 per group, 4, 4) -> swap groups and channels.
  EXPECT_EQ(infer1(OpType::Transpose, {{1, 2, 3, 4, 4}}, attrs({{"perm", Ints{0, 2, 1, 3, 4}}})),
            (Shape{1, 3, 2, 4, 4}));
  EXPECT_EQ(infer1(OpType::Transpose, {{2, 3, 4}}), (Shape{4, 3, 2}));
  expect_error(OpType::Transpose, {{2, 3, 4}}, attrs({{"perm", Ints{0, 0, 1}}}), "repeats");
}

TEST(ShapeInference, GemmAndMatMul) {
  EXPECT_EQ(infer1(OpType::Gemm, {{1, 512}, {1000, 512}, {1000}}, attrs({{"transB", int64_t{1}}})),
            (Shape{1, 1000}));
  EXPECT_EQ(infer1(OpType::Gemm, {{512, 1}, {512, 10}}, attrs({{"transA", int64_t{1}}})),
            (Shape{1, 10}));
  expect_error(OpType::Gemm, {{1, 512}, {1000, 256}}, attrs({{"transB", int64_t{1}}}),
               "inner dimension");
  EXPECT_EQ(infer1(OpType::MatMul, {{2, 3, 4}, {4, 5}}), (Shape{2, 3, 5}));
  EXPECT_EQ(infer1(OpType::MatMul, {{4}, {4, 5}}), (Shape{5}));
  EXPECT_EQ(infer1(OpType::MatMul, {{7, 1, 3, 4}, {2, 4, 6}}), (Shape{7, 2, 3, 6}));
  expect_error(OpType::MatMul, {{3, 4}, {5, 6}}, {}, "inner dimensions");
}

TEST(ShapeInference, PadSliceSplit) {
  EXPECT_EQ(infer1(OpType::Pad, {{1, 3, 4, 4}}, attrs({{"pads", Ints{0, 0, 1, 2, 0, 0, 3, 4}}})),
            (Shape{1, 3, 8, 10}));
  // Slice [1:-1] on axis 1 and [::2] on axis 2 (end past the axis is clamped).
  EXPECT_EQ(infer1(OpType::Slice, {{1, 10, 9}},
                   attrs({{"starts", Ints{1, 0}},
                          {"ends", Ints{-1, INT64_MAX}},
                          {"axes", Ints{1, 2}},
                          {"steps", Ints{1, 2}}})),
            (Shape{1, 8, 5}));
  // Reverse slice [::-1].
  EXPECT_EQ(infer1(OpType::Slice, {{6}},
                   attrs({{"starts", Ints{-1}}, {"ends", Ints{INT64_MIN}}, {"steps", Ints{-1}}})),
            (Shape{6}));
  EXPECT_EQ(
      infer(OpType::Split, {{1, 6, 4}}, attrs({{"axis", int64_t{1}}, {"split", Ints{2, 4}}}), 2),
      (std::vector<Shape>{{1, 2, 4}, {1, 4, 4}}));
  EXPECT_EQ(infer(OpType::Split, {{1, 6, 4}}, attrs({{"axis", int64_t{1}}}), 3),
            (std::vector<Shape>{{1, 2, 4}, {1, 2, 4}, {1, 2, 4}}));
}

TEST(ShapeInference, ReduceSqueezeUnsqueezeSoftmax) {
  EXPECT_EQ(infer1(OpType::ReduceMean, {{1, 32, 7, 7}},
                   attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{0}}})),
            (Shape{1, 32}));
  EXPECT_EQ(infer1(OpType::ReduceMean, {{1, 32, 7, 7}}, attrs({{"axes", Ints{-1}}})),
            (Shape{1, 32, 7, 1}));
  EXPECT_EQ(infer1(OpType::Squeeze, {{1, 32, 1, 1}}, attrs({{"axes", Ints{2, 3}}})),
            (Shape{1, 32}));
  EXPECT_EQ(infer1(OpType::Squeeze, {{1, 32, 1, 1}}), (Shape{32}));
  expect_error(OpType::Squeeze, {{1, 32, 1, 1}}, attrs({{"axes", Ints{1}}}), "cannot squeeze");
  EXPECT_EQ(infer1(OpType::Unsqueeze, {{32}}, attrs({{"axes", Ints{0, 2}}})), (Shape{1, 32, 1}));
  EXPECT_EQ(infer1(OpType::Softmax, {{1, 1000}}), (Shape{1, 1000}));
  expect_error(OpType::Softmax, {{1, 1000}}, attrs({{"axis", int64_t{2}}}), "out of range");
}

TEST(ShapeInference, RejectsHugeTensors) {
  Graph g = single_node(OpType::Relu, {{1, 1000000, 1000000}});
  try {
    validate(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in0"), std::string::npos);
  }
  // The output may not exceed the limit either: 2^16 x 2^16 outer product.
  expect_error(OpType::MatMul, {{65536, 1}, {1, 65536}}, {}, "limit");
}

TEST(GraphOrder, SortsAndDetectsCycles) {
  // relu(b) -> a, relu(a) -> b: a cycle.
  Graph g;
  const int x = g.add_tensor({"x", DType::f32, {1, 4}, true, TensorRole::activation, {}});
  const int a = g.add_tensor({"a", DType::f32, {}, false, TensorRole::activation, {}});
  const int b = g.add_tensor({"b", DType::f32, {}, false, TensorRole::activation, {}});
  g.inputs = {x};
  g.outputs = {b};
  g.nodes.push_back({OpType::Add, "first", "", {x, b}, {a}, {}});
  g.nodes.push_back({OpType::Relu, "second", "", {a}, {b}, {}});
  try {
    validate(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos);
  }
  // Out-of-order but acyclic graphs are sorted.
  Graph h;
  const int hx = h.add_tensor({"x", DType::f32, {1, 4}, true, TensorRole::activation, {}});
  const int ha = h.add_tensor({"a", DType::f32, {}, false, TensorRole::activation, {}});
  const int hb = h.add_tensor({"b", DType::f32, {}, false, TensorRole::activation, {}});
  h.inputs = {hx};
  h.outputs = {hb};
  h.nodes.push_back({OpType::Relu, "second", "", {ha}, {hb}, {}});
  h.nodes.push_back({OpType::Relu, "first", "", {hx}, {ha}, {}});
  validate(h);
  EXPECT_EQ(h.nodes[0].name, "first");
  EXPECT_EQ(h.tensor(hb).shape, (Shape{1, 4}));
}

TEST(GraphOrder, RejectsInputsNothingProduces) {
  Graph g;
  const int x = g.add_tensor({"x", DType::f32, {1, 4}, true, TensorRole::activation, {}});
  const int ghost = g.add_tensor({"ghost", DType::f32, {}, false, TensorRole::activation, {}});
  const int y = g.add_tensor({"y", DType::f32, {}, false, TensorRole::activation, {}});
  g.inputs = {x};
  g.outputs = {y};
  g.nodes.push_back({OpType::Add, "adder", "", {x, ghost}, {y}, {}});
  try {
    validate(g);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ghost"), std::string::npos) << msg;
    EXPECT_NE(msg.find("adder"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace splitinfer
