#include "exec/tensor_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"

namespace splitinfer {

std::vector<float> read_tensor_file(const std::string& path, const Shape& shape) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(ErrorKind::io,
         "'" + path + "' is " + (fs::exists(path, ec) ? "not a regular file" : "missing"));
  const int64_t count = numel(shape);
  const uintmax_t expected = static_cast<uintmax_t>(count) * sizeof(float);
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(ErrorKind::io, "cannot read '" + path + "': " + ec.message());
  if (size != expected)
    fail(ErrorKind::invalid_input, "'" + path + "' holds " + std::to_string(size) +
                                       " bytes; the model's input " + shape_to_string(shape) +
                                       " in float32 needs " + std::to_string(expected));
  std::vector<float> values(static_cast<size_t>(count));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(expected)))
    fail(ErrorKind::io, "cannot read '" + path + "'");
  return values;
}

void write_tensor_file(const std::string& path, const std::vector<float>& values) {
  write_file_atomically(
      path, {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)});
}

}  // namespace splitinfer
