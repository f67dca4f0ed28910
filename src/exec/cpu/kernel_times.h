// oneDNN's own timing of its kernels, switched on and off at run time.
#pragma once

namespace splitinfer::cpu {

// While on, oneDNN prints a line with the time of every kernel it runs to
// standard output (DNNL_VERBOSE's exec lines), for the whole process. Its
// clock ticks in microseconds.
void print_kernel_times(bool on);

}  // namespace splitinfer::cpu
