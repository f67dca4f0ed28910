#include "cli/interrupt_guard.h"

#include <csignal>

namespace splitinfer::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted = true; }

}  // namespace

InterruptGuard::InterruptGuard() : previous_(std::signal(SIGINT, on_sigint)) {
  g_interrupted = false;
}

InterruptGuard::~InterruptGuard() { std::signal(SIGINT, previous_); }

const std::atomic<bool>& InterruptGuard::flag() const { return g_interrupted; }

}  // namespace splitinfer::cli
