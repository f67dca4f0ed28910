// The registry of elements: one line per backend.
#include <omp.h>
#include <sched.h>

#include <thread>

#include "common/error.h"
#include "exec/backend.h"
#include "exec/cpu/cpu_backend.h"

namespace splitinfer {

namespace {

int core_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

std::unique_ptr<Backend> make_backend(const std::string& element_name) {
  const Element element = parse_element(element_name);
  if (element.device.rfind("cpu", 0) == 0) {
    if (element.core >= core_count())
      fail(ErrorKind::device_missing, "element " + element.name + ": this machine has " +
                                          std::to_string(core_count()) + " cores (cpu0..cpu" +
                                          std::to_string(core_count() - 1) + ")");
    return cpu::make_cpu_backend(element);
  }
  fail(ErrorKind::device_missing, "element " + element.name + ": this build has no CUDA support");
}

void enter_element(const Element& element) {
  if (element.core < 0) {
    omp_set_num_threads(core_count());
    return;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(element.core, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0)
    fail(ErrorKind::device_missing, "element " + element.name + ": cannot pin a thread to core " +
                                        std::to_string(element.core));
  omp_set_num_threads(1);
}

}  // namespace splitinfer
