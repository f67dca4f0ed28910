#include "onnx/onnx_proto_util.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/checked_math.h"
#include "graph/shape_inference.h"

namespace splitinfer::onnx_detail {
namespace {

constexpr size_t kMaxQuotedName = 200;
constexpr size_t kMaxMessage = 2000;

using Attr = onnx::AttributeProto;

// Files from old writers leave `type` unset; the field that holds a value
// tells the kind then.
int attr_kind(const Attr& a) {
  if (a.type() != onnx::AttributeProto_AttributeType_UNDEFINED) return a.type();
  if (a.has_i()) return Attr::INT;
  if (a.has_f()) return Attr::FLOAT;
  if (a.has_s()) return Attr::STRING;
  if (a.has_t()) return Attr::TENSOR;
  if (a.ints_size() > 0) return Attr::INTS;
  if (a.floats_size() > 0) return Attr::FLOATS;
  return onnx::AttributeProto_AttributeType_UNDEFINED;
}

const char* attr_kind_name(int kind) {
  switch (kind) {
    case Attr::INT: return "INT";
    case Attr::FLOAT: return "FLOAT";
    case Attr::STRING: return "STRING";
    case Attr::TENSOR: return "TENSOR";
    case Attr::INTS: return "INTS";
    case Attr::FLOATS: return "FLOATS";
    default: return "another kind";
  }
}

float narrow_to_float(double d) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (d > kMax) return std::numeric_limits<float>::infinity();  // a plain cast would be UB
  if (d < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

// Reads element `i` of little-endian raw data of type T.
template <typename T>
T raw_at(const std::string& raw, int64_t i) {
  T v;
  std::memcpy(&v, raw.data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return v;
}

// Fills `count` elements of `out` (of element type Out) from raw data holding
// elements of type In, converting each with `convert`.
template <typename Out, typename In, typename Convert>
std::vector<std::byte> convert_raw(const std::string& raw, int64_t count, Convert convert) {
  std::vector<std::byte> out(static_cast<size_t>(count) * sizeof(Out));
  for (int64_t i = 0; i < count; ++i) {
    const Out v = convert(raw_at<In>(raw, i));
    std::memcpy(out.data() + static_cast<size_t>(i) * sizeof(Out), &v, sizeof(Out));
  }
  return out;
}

template <typename Out, typename Field, typename Convert>
std::vector<std::byte> convert_field(const Field& field, Convert convert) {
  std::vector<std::byte> out(static_cast<size_t>(field.size()) * sizeof(Out));
  for (int i = 0; i < field.size(); ++i) {
    const Out v = convert(field.Get(i));
    std::memcpy(out.data() + static_cast<size_t>(i) * sizeof(Out), &v, sizeof(Out));
  }
  return out;
}

}  // namespace

std::string printable(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size() && i < kMaxQuotedName; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (name.size() > kMaxQuotedName) out += "...";
  return out;
}

std::string quote(std::string_view name) { return "'" + printable(name) + "'"; }

std::string one_line(std::string_view message) {
  std::string out;
  for (char ch : message) {
    if (out.size() >= kMaxMessage) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += ' ';
    else if (c < 0x20 || c == 0x7f) out += '?';
    else out += ch;
  }
  return out;
}

const char* onnx_type_name(int32_t data_type) {
  if (!onnx::TensorProto_DataType_IsValid(data_type)) return "UNKNOWN";
  return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(data_type))
      .c_str();
}

std::string read_model_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(ErrorKind::io, "no such file");
  if (ec) fail(ErrorKind::io, "cannot access the file: " + ec.message());
  if (fs::is_directory(status)) fail(ErrorKind::io, "is a directory, not an ONNX file");
  // FIFOs and devices could block forever or never end.
  if (!fs::is_regular_file(status)) fail(ErrorKind::io, "is not a regular file");
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(ErrorKind::io, "cannot read the file size: " + ec.message());
  if (size > kMaxModelBytes)
    fail(ErrorKind::unsupported,
         "the file has " + std::to_string(size) + " bytes; ONNX files are limited to 2 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::io, std::string("cannot open the file: ") + std::strerror(errno));
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    fail(ErrorKind::io, "cannot read the whole file (it changed or is unreadable)");
  return bytes;
}

onnx::ModelProto parse_model(std::string_view bytes) {
  if (bytes.empty()) fail(ErrorKind::invalid_input, "the file is empty, not an ONNX model");
  if (bytes.size() > kMaxModelBytes)
    fail(ErrorKind::unsupported, "the model has more than 2 GiB of bytes");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    fail(ErrorKind::invalid_input, "not a valid ONNX model (protobuf parsing failed)");
  return model;
}

Value decode_tensor(const onnx::TensorProto& t, const std::string& what) {
  ValueType type;
  size_t stored_size;  // bytes per element in raw_data
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      type = ValueType::f32;
      stored_size = 4;
      break;
    case onnx::TensorProto::DOUBLE:
      type = ValueType::f32;
      stored_size = 8;
      break;
    case onnx::TensorProto::INT64:
      type = ValueType::i64;
      stored_size = 8;
      break;
    case onnx::TensorProto::INT32:
      type = ValueType::i64;
      stored_size = 4;
      break;
    case onnx::TensorProto::BOOL:
      type = ValueType::boolean;
      stored_size = 1;
      break;
    default:
      fail(ErrorKind::unsupported, what + " has element type " + onnx_type_name(t.data_type()) +
                                       ", which splitinfer does not support");
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    fail(ErrorKind::unsupported,
         what + " keeps its data in an external file, which splitinfer does not read");
  if (t.has_segment()) fail(ErrorKind::unsupported, what + " is segmented");

  const Shape shape(t.dims().begin(), t.dims().end());
  const auto count = checked_product(shape, kMaxTensorElements);
  if (!count)
    fail(ErrorKind::invalid_input, what + " declares dims " + shape_to_string(shape) +
                                       ": a negative dimension or more than 2^30 elements");

  auto length_error = [&](size_t have, int64_t need, const char* unit) {
    fail(ErrorKind::invalid_input, what + " holds " + std::to_string(have) + " " + unit +
                                       " of data, its dims " + shape_to_string(shape) + " need " +
                                       std::to_string(need));
  };

  std::vector<std::byte> bytes;
  const int32_t dt = t.data_type();
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (raw.size() != static_cast<size_t>(*count) * stored_size)
      length_error(raw.size(), *count * static_cast<int64_t>(stored_size), "bytes");
    if (dt == onnx::TensorProto::FLOAT || dt == onnx::TensorProto::INT64) {
      bytes.resize(raw.size());
      if (!raw.empty()) std::memcpy(bytes.data(), raw.data(), raw.size());
    } else if (dt == onnx::TensorProto::DOUBLE) {
      bytes = convert_raw<float, double>(raw, *count, narrow_to_float);
    } else if (dt == onnx::TensorProto::INT32) {
      bytes = convert_raw<int64_t, int32_t>(raw, *count, [](int32_t v) { return int64_t{v}; });
    } else {
      bytes = convert_raw<uint8_t, uint8_t>(raw, *count, [](uint8_t v) { return uint8_t{v != 0}; });
    }
  } else {
    int have = 0;
    if (dt == onnx::TensorProto::FLOAT) have = t.float_data_size();
    else if (dt == onnx::TensorProto::DOUBLE) have = t.double_data_size();
    else if (dt == onnx::TensorProto::INT64) have = t.int64_data_size();
    else have = t.int32_data_size();
    if (have != *count) length_error(static_cast<size_t>(have), *count, "values");
    if (dt == onnx::TensorProto::FLOAT)
      bytes = convert_field<float>(t.float_data(), [](float v) { return v; });
    else if (dt == onnx::TensorProto::DOUBLE)
      bytes = convert_field<float>(t.double_data(), narrow_to_float);
    else if (dt == onnx::TensorProto::INT64)
      bytes = convert_field<int64_t>(t.int64_data(), [](int64_t v) { return v; });
    else if (dt == onnx::TensorProto::INT32)
      bytes = convert_field<int64_t>(t.int32_data(), [](int32_t v) { return int64_t{v}; });
    else bytes = convert_field<uint8_t>(t.int32_data(), [](int32_t v) { return uint8_t{v != 0}; });
  }
  return make_value(type, shape, std::move(bytes));
}

const Attr* NodeRef::attr(std::string_view key) const {
  for (const Attr& a : proto_.attribute())
    if (a.name() == key) return &a;
  return nullptr;
}

const Attr& NodeRef::typed(const Attr& a, int expected) const {
  const int kind = attr_kind(a);
  if (kind != expected)
    fail(ErrorKind::invalid_input, "attribute " + quote(a.name()) + " is " + attr_kind_name(kind) +
                                       ", expected " + attr_kind_name(expected));
  return a;
}

int64_t NodeRef::get_int(std::string_view key, int64_t fallback) const {
  const Attr* a = attr(key);
  return a ? typed(*a, Attr::INT).i() : fallback;
}

float NodeRef::get_float(std::string_view key, float fallback) const {
  const Attr* a = attr(key);
  return a ? typed(*a, Attr::FLOAT).f() : fallback;
}

std::string NodeRef::get_string(std::string_view key, std::string fallback) const {
  const Attr* a = attr(key);
  return a ? typed(*a, Attr::STRING).s() : fallback;
}

std::optional<std::vector<int64_t>> NodeRef::find_ints(std::string_view key) const {
  const Attr* a = attr(key);
  if (!a) return std::nullopt;
  const auto& ints = typed(*a, Attr::INTS).ints();
  return std::vector<int64_t>(ints.begin(), ints.end());
}

std::optional<std::vector<float>> NodeRef::find_floats(std::string_view key) const {
  const Attr* a = attr(key);
  if (!a) return std::nullopt;
  const auto& floats = typed(*a, Attr::FLOATS).floats();
  return std::vector<float>(floats.begin(), floats.end());
}

const onnx::TensorProto* NodeRef::find_tensor(std::string_view key) const {
  const Attr* a = attr(key);
  return a ? &typed(*a, Attr::TENSOR).t() : nullptr;
}

std::string NodeRef::describe(const std::string& message) const {
  return "node " + quote(name_) + " (" + printable(op_type()) + "): " + message;
}

std::optional<AttrValue> to_ir_attr(const Attr& a) {
  switch (attr_kind(a)) {
    case Attr::INT: return AttrValue(int64_t{a.i()});
    case Attr::FLOAT: return AttrValue(a.f());
    case Attr::STRING: return AttrValue(a.s());
    case Attr::INTS: return AttrValue(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case Attr::FLOATS: return AttrValue(std::vector<float>(a.floats().begin(), a.floats().end()));
    default: return std::nullopt;
  }
}

}  // namespace splitinfer::onnx_detail
