// splitinfer's one exception type, shared by the library, the command line
// and the public API (splitinfer/splitinfer.h). Every failure a user can
// cause (a bad file, argument or frame; a missing element; a failing stage)
// is reported with it: its message names the file, node, tensor, element or
// argument at fault and is the very text the command line prints after
// "error: ", and its kind is what the command line maps to an exit code.
#pragma once

#include <stdexcept>
#include <string>

// What libsplitinfer.so exports: the public API's classes; everything else in
// it is hidden.
#define SPLITINFER_API __attribute__((visibility("default")))

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

class SPLITINFER_API Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace splitinfer
