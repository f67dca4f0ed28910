#include "onnx/onnx_import.h"

#include <onnx/defs/schema.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "common/checked_math.h"
#include "graph/shape_inference.h"
#include "onnx/onnx_fold.h"
#include "onnx/onnx_naming.h"
#include "onnx/onnx_proto_util.h"

namespace splitinfer {
namespace {

using namespace onnx_detail;

constexpr int kMinOpset = 11;
constexpr int kMaxOpset = 21;
constexpr int kMinConvertedOpset = 7;  // older files go through the converter from here on

// Integer attributes feed the shape rules' arithmetic; bounding them keeps
// products of a dimension (at most 2^30) and an attribute inside int64.
constexpr int64_t kMaxAttrMagnitude = int64_t{1} << 31;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// A value whose contents the importer knows: an initializer, a Constant or a
// folded result. It becomes an IR tensor only when a kept node reads it, so
// configuration inputs moved into attributes leave no tensor behind.
struct Known {
  Value value;
  std::string name;
  TensorRole role = TensorRole::constant;  // param for float initializers
  int tensor = kNoTensor;
};

// One input of a node being imported: absent, a known constant or an
// activation.
struct InputRef {
  std::string name;
  int known = -1;
  int activation = kNoTensor;
  bool present() const { return known >= 0 || activation != kNoTensor; }
};

class Importer {
 public:
  Importer(onnx::ModelProto& model, std::string fallback_name, const InputShapes& shapes)
      : model_(model), fallback_name_(std::move(fallback_name)), shapes_(shapes) {}

  Graph run() {
    if (!model_.has_graph()) fail(ErrorKind::invalid_input, "the model has no graph");
    opset_ = read_opset(*model_.mutable_graph());  // may rewrite the model
    onnx::GraphProto& g = *model_.mutable_graph();
    if (g.node_size() == 0) fail(ErrorKind::invalid_input, "the graph has no nodes");
    graph_.name = g.name().empty() ? fallback_name_ : g.name();
    read_initializers(g);
    check_input_shapes(g);
    read_inputs(g);
    for (const onnx::NodeProto& node : g.node())
      for (const std::string& name : reads(node)) consumed_.insert(name);
    for (const onnx::ValueInfoProto& out : g.output()) consumed_.insert(out.name());
    for (int index : node_order(g)) import_node(g.node(index), node_name(g, index));
    read_outputs(g);
    validate(graph_);
    return std::move(graph_);
  }

 private:
  // -------------------------------------------------------------------------
  // Model-level declarations

  // The default domain's declared opset.
  int64_t declared_opset() const {
    std::optional<int64_t> version;
    for (const onnx::OperatorSetIdProto& id : model_.opset_import())
      if (is_default_domain(id.domain())) version = id.version();
    if (!version)
      fail(ErrorKind::invalid_input, "the model declares no opset of the default ONNX domain");
    return *version;
  }

  // The first node (as "node 'name' ('Op') changed at opset N") whose
  // operator differs between `version` and opset 11; empty when none does.
  std::string first_changed_node(const onnx::GraphProto& g, int64_t version) const {
    for (int n = 0; n < g.node_size(); ++n) {
      const onnx::NodeProto& node = g.node(n);
      if (!is_default_domain(node.domain())) continue;
      const auto* declared = onnx::OpSchemaRegistry::Schema(
          node.op_type(), static_cast<int>(version), onnx::ONNX_DOMAIN);
      const auto* at_min =
          onnx::OpSchemaRegistry::Schema(node.op_type(), kMinOpset, onnx::ONNX_DOMAIN);
      if (!declared || !at_min || declared->since_version() != at_min->since_version())
        return "node " + quote(node_name(g, n)) + " (" + quote(node.op_type()) + ") " +
               (!declared ? "does not exist at opset " + std::to_string(version)
                : !at_min ? "is not an operator of opset 11"
                          : "changed at opset " + std::to_string(at_min->since_version()));
    }
    return "";
  }

  // The opset the nodes are read at: 11 to 21 as declared (what opsets 18 to
  // 21 changed in the operators splitinfer reads is handled where they are
  // read: ReduceMean's axes input, Split's num_outputs, Pad's axes input,
  // AveragePool's dilations; the rest only added element types). An older file is
  // read as opset 11 when no operator of it changed in between (a
  // GlobalAveragePool file of opset 1, as ONNX's node tests declare them);
  // otherwise, from opset 7 on, ONNX's own version converter rewrites it to
  // opset 11 first, as ONNX Runtime and OpenVINO accept such files.
  int read_opset(const onnx::GraphProto& g) {
    const int64_t version = declared_opset();
    const std::string unsupported = "opset " + std::to_string(version) +
                                    " of the default domain is not supported (splitinfer "
                                    "reads opsets 7 to 21, and older ones where every "
                                    "operator of the file is unchanged at opset 11)";
    if (version > kMaxOpset || version < 1) fail(ErrorKind::unsupported, unsupported);
    if (version >= kMinOpset) return static_cast<int>(version);
    const std::string changed = first_changed_node(g, version);
    if (changed.empty()) return kMinOpset;
    if (version < kMinConvertedOpset || changed.find("does not exist") != std::string::npos)
      fail(ErrorKind::unsupported, unsupported + ": " + changed);
    list_initializers_as_inputs();
    converted_ = true;
    try {
      model_ = onnx::version_conversion::ConvertVersion(model_, kMinOpset);
    } catch (const std::exception& e) {
      std::string why = e.what();
      why = why.substr(0, why.find('\n'));
      fail(ErrorKind::unsupported, "ONNX's version converter cannot bring this opset " +
                                       std::to_string(version) + " model to opset 11 (" + changed +
                                       "): " + why);
    }
    return kMinOpset;
  }

