// Reading a whole input file (a data set, a saved dataset) with the checks a
// user's path needs: every way it can be wrong is a one-line error naming the
// path, and a size limit stops a hostile file from exhausting memory.
#pragma once

#include <cstdint>
#include <string>

namespace splitinfer {

// The bytes of the regular file at `path`. `what` names the expected file in
// messages ("a dataset file"). Throws an io Error when the path is missing,
// a directory, not a regular file or unreadable, and an invalid_input Error
// when it holds more than `max_bytes`.
std::string read_regular_file(const std::string& path, uintmax_t max_bytes,
                              const std::string& what);

}  // namespace splitinfer
