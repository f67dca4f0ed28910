#include "onnx/onnx_export.h"

#include <onnx/checker.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "common/atomic_file.h"
#include "onnx/onnx_naming.h"
#include "onnx/onnx_proto_util.h"

namespace splitinfer {
namespace {

using namespace onnx_detail;

constexpr int64_t kOpset = 17;
constexpr int64_t kIrVersion = 8;

int32_t onnx_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return onnx::TensorProto::FLOAT;
    case DType::i64: return onnx::TensorProto::INT64;
    case DType::i32: return onnx::TensorProto::INT32;
    case DType::i8: return onnx::TensorProto::INT8;
    case DType::u8: return onnx::TensorProto::UINT8;
  }
  return onnx::TensorProto::UNDEFINED;
}

void fill_tensor(onnx::TensorProto& proto, const std::string& name, DType dtype, const Shape& shape,
                 const void* data, size_t bytes) {
  proto.set_name(name);
  proto.set_data_type(onnx_type(dtype));
  for (int64_t d : shape) proto.add_dims(d);
  proto.set_raw_data(data, bytes);  // little-endian, as the host stores it
}

void set_attr(onnx::NodeProto& node, const std::string& key, const AttrValue& value) {
  onnx::AttributeProto& a = *node.add_attribute();
  a.set_name(key);
  if (const int64_t* v = std::get_if<int64_t>(&value)) {
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(*v);
  } else if (const float* v = std::get_if<float>(&value)) {
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(*v);
  } else if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) {
    a.set_type(onnx::AttributeProto::INTS);
    for (int64_t x : *v) a.add_ints(x);
  } else if (const auto* v = std::get_if<std::vector<float>>(&value)) {
    a.set_type(onnx::AttributeProto::FLOATS);
    for (float x : *v) a.add_floats(x);
  } else {
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(std::get<std::string>(value));
  }
}

class Exporter {
 public:
  explicit Exporter(const Graph& graph) : graph_(graph) {}

  onnx::ModelProto build() {
    model_.set_ir_version(kIrVersion);
    model_.set_producer_name("splitinfer");
    onnx::OperatorSetIdProto& opset = *model_.add_opset_import();
    opset.set_domain("");
    opset.set_version(kOpset);
    g_ = model_.mutable_graph();
    g_->set_name(graph_.name.empty() ? "splitinfer" : graph_.name);

    name_values();
    for (int id : graph_.inputs) describe_value(*g_->add_input(), id);
    for (int id : graph_.outputs) describe_value(*g_->add_output(), id);
    add_weights();
    for (const Node& node : graph_.nodes) add_node(node);
    return std::move(model_);
  }

 private:
  std::string unique(const std::string& base, std::unordered_set<std::string>& used) {
    std::string name = base;
    for (int k = 1; !used.insert(name).second; ++k) name = base + "_" + std::to_string(k);
    return name;
  }

  // ONNX values live in one namespace; the IR does not promise unique names.
  void name_values() {
    for (size_t id = 0; id < graph_.tensors.size(); ++id) {
      const std::string& name = graph_.tensors[id].name;
      value_names_.push_back(unique(name.empty() ? "t" + std::to_string(id) : name, used_values_));
    }
  }

  void describe_value(onnx::ValueInfoProto& info, int id) {
    const Tensor& t = graph_.tensor(id);
    if (!t.shape_known)
      fail(ErrorKind::invalid_input,
           "tensor " + quote(t.name) + " has no shape; validate the graph before exporting");
    info.set_name(value_names_[id]);
    onnx::TypeProto_Tensor& type = *info.mutable_type()->mutable_tensor_type();
    type.set_elem_type(onnx_type(t.dtype));
    onnx::TensorShapeProto& shape = *type.mutable_shape();
    for (int64_t d : t.shape) shape.add_dim()->set_dim_value(d);
  }