  // The version converter reads the IR 3 convention, where every
  // initializer is also a graph input; files of later IR versions list only
  // the real inputs. The importer skips inputs that have an initializer.
  void list_initializers_as_inputs() {
    onnx::GraphProto& g = *model_.mutable_graph();
    std::unordered_set<std::string> inputs;
    for (const onnx::ValueInfoProto& info : g.input()) inputs.insert(info.name());
    for (const onnx::TensorProto& t : g.initializer()) {
      if (inputs.count(t.name())) continue;
      onnx::ValueInfoProto& info = *g.add_input();
      info.set_name(t.name());
      onnx::TypeProto_Tensor& type = *info.mutable_type()->mutable_tensor_type();
      type.set_elem_type(t.data_type());
      for (int64_t d : t.dims()) type.mutable_shape()->add_dim()->set_dim_value(d);
    }
  }

  std::string domain_version(const std::string& domain) const {
    for (const onnx::OperatorSetIdProto& id : model_.opset_import())
      if (id.domain() == domain) return "version " + std::to_string(id.version());
    return "no declared version";
  }

  void read_initializers(onnx::GraphProto& g) {
    if (g.sparse_initializer_size() > 0)
      fail(ErrorKind::unsupported, "sparse initializer " +
                                       quote(g.sparse_initializer(0).values().name()) +
                                       " is not supported");
    for (onnx::TensorProto& t : *g.mutable_initializer()) {
      if (t.name().empty()) fail(ErrorKind::invalid_input, "an initializer has no name");
      if (known_index_.count(t.name()))
        fail(ErrorKind::invalid_input, "initializer " + quote(t.name()) + " is defined twice");
      Known k;
      k.value = decode_tensor(t, "initializer " + quote(t.name()));
      k.name = t.name();
      k.role = k.value.type == ValueType::f32 ? TensorRole::param : TensorRole::constant;
      add_known(std::move(k));
      t.clear_raw_data();  // the decoded copy is the one kept; halves peak memory
    }
  }

  void read_inputs(const onnx::GraphProto& g) {
    for (const onnx::ValueInfoProto& info : g.input()) {
      const std::string& name = info.name();
      if (known_index_.count(name)) continue;  // an initializer with a default value
      const std::string what = "graph input " + quote(name);
      if (activations_.count(name)) fail(ErrorKind::invalid_input, what + " is declared twice");
      if (!info.type().has_tensor_type()) fail(ErrorKind::unsupported, what + " is not a tensor");
      const onnx::TypeProto_Tensor& type = info.type().tensor_type();
      if (type.elem_type() != onnx::TensorProto::FLOAT)
        fail(ErrorKind::unsupported, what + " has element type " +
                                         onnx_type_name(type.elem_type()) +
                                         "; splitinfer feeds float inputs only");
      if (!type.has_shape()) fail(ErrorKind::invalid_input, what + " has no shape");
      const Shape shape = input_shape(what, name, type.shape());
      if (!checked_product(shape, kMaxTensorElements))
        fail(ErrorKind::invalid_input,
             what + " of shape " + shape_to_string(shape) + " has more than 2^30 elements");
      const int id = graph_.add_tensor({name, DType::f32, shape, true, TensorRole::activation, {}});
      graph_.inputs.push_back(id);
      activations_[name] = id;
    }
  }

  // The input's shape: its fixed dimensions, the user's --input-shape for
  // the symbolic ones, and 1 for a symbolic batch left unset.
  Shape input_shape(const std::string& what, const std::string& name,
                    const onnx::TensorShapeProto& declared) {
    const auto named = shapes_.named.find(name);
    const Shape* given = named != shapes_.named.end() ? &named->second
                         : shapes_.unnamed            ? &*shapes_.unnamed
                                                      : nullptr;
    const int rank = declared.dim_size();
    if (given && static_cast<int>(given->size()) != rank)
      fail(ErrorKind::invalid_input, "--input-shape gives " + what + " " +
                                         std::to_string(given->size()) + " dimensions; it has " +
                                         std::to_string(rank));
    Shape shape;
    for (int axis = 0; axis < rank; ++axis) {
      const onnx::TensorShapeProto_Dimension& dim = declared.dim(axis);
      const std::string at = " at axis " + std::to_string(axis);
      if (dim.has_dim_value()) {
        if (dim.dim_value() < 1)
          fail(ErrorKind::invalid_input,
               what + " has dimension " + std::to_string(dim.dim_value()) + at);
        if (given && (*given)[static_cast<size_t>(axis)] != dim.dim_value())
          fail(ErrorKind::invalid_input, "--input-shape " + shape_to_string(*given) +
                                             " contradicts " + what + ", whose dimension" + at +
                                             " is fixed at " + std::to_string(dim.dim_value()));
        shape.push_back(dim.dim_value());
      } else if (given) {
        shape.push_back((*given)[static_cast<size_t>(axis)]);
      } else if (axis == 0) {
        shape.push_back(1);  // a symbolic batch: splitinfer runs batch 1
      } else {
        fail(ErrorKind::invalid_input,
             what + " has a symbolic or missing dimension " +
                 (dim.dim_param().empty() ? "" : quote(dim.dim_param()) + " ") + at.substr(1) +
                 "; fix it with --input-shape " + name + "=" + example_dims(declared));
      }
    }
    return shape;
  }

