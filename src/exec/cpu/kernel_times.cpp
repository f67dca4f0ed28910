#include "exec/cpu/kernel_times.h"

#include <dnnl.h>

#include "common/error.h"

namespace splitinfer::cpu {

void print_kernel_times(bool on) {
  if (dnnl_set_verbose(on ? 1 : 0) != dnnl_success)
    fail(ErrorKind::internal, "oneDNN refused to change its verbose mode");
}

}  // namespace splitinfer::cpu
