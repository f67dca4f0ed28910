// Hostile and broken ONNX files: each is one clear Error of the right kind
// whose one-line message names what is wrong, never a crash or a giant
// allocation.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "graph/zoo/zoo.h"
#include "onnx/onnx_export.h"
#include "onnx/onnx_import.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

// A small model built by hand: input x (1x3x8x8) -> nodes -> output y.
class ModelProtoBuilder {
 public:
  explicit ModelProtoBuilder(int opset = 13) {
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(opset);
    graph()->set_name("handmade");
  }
  onnx::GraphProto* graph() { return model_.mutable_graph(); }

  ModelProtoBuilder& input(const std::string& name, const std::vector<int64_t>& dims) {
    auto* type = graph()->add_input();
    type->set_name(name);
    auto* tensor = type->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensor->mutable_shape();
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    return *this;
  }
  // Dimensions as written in the file: a number is fixed, a name symbolic.
  ModelProtoBuilder& symbolic_input(const std::string& name, const std::vector<std::string>& dims) {
    auto* type = graph()->add_input();
    type->set_name(name);
    auto* tensor = type->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensor->mutable_shape();
    for (const std::string& d : dims) {
      if (std::isdigit(static_cast<unsigned char>(d[0])))
        shape->add_dim()->set_dim_value(std::stoll(d));
      else shape->add_dim()->set_dim_param(d);
    }
    return *this;
  }
  ModelProtoBuilder& output(const std::string& name) {
    graph()->add_output()->set_name(name);
    return *this;
  }
  ModelProtoBuilder& node(const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + std::to_string(graph()->node_size()) : name);
    for (const auto& in : inputs) n->add_input(in);
    for (const auto& out : outputs) n->add_output(out);
    return *this;
  }
  // A float initializer holding `dims` elements of zeros.
  ModelProtoBuilder& weight(const std::string& name, const std::vector<int64_t>& dims) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t count = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      count *= d;
    }
    t->set_raw_data(std::string(static_cast<size_t>(count) * sizeof(float), '\0'));
    return *this;
  }
  std::string bytes() const { return model_.SerializeAsString(); }

 private:
  onnx::ModelProto model_;
};

// A valid Conv -> Relu model to start each broken variant from.
ModelProtoBuilder conv_relu() {
  ModelProtoBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"c"}, "conv").node("Relu", {"c"}, {"y"}, "relu").output("y");
  return b;
}

// Imports `bytes`, expecting an Error of `kind` whose message is one line and
// contains every fragment.
void expect_rejected(const std::string& bytes, ErrorKind kind,
                     const std::vector<std::string>& fragments, const InputShapes& shapes = {}) {
  try {
    import_onnx_bytes(bytes, "bad.onnx", shapes);
    ADD_FAILURE() << "imported without error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), kind) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_LT(message.size(), 1000u) << message;
    EXPECT_EQ(message.rfind("bad.onnx: ", 0), 0u) << message;
    for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << message;
  }
}

TEST(OnnxBadInput, TheStartingModelIsValid) {
  EXPECT_EQ(import_onnx_bytes(conv_relu().bytes(), "ok.onnx").nodes.size(), 2u);
}

// Conv -> Relu over an input of symbolic batch, height and width.
ModelProtoBuilder symbolic_conv() {
  ModelProtoBuilder b;
  b.symbolic_input("x", {"N", "3", "H", "W"}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"c"}, "conv").node("Relu", {"c"}, {"y"}, "relu").output("y");
  return b;
}

TEST(OnnxInputShape, FixesSymbolicDimensionsAndShapesRunThrough) {
  for (const std::vector<std::string>& values :
       {std::vector<std::string>{"x=1x3x16x20"}, std::vector<std::string>{"1x3x16x20"}}) {
    const Graph g =
        import_onnx_bytes(symbolic_conv().bytes(), "sym.onnx", parse_input_shapes(values));
    EXPECT_EQ(g.tensor(g.inputs.at(0)).shape, (Shape{1, 3, 16, 20}));
    EXPECT_EQ(g.tensor(g.outputs.at(0)).shape, (Shape{1, 4, 14, 18}));
  }
}

