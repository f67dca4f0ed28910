// The exception type (public: include/splitinfer/error.h) and the one way the
// library raises it. The CLI maps its kind to an exit code
// (src/cli/main.cpp: 4 for stage_failed, 130 for interrupted, 3 for the rest).
#pragma once

#include <string>

#include "splitinfer/error.h"

namespace splitinfer {

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) {
  throw Error(kind, message);
}

}  // namespace splitinfer
