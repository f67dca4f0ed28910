// The one exception type that crosses module boundaries. Every failure a user
// can cause (bad file, bad argument, unsupported model) is reported with it,
// carrying a kind that the CLI maps to an exit code (src/cli/main.cpp: 4 for
// stage_failed, 130 for interrupted, 3 for the rest) and a message that names
// the file, node, tensor or argument at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace splitinfer {

enum class ErrorKind {
  invalid_input,   // malformed model, tensor or argument value
  unsupported,     // valid input that splitinfer does not handle
  io,              // file missing, unreadable or unwritable
  device_missing,  // an element that is not present on this machine
  internal,        // a bug: an invariant of splitinfer itself broke
  stage_failed,    // a pipeline stage threw while running frames
  interrupted,     // the user stopped a command (SIGINT) before it finished
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) {
  throw Error(kind, message);
}

}  // namespace splitinfer