TEST(OnnxInputShape, EveryMistakeIsOneClearError) {
  const std::string bytes = symbolic_conv().bytes();
  // Left unset: the error names the input and the option.
  expect_rejected(bytes, ErrorKind::invalid_input,
                  {"graph input 'x'", "'H'", "axis 2", "--input-shape x=1x3xNxN"});
  // A fixed dimension contradicted, the wrong rank, an unknown name.
  expect_rejected(bytes, ErrorKind::invalid_input, {"contradicts", "axis 1", "fixed at 3"},
                  parse_input_shapes({"x=1x4x16x16"}));
  expect_rejected(bytes, ErrorKind::invalid_input, {"3 dimensions", "it has 4"},
                  parse_input_shapes({"1x3x16"}));
  expect_rejected(bytes, ErrorKind::invalid_input, {"'image'", "not a graph input", "inputs: x"},
                  parse_input_shapes({"image=1x3x16x16"}));
  for (const std::string bad : {"1x3xx8", "x=", "=1x3", "x=1x-3x8x8", "1x3x8x", "abc"}) {
    try {
      parse_input_shapes({bad});
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_input_shapes({"1x3x8x8", "x=1x3x8x8"}), Error);    // bare beside named
  EXPECT_THROW(parse_input_shapes({"x=1x3x8x8", "x=1x3x9x9"}), Error);  // given twice
}

TEST(OnnxInputShape, TheCommandLineTakesItAndRefusesItForZooModels) {
  const std::string dir = testing::make_temp_dir();
  const std::string path = dir + "/sym.onnx";
  std::ofstream(path, std::ios::binary) << symbolic_conv().bytes();
  const auto ok = testing::run_cli("inspect " + path + " --input-shape x=1x3x32x32 --json");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("32"), std::string::npos);
  testing::expect_one_line_error(testing::run_cli("inspect " + path), 3, "--input-shape x=");
  testing::expect_one_line_error(testing::run_cli("inspect resnet18 --input-shape 1x3x64x64"), 3,
                                 "applies to ONNX files");
  std::filesystem::remove_all(dir);
}

// Conv -> Clip(0, 6) with Clip's bounds as attributes, as opset 9 wrote them
// (they became inputs at opset 11).
ModelProtoBuilder old_clip(int opset) {
  ModelProtoBuilder b(opset);
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"c"}, "conv").node("Clip", {"c"}, {"y"}, "clip").output("y");
  auto* clip = b.graph()->mutable_node(1);
  for (const auto& [name, value] : {std::pair<const char*, float>{"min", 0.0f}, {"max", 6.0f}}) {
    auto* a = clip->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }
  return b;
}

TEST(OnnxOldOpsets, TheVersionConverterBringsOpset9ToOpset11) {
  const Graph g = import_onnx_bytes(old_clip(9).bytes(), "old.onnx");
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.tensor(g.outputs.at(0)).shape, (Shape{1, 4, 6, 6}));
  EXPECT_EQ(g.nodes[1].attrs.get_float("max", 0.0f), 6.0f);
  // Below opset 7 the converter is not tried: one error naming the node.
  expect_rejected(old_clip(6).bytes(), ErrorKind::unsupported,
                  {"opset 6", "reads opsets 7 to 21", "'conv'", "changed at opset 11"});
}