  // The declared dimensions with the symbolic ones as placeholders: 1x3xHxW.
  static std::string example_dims(const onnx::TensorShapeProto& declared) {
    std::string dims;
    for (int axis = 0; axis < declared.dim_size(); ++axis) {
      const onnx::TensorShapeProto_Dimension& dim = declared.dim(axis);
      dims += (axis ? "x" : "") + (dim.has_dim_value() ? std::to_string(dim.dim_value())
                                   : axis == 0         ? std::string("1")
                                                       : std::string("N"));
    }
    return dims;
  }

  // Every --input-shape NAME must be a graph input, and a bare shape needs a
  // model with one input: checked before any input is read.
  void check_input_shapes(const onnx::GraphProto& g) const {
    std::vector<std::string> inputs;
    for (const onnx::ValueInfoProto& info : g.input())
      if (!known_index_.count(info.name())) inputs.push_back(info.name());
    std::string listed;
    for (const std::string& name : inputs) listed += (listed.empty() ? "" : ", ") + name;
    for (const auto& [name, shape] : shapes_.named)
      if (std::find(inputs.begin(), inputs.end(), name) == inputs.end())
        fail(ErrorKind::invalid_input, "--input-shape names '" + name +
                                           "', which is not a graph input (inputs: " + listed +
                                           ")");
    if (shapes_.unnamed && inputs.size() != 1)
      fail(ErrorKind::invalid_input, "--input-shape " + shape_to_string(*shapes_.unnamed) +
                                         " names no input, and the model has " +
                                         std::to_string(inputs.size()) + " (" + listed +
                                         "); write NAME=... for each");
  }

  void read_outputs(const onnx::GraphProto& g) {
    for (const onnx::ValueInfoProto& out : g.output()) {
      const std::string what = "graph output " + quote(out.name());
      if (known_index_.count(out.name()))
        fail(ErrorKind::unsupported, what + " is a constant, not computed from the input");
      const auto it = activations_.find(out.name());
      if (it == activations_.end())
        fail(ErrorKind::invalid_input, what + " is produced by no node");
      graph_.outputs.push_back(it->second);
    }
  }

  // -------------------------------------------------------------------------
  // Node order

  static std::string node_name(const onnx::GraphProto& g, int index) {
    const onnx::NodeProto& node = g.node(index);
    return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  }

  // The values a node reads: its inputs and, for a node with subgraphs
  // (If), the outer values they read, ONNX's implicit inputs.
  static std::vector<std::string> reads(const onnx::NodeProto& node) {
    std::vector<std::string> names(node.input().begin(), node.input().end());
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (!a.has_g()) continue;
      std::unordered_set<std::string> local;
      for (const onnx::TensorProto& t : a.g().initializer()) local.insert(t.name());
      for (const onnx::ValueInfoProto& in : a.g().input()) local.insert(in.name());
      for (const onnx::NodeProto& inner : a.g().node()) {
        for (const std::string& name : reads(inner))
          if (!name.empty() && !local.count(name)) names.push_back(name);
        for (const std::string& out : inner.output()) local.insert(out);
      }
      for (const onnx::ValueInfoProto& out : a.g().output())
        if (!local.count(out.name())) names.push_back(out.name());
    }
    return names;
  }

  // Node indices in an order where every value is produced before it is
  // read (the file's own order where it already is one). Fails on values that
  // nothing produces, values produced twice and cycles, naming the node.
  std::vector<int> node_order(const onnx::GraphProto& g) const {
    const int count = g.node_size();
    std::unordered_map<std::string, int> producer;
    for (int n = 0; n < count; ++n) {
      for (const std::string& out : g.node(n).output()) {
        if (out.empty()) continue;
        if (known_index_.count(out) || activations_.count(out))
          fail(ErrorKind::invalid_input, "node " + quote(node_name(g, n)) + " writes " +
                                             quote(out) +
                                             ", which is a graph input or an initializer");
        const auto [it, inserted] = producer.emplace(out, n);
        if (!inserted)
          fail(ErrorKind::invalid_input, "value " + quote(out) + " is produced by two nodes (" +
                                             quote(node_name(g, it->second)) + " and " +
                                             quote(node_name(g, n)) + ")");
      }
    }
    std::vector<int> pending(static_cast<size_t>(count), 0);
    std::vector<std::vector<int>> consumers(static_cast<size_t>(count));
    for (int n = 0; n < count; ++n) {
      for (const std::string& in : reads(g.node(n))) {
        if (in.empty() || known_index_.count(in) || activations_.count(in)) continue;
        const auto it = producer.find(in);
        if (it == producer.end())
          fail(ErrorKind::invalid_input, "node " + quote(node_name(g, n)) + " reads " + quote(in) +
                                             ", which no node produces and which is neither a "
                                             "graph input nor an initializer");
        ++pending[n];
        consumers[it->second].push_back(n);
      }
    }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int n = 0; n < count; ++n)
      if (pending[n] == 0) ready.push(n);
    std::vector<int> order;
    while (!ready.empty()) {
      const int n = ready.top();
      ready.pop();
      order.push_back(n);
      for (int c : consumers[n])
        if (--pending[c] == 0) ready.push(c);
    }
    if (static_cast<int>(order.size()) != count)
      for (int n = 0; n < count; ++n)
        if (pending[n] > 0)
          fail(ErrorKind::invalid_input,
               "the graph has a cycle through node " + quote(node_name(g, n)));
    return order;
  }