  // Parameters and statistics become initializers. Other float constants
  // become Constant nodes: the importer counts float initializers as
  // trainable parameters, and these are not.
  void add_weights() {
    std::vector<bool> done(graph_.tensors.size(), false);
    for (const Node& node : graph_.nodes) {
      for (int id : node.inputs) {
        if (id == kNoTensor || done[id]) continue;
        done[id] = true;
        const Tensor& t = graph_.tensor(id);
        if (!t.is_initializer()) continue;
        if (!t.has_data())
          fail(ErrorKind::invalid_input, "model has no weights: tensor " + quote(t.name) +
                                             " has no data (build it with weights or load them)");
        if (t.data->size() != static_cast<size_t>(numel(t.shape)) * dtype_size(t.dtype))
          fail(ErrorKind::internal, "tensor " + quote(t.name) + " holds the wrong number of bytes");
        if (t.role == TensorRole::constant && t.dtype == DType::f32) {
          onnx::NodeProto& constant = *g_->add_node();
          constant.set_name(unique("/Constant", used_nodes_));
          constant.set_op_type("Constant");
          constant.add_output(value_names_[id]);
          onnx::AttributeProto& a = *constant.add_attribute();
          a.set_name("value");
          a.set_type(onnx::AttributeProto::TENSOR);
          fill_tensor(*a.mutable_t(), value_names_[id], t.dtype, t.shape, t.data->data(),
                      t.data->size());
        } else {
          fill_tensor(*g_->add_initializer(), value_names_[id], t.dtype, t.shape, t.data->data(),
                      t.data->size());
        }
      }
    }
  }

  std::string node_name(const Node& node) {
    const std::string op(op_name(node.op));
    std::string op_part = op;
    if (node.module.empty()) {
      op_part = node.name;
      while (!op_part.empty() && op_part.front() == '/') op_part.erase(op_part.begin());
      if (op_part.empty()) op_part = op;
    }
    std::string name = node_name_for_module(node.module, op_part);
    for (int k = 1; !used_nodes_.insert(name).second; ++k)
      name = node_name_for_module(node.module, op_part + "_" + std::to_string(k));
    return name;
  }

  // A configuration attribute moved back into a constant input, as opset 17
  // requires. The importer folds it into the attribute again.
  std::string config_ints(const std::string& node, const char* key,
                          const std::vector<int64_t>& values) {
    const std::string name = unique(node + ":" + key, used_values_);
    fill_tensor(*g_->add_initializer(), name, DType::i64, {static_cast<int64_t>(values.size())},
                values.data(), values.size() * sizeof(int64_t));
    return name;
  }

  std::string config_floats(const std::string& node, const char* key,
                            const std::vector<float>& values) {
    const std::string name = unique(node + ":" + key, used_values_);
    fill_tensor(*g_->add_initializer(), name, DType::f32, {static_cast<int64_t>(values.size())},
                values.data(), values.size() * sizeof(float));
    return name;
  }

  std::string config_float(const std::string& node, const char* key, float value) {
    const std::string name = unique(node + ":" + key, used_values_);
    fill_tensor(*g_->add_initializer(), name, DType::f32, {}, &value, sizeof value);
    return name;
  }

  void add_node(const Node& node) {
    onnx::NodeProto& proto = *g_->add_node();
    const std::string name = node_name(node);
    proto.set_name(name);
    proto.set_op_type(std::string(op_name(node.op)));
    std::vector<std::string> inputs;
    for (int id : node.inputs) inputs.push_back(id == kNoTensor ? "" : value_names_[id]);
    Attributes attrs = node.attrs;
    move_config_into_inputs(node.op, name, attrs, inputs);
    while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
    for (const std::string& in : inputs) proto.add_input(in);
    for (int id : node.outputs) proto.add_output(value_names_[id]);
    for (const auto& [key, value] : attrs.all()) set_attr(proto, key, value);
  }