TEST(OnnxBadInput, EmptyTruncatedAndRandomBytes) {
  expect_rejected("", ErrorKind::invalid_input, {"empty"});
  const std::string valid = export_onnx_bytes(build_zoo_model("lenet5", 1));
  for (size_t keep : {size_t{1}, size_t{40}, valid.size() / 2, valid.size() - 3})
    expect_rejected(valid.substr(0, keep), ErrorKind::invalid_input, {});
  std::mt19937 rng(5);
  std::string noise(10'000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  expect_rejected(noise, ErrorKind::invalid_input, {});
}

TEST(OnnxBadInput, UnsupportedOperatorNamesOpAndNode) {
  auto b = conv_relu();
  b.node("Einsum", {"y", "y"}, {"z"}, "mixer").output("z");
  expect_rejected(b.bytes(), ErrorKind::unsupported, {"Einsum", "mixer"});
}

void set_attribute(ModelProtoBuilder& b, int node, const std::string& key, int64_t value) {
  auto* a = b.graph()->mutable_node(node)->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_attribute(ModelProtoBuilder& b, int node, const std::string& key,
                   const std::string& value) {
  auto* a = b.graph()->mutable_node(node)->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

// What detection and OCR files may hold beyond what splitinfer computes: one
// error each, naming the node.
TEST(OnnxBadInput, CastResizeAndConvTransposeBeyondTheSupported) {
  ModelProtoBuilder cast;
  cast.input("x", {1, 3, 8, 8}).node("Cast", {"x"}, {"y"}, "to_int").output("y");
  set_attribute(cast, 0, "to", onnx::TensorProto::INT64);
  expect_rejected(cast.bytes(), ErrorKind::unsupported, {"'to_int'", "float32 only"});

  ModelProtoBuilder crop;
  crop.input("x", {1, 3, 8, 8}).weight("scales", {4});
  crop.node("Resize", {"x", "", "scales"}, {"y"}, "crop").output("y");
  set_attribute(crop, 0, "coordinate_transformation_mode", "tf_crop_and_resize");
  expect_rejected(crop.bytes(), ErrorKind::unsupported, {"'crop'", "tf_crop_and_resize"});

  ModelProtoBuilder both;
  both.input("x", {1, 3, 8, 8}).weight("scales", {4});
  auto* sizes = both.graph()->add_initializer();
  sizes->set_name("sizes");
  sizes->set_data_type(onnx::TensorProto::INT64);
  sizes->add_dims(4);
  for (int64_t d : {1, 3, 16, 16}) sizes->add_int64_data(d);
  both.node("Resize", {"x", "", "scales", "sizes"}, {"y"}, "twice").output("y");
  expect_rejected(both.bytes(), ErrorKind::invalid_input, {"'twice'", "exactly one"});

  ModelProtoBuilder wide;  // output_padding must stay below the stride
  wide.input("x", {1, 2, 4, 4}).weight("w", {2, 3, 3, 3});
  wide.node("ConvTranspose", {"x", "w"}, {"y"}, "up").output("y");
  auto* a = wide.graph()->mutable_node(0)->add_attribute();
  a->set_name("output_padding");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(2);
  a->add_ints(2);
  expect_rejected(wide.bytes(), ErrorKind::invalid_input, {"'up'", "output_padding"});
}

TEST(OnnxBadInput, InputThatNoNodeProduces) {
  auto b = conv_relu();
  b.node("Add", {"y", "ghost"}, {"z"}, "adder").output("z");
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"ghost", "adder"});
}

TEST(OnnxBadInput, WeightShapeDisagreesWithTheNode) {
  ModelProtoBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 5, 3, 3});  // 5 input channels, x has 3
  b.node("Conv", {"x", "w"}, {"y"}, "conv").output("y");
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"conv"});
}

TEST(OnnxBadInput, Cycle) {
  ModelProtoBuilder b;
  b.input("x", {1, 3, 8, 8});
  b.node("Add", {"x", "b"}, {"a"}, "first").node("Relu", {"a"}, {"b"}, "second").output("b");
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"cycle"});
}