  // -------------------------------------------------------------------------
  // Nodes

  void import_node(const onnx::NodeProto& proto, const std::string& name) {
    const NodeRef node(proto, name, opset_);
    if (!is_default_domain(proto.domain()))
      fail(ErrorKind::unsupported, "node " + quote(name) + ": domain " + quote(proto.domain()) +
                                       " (" + domain_version(proto.domain()) +
                                       ") is not supported");
    if (proto.output_size() == 0) node.fail(ErrorKind::invalid_input, "has no output");

    std::vector<InputRef> inputs;
    bool all_known = true;
    for (const std::string& in : proto.input()) {
      InputRef ref{in};
      if (!in.empty()) {
        if (const auto k = known_index_.find(in); k != known_index_.end()) ref.known = k->second;
        else ref.activation = activations_.at(in);  // node_order() checked it exists
        all_known &= ref.known >= 0;
      }
      inputs.push_back(std::move(ref));
    }

    const std::string& op = proto.op_type();
    // Identity on a weight (PyTorch's shared parameters): the output is the
    // same tensor, so the weight is counted once and keeps its name.
    if (op == "Identity" && all_known && !inputs.empty() && inputs[0].present() &&
        !proto.output(0).empty()) {
      known_index_[proto.output(0)] = inputs[0].known;
      return;
    }
    if (is_foldable(op) && (all_known || reads_only_shape(op))) {
      fold(node, inputs);
      return;
    }
    if (op == "If") return inline_taken_branch(node, inputs);
    if (op == "Cast") {
      const OpType identity = cast_as_identity(node, inputs);
      return add_ir_node(node, identity, std::move(inputs));
    }
    const auto ir_op = op_from_name(op);
    if (!ir_op) {
      const std::string why = is_foldable(op) ? " on a non-constant input (splitinfer "
                                                "evaluates it only on constants)"
                                              : "";
      fail(ErrorKind::unsupported,
           "node " + quote(name) + ": unsupported operator " + quote(op) + why);
    }
    add_ir_node(node, *ir_op, std::move(inputs));
  }

  // An If whose condition is a constant once the input shapes are fixed
  // (PyTorch's exporter guards a Squeeze of a symbolic axis with one): the
  // branch it takes is imported in its place, its node names prefixed with
  // the If's.
  void inline_taken_branch(const NodeRef& node, const std::vector<InputRef>& inputs) {
    if (inputs.empty() || inputs[0].known < 0)
      node.fail(ErrorKind::unsupported,
                "the condition " + quote(inputs.empty() ? "" : inputs[0].name) +
                    " is computed at run time; splitinfer takes an If whose condition is a "
                    "constant once the input shapes are fixed");
    const Value& cond = knowns_[inputs[0].known].value;
    if (cond.count() != 1) node.fail(ErrorKind::invalid_input, "the condition is not a scalar");
    const bool taken = cond.type == ValueType::f32   ? cond.floats()[0] != 0.0f
                       : cond.type == ValueType::i64 ? cond.ints()[0] != 0
                                                     : cond.bools()[0] != 0;
    const onnx::AttributeProto* branch = node.attr(taken ? "then_branch" : "else_branch");
    if (!branch || !branch->has_g())
      node.fail(ErrorKind::invalid_input,
                std::string("has no graph attribute '") + (taken ? "then" : "else") + "_branch'");
    const onnx::GraphProto& g = branch->g();
    if (g.output_size() != node.proto().output_size())
      node.fail(ErrorKind::invalid_input,
                "the taken branch has " + std::to_string(g.output_size()) + " outputs, the If " +
                    std::to_string(node.proto().output_size()));
    for (const onnx::TensorProto& t : g.initializer()) {
      Known k;
      k.value = decode_tensor(t, "initializer " + quote(t.name()));
      k.name = t.name();
      add_known(std::move(k));
    }
    for (int n = 0; n < g.node_size(); ++n)
      import_node(g.node(n), node.name() + "/" + node_name(g, n));
    for (int i = 0; i < g.output_size(); ++i) {
      const std::string& from = g.output(i).name();
      const std::string& to = node.proto().output(i);
      if (const auto k = known_index_.find(from); k != known_index_.end())
        known_index_[to] = k->second;
      else if (const auto a = activations_.find(from); a != activations_.end())
        activations_[to] = a->second;
      else
        node.fail(ErrorKind::invalid_input, "branch output " + quote(from) + " is never computed");
    }
  }

