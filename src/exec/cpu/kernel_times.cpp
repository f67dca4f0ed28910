#include "exec/cpu/kernel_times.h"

#include <dnnl.h>

#include <atomic>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/statistics.h"

namespace splitinfer::cpu {

namespace {

std::atomic<StepTimes*> g_step_times{nullptr};

}  // namespace

void print_kernel_times(bool on) {
  if (dnnl_set_verbose(on ? 1 : 0) != dnnl_success)
    fail(ErrorKind::internal, "oneDNN refused to change its verbose mode");
}

void time_steps(StepTimes* into) { g_step_times.store(into, std::memory_order_relaxed); }

StepTimes* step_times() { return g_step_times.load(std::memory_order_relaxed); }

double clock_reading_ms() {
  std::vector<double> gaps(1001);
  for (double& gap : gaps) gap = ms_since(SteadyClock::now());
  return median(std::move(gaps));
}

}  // namespace splitinfer::cpu
