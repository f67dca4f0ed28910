#include "common/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace splitinfer {

std::string read_regular_file(const std::string& path, uintmax_t max_bytes,
                              const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(ErrorKind::io, path + ": no such file");
  if (ec) fail(ErrorKind::io, path + ": cannot access the file: " + ec.message());
  if (fs::is_directory(status)) fail(ErrorKind::io, path + ": is a directory, not " + what);
  if (!fs::is_regular_file(status)) fail(ErrorKind::io, path + ": is not a regular file");
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(ErrorKind::io, path + ": cannot read the file size: " + ec.message());
  if (size > max_bytes)
    fail(ErrorKind::invalid_input,
         path + ": " + std::to_string(size) + " bytes is too large for " + what);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::io, path + ": cannot open the file: " + std::strerror(errno));
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    fail(ErrorKind::io, path + ": cannot read the whole file (it changed or is unreadable)");
  return bytes;
}

}  // namespace splitinfer
