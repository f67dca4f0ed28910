// Helpers shared by the profile tests: a temporary directory that cleans up
// after itself, whole-file reads and writes, and a check of the one-line
// error contract.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>

#include "common/error.h"
#include "support/run_cli.h"

namespace splitinfer::testing {

class TempDir {
 public:
  TempDir() : path_(make_temp_dir()) {}
  ~TempDir() {
    std::error_code ec;
    // Write-protected files inside are still removable: removal needs the
    // directory's permissions, which the tests leave alone.
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Runs `action`, which must throw an Error of `kind` whose message is one line
// and contains every string in `parts`. Returns the message.
inline std::string expect_error(const std::function<void()>& action, ErrorKind kind,
                                std::initializer_list<std::string> parts) {
  try {
    action();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    return message;
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

}  // namespace splitinfer::testing