  // A Cast of an activation (the rest fold) to float32 changes nothing in a
  // float32 graph: it is an Identity. Any other target type would leave the
  // float32 values splitinfer computes on.
  static OpType cast_as_identity(const NodeRef& node, const std::vector<InputRef>& inputs) {
    const int64_t to = node.get_int("to", 0);
    if (to != onnx::TensorProto::FLOAT)
      node.fail(ErrorKind::unsupported, "Cast of activation " +
                                            quote(inputs.empty() ? "" : inputs[0].name) + " to " +
                                            onnx_type_name(static_cast<int>(to)) +
                                            "; splitinfer computes activations in float32 only");
    return OpType::Identity;
  }

  void fold(const NodeRef& node, const std::vector<InputRef>& inputs) {
    std::vector<Value> stand_ins;  // shape-only values for activations read by Shape
    stand_ins.reserve(inputs.size());
    std::vector<const Value*> values;
    bool from_param = false;
    for (const InputRef& in : inputs) {
      if (in.known >= 0) {
        values.push_back(&knowns_[in.known].value);
        from_param |= knowns_[in.known].role == TensorRole::param;
      } else if (in.activation != kNoTensor) {
        const Tensor& t = graph_.tensor(in.activation);
        if (!t.shape_known) node.fail(ErrorKind::internal, "input shape unknown");
        stand_ins.push_back(Value{ValueType::f32, t.shape, nullptr});
        values.push_back(&stand_ins.back());
      } else {
        values.push_back(nullptr);
      }
    }
    Known k;
    k.value = fold_node(node, values);
    k.name = node.proto().output(0);
    // A reshaped or transposed weight is still a weight.
    k.role =
        from_param && k.value.type == ValueType::f32 ? TensorRole::param : TensorRole::constant;
    if (!k.name.empty()) add_known(std::move(k));
  }

  void add_ir_node(const NodeRef& node, OpType op, std::vector<InputRef> inputs) {
    const onnx::NodeProto& proto = node.proto();
    Node ir;
    ir.op = op;
    ir.name = node.name();
    ir.module = module_from_node_name(proto.name());
    for (const onnx::AttributeProto& a : proto.attribute()) {
      if (op == OpType::Identity) break;  // a Cast's 'to', which the Identity drops
      auto value = to_ir_attr(a);
      if (!value)
        node.fail(ErrorKind::unsupported,
                  "attribute " + quote(a.name()) + " has a kind " + "splitinfer does not support");
      ir.attrs.set(a.name(), std::move(*value));
    }
    move_config_into_attrs(node, ir, inputs);
    check_attr_ranges(node, ir);

    if (inputs.empty() || !inputs[0].present())
      node.fail(ErrorKind::invalid_input, "input 0 is missing");
    while (!inputs.empty() && !inputs.back().present()) inputs.pop_back();
    for (size_t slot = 0; slot < inputs.size(); ++slot) {
      const InputRef& in = inputs[slot];
      if (!in.present()) ir.inputs.push_back(kNoTensor);
      else if (in.activation != kNoTensor) ir.inputs.push_back(in.activation);
      else
        ir.inputs.push_back(materialise(in.known, op == OpType::BatchNormalization && slot >= 3));
    }
    add_outputs(node, ir);

    graph_.nodes.push_back(std::move(ir));
    try {
      infer_node_shapes(graph_, graph_.nodes.back());
    } catch (const Error& e) {
      // Attribute type errors come without the node's name.
      if (std::string_view(e.what()).rfind("node '", 0) == 0) throw;
      throw Error(e.kind(), node.describe(e.what()));
    }
  }

  // The IR keeps only output 0 of every op but Split; a further output that
  // something reads (Dropout's mask, BatchNorm's running statistics) is a
  // use splitinfer does not support.
  void add_outputs(const NodeRef& node, Node& ir) {
    const onnx::NodeProto& proto = node.proto();
    const int keep = ir.op == OpType::Split ? proto.output_size() : 1;
    for (int i = keep; i < proto.output_size(); ++i) {
      const std::string& out = proto.output(i);
      if (!out.empty() && consumed_.count(out))
        node.fail(ErrorKind::unsupported,
                  "output " + std::to_string(i) + " (" + quote(out) + ") is used; splitinfer " +
                      (ir.op == OpType::BatchNormalization
                           ? "supports only inference-mode BatchNormalization"
                           : "supports only the first output of this op"));
    }
    for (int i = 0; i < keep; ++i) {
      std::string out = proto.output(i);
      if (out.empty()) out = node.name() + ":" + std::to_string(i);  // unused, unnamed
      const int id = graph_.add_tensor({out, DType::f32, {}, false, TensorRole::activation, {}});
      ir.outputs.push_back(id);
      activations_[out] = id;
    }
  }

  int materialise(int known, bool as_stat) {
    Known& k = knowns_[known];
    if (k.tensor == kNoTensor)
      k.tensor = graph_.add_tensor(
          {k.name, value_type_dtype(k.value.type), k.value.shape, true, k.role, k.value.bytes});
    Tensor& t = graph_.tensor(k.tensor);
    if (as_stat && t.dtype == DType::f32) t.role = TensorRole::stat;
    return k.tensor;
  }

