#include "common/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace splitinfer {

namespace {

bool write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  auto io_error = [&](const std::string& what, int err) {
    fail(ErrorKind::io, "cannot write '" + path + "': " + what + ": " + std::strerror(err));
  };
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) io_error("cannot create a file in '" + dir.string() + "'", errno);
  // mkstemp makes the file private; outputs are ordinary files.
  ::fchmod(fd, 0644);
  const bool written = write_all(fd, bytes);
  const int write_errno = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(temp.c_str());
    io_error("writing failed", written ? errno : write_errno);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    io_error("cannot move the finished file into place", err);
  }
}

}  // namespace splitinfer
