// A backend turns a contiguous range of split units into a Partition that
// runs on one element. The runtime, the profiler and `infer` only see this
// interface; a new element is one backend file plus a line in the registry
// (exec/registry.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/element.h"
#include "exec/handoff.h"
#include "graph/graph.h"

namespace splitinfer {

class Calibration;

struct PartitionRequest {
  const Graph* graph = nullptr;  // validated, with weights
  int first_unit = 0;            // units [first_unit, last_unit) of graph->units
  int last_unit = 0;
  const Calibration* calibration = nullptr;  // required by INT8 elements
};

// Every unit of `graph` as one partition.
inline PartitionRequest whole_model(const Graph& graph, const Calibration* calibration) {
  return {&graph, 0, static_cast<int>(graph.units.size()), calibration};
}

class Partition {
 public:
  virtual ~Partition() = default;
  // Runs the partition on the tensor entering its first unit (the graph input
  // for the first partition). The result is the output of its last unit:
  // int8 codes plus scale from an INT8 partition, float32 otherwise.
  virtual Handoff run(const Handoff& input) = 0;
  // The same into `output`, reusing its storage where the partition can (a
  // CPU partition allocates nothing once `output` has held a result); by
  // default run()'s result moved in.
  virtual void run_into(const Handoff& input, Handoff& output) { output = run(input); }
  // Ops of the partition that execute in float32 on an INT8 element because
  // no integer kernel covers them; empty on float elements.
  virtual std::vector<std::string> float_fallbacks() const { return {}; }
  // The library kernels the partition runs, in order, one line each:
  // "convolution brgconv:avx512_core_vnni src:u8 weights:s8 dst:s8"; what
  // proves that INT8 convolutions run on integer kernels.
  virtual std::vector<std::string> kernels() const { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const Element& element() const = 0;
  virtual std::unique_ptr<Partition> compile(const PartitionRequest& request) = 0;
};

// The backend for an element name; throws invalid_input for a malformed or
// unknown name and device_missing for an element absent from this machine.
std::unique_ptr<Backend> make_backend(const std::string& element_name);

// Pins the calling thread to the element's core (no-op for all-core
// elements) and sets the intra-op thread count: 1 for a single core.
void enter_element(const Element& element);

}  // namespace splitinfer
