// Writing output files so that a failure never leaves a partial file: the
// bytes go to a temporary file in the same directory, which is renamed over
// the target only once complete.
#pragma once

#include <string>
#include <string_view>

namespace splitinfer {

// Throws an io Error naming `path` when the file cannot be written.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace splitinfer