  void add_known(Known k) {
    known_index_[k.name] = static_cast<int>(knowns_.size());
    knowns_.push_back(std::move(k));
  }

  // -------------------------------------------------------------------------
  // Configuration inputs -> attributes (see graph/ops.def)

  // The constant behind input `slot`, nullptr when the input is absent.
  const Value* config_input(const NodeRef& node, const std::vector<InputRef>& inputs, size_t slot,
                            const char* what) const {
    if (slot >= inputs.size() || !inputs[slot].present()) return nullptr;
    if (inputs[slot].known < 0)
      node.fail(ErrorKind::unsupported, std::string("input '") + what + "' (value " +
                                            quote(inputs[slot].name) +
                                            ") is computed at run time; splitinfer needs it "
                                            "to be a constant");
    return &knowns_[inputs[slot].known].value;
  }

  std::optional<std::vector<int64_t>> config_ints(const NodeRef& node,
                                                  const std::vector<InputRef>& inputs, size_t slot,
                                                  const char* what) const {
    const Value* v = config_input(node, inputs, slot, what);
    if (!v) return std::nullopt;
    if (v->type != ValueType::i64 || v->shape.size() > 1)
      node.fail(ErrorKind::invalid_input,
                std::string("input '") + what + "' must be a 1-D int64 tensor");
    return std::vector<int64_t>(v->ints().begin(), v->ints().end());
  }

  std::optional<std::vector<float>> config_floats(const NodeRef& node,
                                                  const std::vector<InputRef>& inputs, size_t slot,
                                                  const char* what) const {
    const Value* v = config_input(node, inputs, slot, what);
    if (!v) return std::nullopt;
    if (v->type != ValueType::f32 || v->shape.size() > 1)
      node.fail(ErrorKind::invalid_input,
                std::string("input '") + what + "' must be a 1-D float tensor");
    return std::vector<float>(v->floats().begin(), v->floats().end());
  }

  std::optional<float> config_scalar(const NodeRef& node, const std::vector<InputRef>& inputs,
                                     size_t slot, const char* what) const {
    const Value* v = config_input(node, inputs, slot, what);
    if (!v) return std::nullopt;
    if (v->count() != 1 || v->shape.size() > 1)
      node.fail(ErrorKind::invalid_input, std::string("input '") + what + "' must be a scalar");
    if (v->type == ValueType::f32) return v->floats()[0];
    if (v->type == ValueType::i64) return static_cast<float>(v->ints()[0]);
    return static_cast<float>(v->bools()[0]);
  }

  static std::vector<int64_t> required(const NodeRef& node,
                                       std::optional<std::vector<int64_t>> values,
                                       const char* what) {
    if (!values)
      node.fail(ErrorKind::invalid_input, std::string("input '") + what + "' is missing");
    return std::move(*values);
  }