  void move_config_into_inputs(OpType op, const std::string& node, Attributes& attrs,
                               std::vector<std::string>& inputs) {
    auto take_ints = [&](const char* key) -> std::string {
      if (!attrs.has(key)) return "";
      const auto values = attrs.get_ints(key);
      attrs.erase(key);
      return config_ints(node, key, values);
    };
    auto take_float = [&](const char* key, float omitted) -> std::string {
      if (!attrs.has(key)) return "";
      const float value = attrs.get_float(key, omitted);
      attrs.erase(key);
      return value == omitted ? "" : config_float(node, key, value);
    };
    const float inf = std::numeric_limits<float>::infinity();
    switch (op) {
      case OpType::Clip:
        inputs.resize(1);
        inputs.push_back(take_float("min", -inf));
        inputs.push_back(take_float("max", inf));
        break;
      case OpType::Pow:
        inputs.resize(1);
        inputs.push_back(take_float("exponent", std::nanf("")));  // always kept
        break;
      case OpType::Pad:
        inputs.resize(1);
        inputs.push_back(take_ints("pads"));
        inputs.push_back(take_float("value", std::nanf("")));  // NaN never equals: always kept
        break;
      case OpType::Slice: {
        inputs.resize(1);
        const auto starts = attrs.get_ints("starts");
        if (attrs.has("steps") && !attrs.has("axes")) {
          std::vector<int64_t> axes(starts.size());
          std::iota(axes.begin(), axes.end(), 0);
          attrs.set("axes", axes);
        }
        for (const char* key : {"starts", "ends", "axes", "steps"})
          inputs.push_back(take_ints(key));
        break;
      }
      case OpType::Split:
      case OpType::Reshape:
        inputs.resize(1);
        inputs.push_back(take_ints(op == OpType::Split ? "split" : "shape"));
        break;
      case OpType::Squeeze:
      case OpType::Unsqueeze:
        inputs.resize(1);
        if (attrs.get_ints("axes").empty()) attrs.erase("axes");  // Squeeze: all unit axes
        inputs.push_back(take_ints("axes"));
        break;
      case OpType::Resize: {  // X, roi (unused by the modes the IR has), scales, sizes
        inputs.resize(1);
        inputs.push_back("");
        std::string scales;
        if (attrs.has("scales")) scales = config_floats(node, "scales", attrs.get_floats("scales"));
        attrs.erase("scales");
        inputs.push_back(scales);
        inputs.push_back(take_ints("sizes"));
        break;
      }
      case OpType::Expand:
        inputs.resize(1);
        inputs.push_back(take_ints("shape"));
        break;
      case OpType::Dropout:
        inputs.resize(1);
        inputs.push_back(take_float("ratio", std::nanf("")));
        break;
      default: break;
    }
  }

  const Graph& graph_;
  onnx::ModelProto model_;
  onnx::GraphProto* g_ = nullptr;
  std::vector<std::string> value_names_;  // by tensor id
  std::unordered_set<std::string> used_values_;
  std::unordered_set<std::string> used_nodes_;
};

}  // namespace

std::string export_onnx_bytes(const Graph& graph) {
  try {
    const onnx::ModelProto model = Exporter(graph).build();
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      fail(ErrorKind::internal,
           one_line(std::string("the exported model fails the ONNX checker: ") + e.what()));
    }
    if (model.ByteSizeLong() > kMaxModelBytes)
      fail(ErrorKind::unsupported,
           "model " + quote(graph.name) + " needs more than the 2 GiB an ONNX file can hold");
    std::string bytes;
    if (!model.SerializeToString(&bytes))
      fail(ErrorKind::internal, "protobuf could not serialise the model");
    return bytes;
  } catch (const std::bad_alloc&) {
    fail(ErrorKind::internal, "ran out of memory exporting model " + quote(graph.name));
  }
}

void export_onnx_file(const Graph& graph, const std::string& path) {
  write_file_atomically(path, export_onnx_bytes(graph));
}

}  // namespace splitinfer
