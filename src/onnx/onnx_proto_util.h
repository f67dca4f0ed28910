// Reading ONNX protobufs defensively: files, tensors and node attributes come
// from users and may be truncated, hostile or plain wrong. Internal to
// src/onnx; everything here throws splitinfer::Error with a one-line message.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "graph/attributes.h"
#include "onnx/onnx_value.h"

namespace splitinfer::onnx_detail {

// protobuf cannot address more than INT_MAX bytes of one message.
inline constexpr uint64_t kMaxModelBytes = (uint64_t{1} << 31) - 1;

// A name from a file, quoted for a message: control characters replaced and
// very long names cut, so that a hostile name cannot break the one-line rule.
std::string quote(std::string_view name);
std::string printable(std::string_view name);  // the same without quotes

// Makes a message fit on one line: escapes line breaks and control
// characters and caps the length.
std::string one_line(std::string_view message);

const char* onnx_type_name(int32_t data_type);

// The whole file, after checking that it is a readable regular file no
// larger than kMaxModelBytes (before anything is allocated for it).
std::string read_model_file(const std::string& path);

// Parses the bytes of a model; throws invalid_input when they are not one.
onnx::ModelProto parse_model(std::string_view bytes);

// Converts a TensorProto into a Value, checking dims and data length before
// allocating. `what` names the tensor in messages ("initializer 'w'").
Value decode_tensor(const onnx::TensorProto& tensor, const std::string& what);

// One node of the file being imported, with typed attribute access. Every
// failure names the node.
class NodeRef {
 public:
  NodeRef(const onnx::NodeProto& proto, std::string name, int opset)
      : proto_(proto), name_(std::move(name)), opset_(opset) {}

  const onnx::NodeProto& proto() const { return proto_; }
  const std::string& name() const { return name_; }
  const std::string& op_type() const { return proto_.op_type(); }
  int opset() const { return opset_; }

  const onnx::AttributeProto* attr(std::string_view key) const;
  int64_t get_int(std::string_view key, int64_t fallback) const;
  float get_float(std::string_view key, float fallback) const;
  std::string get_string(std::string_view key, std::string fallback) const;
  std::optional<std::vector<int64_t>> find_ints(std::string_view key) const;
  std::optional<std::vector<float>> find_floats(std::string_view key) const;
  const onnx::TensorProto* find_tensor(std::string_view key) const;

  // "node 'NAME' (OP): message"
  std::string describe(const std::string& message) const;
  [[noreturn]] void fail(ErrorKind kind, const std::string& message) const {
    throw Error(kind, describe(message));
  }

 private:
  const onnx::AttributeProto& typed(const onnx::AttributeProto& a, int expected) const;

  const onnx::NodeProto& proto_;
  std::string name_;
  int opset_;
};

// The attribute as an IR value, or nullopt for kinds the IR has no use for
// (tensors, graphs, string lists).
std::optional<AttrValue> to_ir_attr(const onnx::AttributeProto& attr);

// Runs `body`, prefixing every Error with `source` and turning any other
// exception into an Error, so callers see one exception type only.
template <typename F>
auto with_source(const std::string& source, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    throw Error(e.kind(), one_line(source + ": " + e.what()));
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::invalid_input,
                one_line(source + ": ran out of memory (the model is too large or malformed)"));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::internal, one_line(source + ": unexpected failure: " + e.what()));
  }
}

}  // namespace splitinfer::onnx_detail