  void move_config_into_attrs(const NodeRef& node, Node& ir, std::vector<InputRef>& inputs) const {
    Attributes& attrs = ir.attrs;
    auto set_ints = [&](const char* key, std::optional<std::vector<int64_t>> values) {
      if (values) attrs.set(key, std::move(*values));
    };
    // Opsets 13+ pass Split sizes and Squeeze/Unsqueeze axes as inputs.
    const bool axes_are_inputs = opset_ >= 13;
    switch (ir.op) {
      case OpType::Clip: {
        const float inf = std::numeric_limits<float>::infinity();
        attrs.set("min", config_scalar(node, inputs, 1, "min").value_or(-inf));
        attrs.set("max", config_scalar(node, inputs, 2, "max").value_or(inf));
        break;
      }
      case OpType::Pad:
        if (opset_ >= 18 && config_ints(node, inputs, 3, "axes"))
          node.fail(
              ErrorKind::unsupported,
              "the 'axes' input of Pad (opset 18) is not supported; give pads for every axis");
        attrs.set("pads", required(node, config_ints(node, inputs, 1, "pads"), "pads"));
        attrs.set("value", config_scalar(node, inputs, 2, "constant_value").value_or(0.0f));
        attrs.set("mode", node.get_string("mode", "constant"));
        break;
      case OpType::Slice:
        attrs.set("starts", required(node, config_ints(node, inputs, 1, "starts"), "starts"));
        attrs.set("ends", required(node, config_ints(node, inputs, 2, "ends"), "ends"));
        set_ints("axes", config_ints(node, inputs, 3, "axes"));
        set_ints("steps", config_ints(node, inputs, 4, "steps"));
        break;
      case OpType::Split:
        if (axes_are_inputs) set_ints("split", config_ints(node, inputs, 1, "split"));
        // Opset 18: num_outputs instead of sizes, which the outputs already say.
        if (attrs.has("num_outputs")) {
          if (attrs.get_int("num_outputs", 0) != node.proto().output_size())
            node.fail(ErrorKind::invalid_input,
                      "num_outputs is " + std::to_string(attrs.get_int("num_outputs", 0)) +
                          " but the node has " + std::to_string(node.proto().output_size()) +
                          " outputs");
          attrs.erase("num_outputs");
        }
        break;
      case OpType::Pow: {
        const Value* e = config_input(node, inputs, 1, "exponent");
        if (!e) node.fail(ErrorKind::invalid_input, "input 'exponent' is missing");
        if (e->count() != 1)
          node.fail(ErrorKind::unsupported,
                    "Pow takes a scalar exponent (x^2, x^0.5); this one has shape " +
                        shape_to_string(e->shape));
        attrs.set("exponent", *config_scalar(node, inputs, 1, "exponent"));
        break;
      }
      case OpType::ReduceMean:
        if (opset_ < 18) return;  // axes is an attribute
        set_ints("axes", config_ints(node, inputs, 1, "axes"));
        if (attrs.get_int("noop_with_empty_axes", 0) != 0 && !attrs.has("axes"))
          node.fail(ErrorKind::unsupported, "noop_with_empty_axes without axes is not supported");
        attrs.erase("noop_with_empty_axes");
        break;
      case OpType::Resize: move_resize_config(node, ir, inputs); break;
      case OpType::Expand:
        attrs.set("shape", required(node, config_ints(node, inputs, 1, "shape"), "shape"));
        break;
      case OpType::Squeeze:
      case OpType::Unsqueeze:
        if (axes_are_inputs) set_ints("axes", config_ints(node, inputs, 1, "axes"));
        break;
      case OpType::Reshape: {
        auto shape = required(node, config_ints(node, inputs, 1, "shape"), "shape");
        if (node.get_int("allowzero", 0) != 0 &&
            std::find(shape.begin(), shape.end(), 0) != shape.end())
          node.fail(ErrorKind::unsupported, "allowzero with a 0 in the shape is not supported");
        Shape positive;
        for (int64_t d : shape) {
          if (d < -1) node.fail(ErrorKind::invalid_input, "the shape has a negative dimension");
          if (d > 0) positive.push_back(d);
        }
        if (!checked_product(positive, kMaxTensorElements))
          node.fail(ErrorKind::invalid_input,
                    "the target shape " + shape_to_string(shape) + " has more than 2^30 elements");
        attrs.erase("allowzero");
        attrs.set("shape", std::move(shape));
        break;
      }
      case OpType::Dropout:
        if (opset_ >= 12) {
          if (auto ratio = config_scalar(node, inputs, 1, "ratio")) attrs.set("ratio", *ratio);
          if (config_scalar(node, inputs, 2, "training_mode").value_or(0.0f) != 0.0f)
            node.fail(ErrorKind::unsupported, "training-mode Dropout is not supported");
        }
        break;
      case OpType::BatchNormalization:
        if (node.get_int("training_mode", 0) != 0)
          node.fail(ErrorKind::unsupported, "training-mode BatchNormalization is not supported");
        return;  // all five inputs are tensors
      case OpType::Softmax:
        if (opset_ < 13) normalise_old_softmax(node, ir, inputs);
        return;
      default: return;  // every input is a tensor
    }
    inputs.resize(1);
  }

  // Resize's scales or sizes become an attribute over every axis (opset 18's
  // `axes` lists the axes they give; the others keep their extent). The
  // region of interest only matters to tf_crop_and_resize, which is refused.
  void move_resize_config(const NodeRef& node, Node& ir,
                          const std::vector<InputRef>& inputs) const {
    Attributes& attrs = ir.attrs;
    const std::string transform = attrs.get_string("coordinate_transformation_mode", "half_pixel");
    if (transform == "tf_crop_and_resize" || transform == "half_pixel_symmetric")
      node.fail(ErrorKind::unsupported, "coordinate_transformation_mode '" + transform +
                                            "' is not supported (half_pixel, pytorch_half_pixel, "
                                            "align_corners, asymmetric and "
                                            "tf_half_pixel_for_nearest are)");
    if (attrs.get_int("antialias", 0) != 0)
      node.fail(ErrorKind::unsupported, "antialias is not supported");
    auto scales = config_floats(node, inputs, 2, "scales").value_or(std::vector<float>{});
    auto sizes = config_ints(node, inputs, 3, "sizes").value_or(std::vector<int64_t>{});
    if (scales.empty() == sizes.empty())
      node.fail(ErrorKind::invalid_input, "give exactly one of the inputs 'scales' and 'sizes'");
    if (!sizes.empty() && attrs.get_string("keep_aspect_ratio_policy", "stretch") != "stretch")
      node.fail(ErrorKind::unsupported, "keep_aspect_ratio_policy '" +
                                            attrs.get_string("keep_aspect_ratio_policy", "") +
                                            "' is not supported (stretch is)");
    const Shape& x = inputs[0].known >= 0 ? knowns_[inputs[0].known].value.shape
                                          : graph_.tensor(inputs[0].activation).shape;
    const auto rank = static_cast<int64_t>(x.size());
    if (converted_) set_legacy_resize_modes(node, attrs, x, scales, sizes);
    if (const auto axes = attrs.get_ints("axes"); !axes.empty()) {
      const size_t given = std::max(scales.size(), sizes.size());
      if (axes.size() != given)
        node.fail(ErrorKind::invalid_input, "axes and scales or sizes differ in length");
      std::vector<float> all_scales(x.size(), 1.0f);
      std::vector<int64_t> all_sizes(x.begin(), x.end());
      for (size_t i = 0; i < axes.size(); ++i) {
        if (axes[i] < -rank || axes[i] >= rank)
          node.fail(ErrorKind::invalid_input,
                    "axis " + std::to_string(axes[i]) + " is out of range");
        const auto a = static_cast<size_t>(axes[i] < 0 ? axes[i] + rank : axes[i]);
        if (!scales.empty()) all_scales[a] = scales[i];
        else all_sizes[a] = sizes[i];
      }
      if (!scales.empty()) scales = std::move(all_scales);
      else sizes = std::move(all_sizes);
    }
    for (const char* done :
         {"axes", "antialias", "keep_aspect_ratio_policy", "extrapolation_value"})
      attrs.erase(done);
    if (!scales.empty()) attrs.set("scales", std::move(scales));
    else attrs.set("sizes", std::move(sizes));
  }

