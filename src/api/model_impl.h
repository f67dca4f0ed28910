// What a public Model and Pipeline hold (include/splitinfer/splitinfer.h):
// the loaded graph with its split units, and the conversions between the
// API's tensors and the runtime's hand-offs.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/graph.h"
#include "splitinfer/splitinfer.h"

namespace splitinfer::api {

struct Model::Impl {
  explicit Impl(Graph g) : graph(std::move(g)) {}

  const Graph graph;  // with its split units (Graph::units)

  // infer()'s partitions, compiled on first use per element; a partition
  // runs one frame at a time, under the mutex.
  struct Compiled {
    std::unique_ptr<Calibration> calibration;  // INT8 elements
    std::unique_ptr<Partition> partition;
    Element element;
  };
  std::mutex infer_mutex;
  std::map<std::string, Compiled> compiled;
};

// The frame as the model's input hand-off, which reads the frame's values
// in place and keeps the frame alive; throws an invalid_input Error naming
// both shapes when the frame's is not the model input's.
Handoff input_handoff(const Graph& graph, std::shared_ptr<const Tensor> frame);

// An output hand-off as float32 values in plain order.
Tensor to_tensor(const Handoff& output);

}  // namespace splitinfer::api
