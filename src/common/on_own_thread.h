// Running work on a fresh thread and waiting for it: for work that places
// its thread on an element (pinning, thread counts) without changing the
// caller's. What the work throws is rethrown to the caller.
#pragma once

#include <exception>
#include <thread>

namespace splitinfer {

template <typename Work>
void on_own_thread(Work work) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

}  // namespace splitinfer