TEST(OnnxBadInput, HugeDeclaredDimensionIsNotAllocated) {
  ModelProtoBuilder b;
  b.input("x", {1, 3, 1'000'000'000'000, 8});
  b.node("Relu", {"x"}, {"y"}).output("y");
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"'x'"});
}

TEST(OnnxBadInput, HugeInitializerWithFourBytesOfData) {
  auto b = conv_relu();
  auto* t = b.graph()->add_initializer();
  t->set_name("huge");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1'000'000);
  t->add_dims(1'000'000);
  t->set_raw_data(std::string(4, '\0'));
  b.node("Add", {"y", "huge"}, {"z"}).output("z");
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"huge"});
}

TEST(OnnxBadInput, InitializerDataShorterThanItsShape) {
  auto b = conv_relu();
  b.graph()->mutable_initializer(0)->set_raw_data(std::string(7, '\0'));
  expect_rejected(b.bytes(), ErrorKind::invalid_input, {"'w'"});
}

TEST(OnnxBadInput, OpsetsTheImporterAndTheConverterCannotRead) {
  ModelProtoBuilder b(22);
  b.input("x", {1, 3, 8, 8}).node("Relu", {"x"}, {"y"}).output("y");
  expect_rejected(b.bytes(), ErrorKind::unsupported, {"opset 22"});
  // Below 11, a file whose operators changed goes through ONNX's version
  // converter: Softmax changed at 11 and converts; a Slice of opset 9 without
  // its attributes does not, and Einsum did not exist yet.
  ModelProtoBuilder c(9);
  c.input("x", {1, 10}).node("Relu", {"x"}, {"r"}).node("Softmax", {"r"}, {"y"}, "sm");
  c.output("y");
  EXPECT_EQ(import_onnx_bytes(c.bytes(), "softmax9.onnx").nodes.size(), 2u);
  ModelProtoBuilder d(9);
  d.input("x", {1, 3, 8, 8}).node("Slice", {"x"}, {"y"}, "slice").output("y");
  expect_rejected(d.bytes(), ErrorKind::unsupported, {"version converter", "opset 9", "'slice'"});
  ModelProtoBuilder e(9);
  e.input("x", {1, 3, 8, 8}).node("Einsum", {"x"}, {"y"}, "einsum").output("y");
  expect_rejected(e.bytes(), ErrorKind::unsupported, {"opset 9", "does not exist"});
}

// ONNX's node tests declare an operator's own first opset (GlobalAveragePool
// 1, HardSigmoid 6); unchanged up to opset 11, such a file reads as opset 11.
TEST(OnnxBadInput, OlderOpsetWithOperatorsUnchangedAtElevenIsRead) {
  ModelProtoBuilder b(6);
  b.input("x", {1, 3, 8, 8})
      .node("HardSigmoid", {"x"}, {"h"})
      .node("GlobalAveragePool", {"h"}, {"y"});
  b.output("y");
  const Graph g = import_onnx_bytes(b.bytes(), "old.onnx");
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.tensor(g.outputs.at(0)).shape, (Shape{1, 3, 1, 1}));
  ModelProtoBuilder c(1);
  c.input("x", {1, 3, 8, 8}).node("GlobalAveragePool", {"x"}, {"y"}).output("y");
  EXPECT_EQ(import_onnx_bytes(c.bytes(), "old.onnx").nodes.size(), 1u);
}

TEST(OnnxBadInput, HostileNamesStayOnOneLine) {
  auto b = conv_relu();
  b.node("Einsum", {"y"}, {"z"}, std::string("evil\nname") + std::string(5000, 'x')).output("z");
  expect_rejected(b.bytes(), ErrorKind::unsupported, {"Einsum", "evil"});
}

TEST(OnnxBadInput, MissingFileAndDirectory) {
  const std::string dir = testing::make_temp_dir();
  for (const std::string& path : {dir + "/missing.onnx", dir}) {
    try {
      import_onnx_file(path);
      ADD_FAILURE() << "imported " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace splitinfer