  // Upsample (opsets 7 to 9) and Resize (opset 10) map output to input
  // coordinates as x / scale and, in nearest mode, truncate when upsampling
  // and round up when downsampling, as ONNX Runtime runs them; ONNX's version
  // converter leaves opset 11's defaults (half_pixel) on the Resize it makes
  // of them, and every Resize of a converted file is one of them.
  static void set_legacy_resize_modes(const NodeRef& node, Attributes& attrs, const Shape& x,
                                      const std::vector<float>& scales,
                                      const std::vector<int64_t>& sizes) {
    attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
    bool up = false, down = false;
    for (size_t d = 0; d < x.size(); ++d) {
      const double scale = scales.empty() ? static_cast<double>(sizes.at(d)) / x[d] : scales.at(d);
      up |= scale > 1.0;
      down |= scale < 1.0;
    }
    if (up && down && attrs.get_string("mode", "nearest") == "nearest")
      node.fail(ErrorKind::unsupported,
                "an opset 10 nearest Resize that enlarges one axis and shrinks another rounds "
                "each its own way, which is not supported");
    attrs.set("nearest_mode", std::string(down ? "ceil" : "floor"));
  }

  // Before opset 13 Softmax flattened the input at `axis` (default 1) into a
  // matrix; that equals the IR's (opset 13) softmax over one axis only when
  // the axis is the last.
  void normalise_old_softmax(const NodeRef& node, Node& ir,
                             const std::vector<InputRef>& inputs) const {
    if (inputs.empty() || !inputs[0].present()) node.fail(ErrorKind::invalid_input, "no input");
    const Shape& shape = inputs[0].known >= 0 ? knowns_[inputs[0].known].value.shape
                                              : graph_.tensor(inputs[0].activation).shape;
    const int64_t rank = static_cast<int64_t>(shape.size());
    int64_t axis = node.get_int("axis", 1);
    if (axis < -rank || axis >= rank)
      node.fail(ErrorKind::invalid_input, "axis " + std::to_string(axis) + " is out of range");
    if (axis < 0) axis += rank;
    if (axis != rank - 1)
      node.fail(ErrorKind::unsupported,
                "Softmax at opset " + std::to_string(opset_) + " over axis " +
                    std::to_string(axis) + " of a rank-" + std::to_string(rank) +
                    " input flattens the trailing axes, which is not supported");
    ir.attrs.set("axis", axis);
  }

  static void check_attr_ranges(const NodeRef& node, const Node& ir) {
    for (const auto& [key, value] : ir.attrs.all()) {
      // Slice bounds are clamped to the axis, so INT64_MAX is a valid "end".
      if (ir.op == OpType::Slice && (key == "starts" || key == "ends")) continue;
      std::vector<int64_t> ints;
      if (const int64_t* v = std::get_if<int64_t>(&value)) ints.push_back(*v);
      if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) ints = *v;
      for (int64_t v : ints)
        if (v > kMaxAttrMagnitude || v < -kMaxAttrMagnitude)
          node.fail(ErrorKind::invalid_input, "attribute " + quote(key) + " holds " +
                                                  std::to_string(v) + ", which is out of range");
    }
  }

  onnx::ModelProto& model_;
  std::string fallback_name_;
  const InputShapes& shapes_;
  int opset_ = 0;
  Graph graph_;
  std::vector<Known> knowns_;
  std::unordered_map<std::string, int> known_index_;  // value name -> knowns_ index
  std::unordered_map<std::string, int> activations_;  // value name -> IR tensor id
  std::unordered_set<std::string> consumed_;          // values some node or output reads
  bool converted_ = false;  // read through ONNX's version converter from opset 7 to 10
};

Graph import_model(onnx::ModelProto& model, const std::string& fallback_name,
                   const InputShapes& shapes) {
  return Importer(model, fallback_name, shapes).run();
}

}  // namespace

Graph import_onnx_file(const std::string& path, const InputShapes& shapes) {
  return with_source(path, [&] {
    onnx::ModelProto model = parse_model(read_model_file(path));
    return import_model(model, std::filesystem::path(path).stem().string(), shapes);
  });
}

Graph import_onnx_bytes(std::string_view bytes, const std::string& source_name,
                        const InputShapes& shapes) {
  return with_source(source_name, [&] {
    onnx::ModelProto model = parse_model(bytes);
    return import_model(model, source_name, shapes);
  });
}

}  // namespace splitinfer
