// Hashes that identify a model in the profile store and in caches.
//
// Timings depend on what a model computes and on how big it is, not on what
// it is called or which weight values it holds, so profiles are keyed by the
// structure hash: two builds of resnet18 with different weights share their
// timings. Caches of results that do depend on the weights (INT8
// calibrations) use the content hash.
#pragma once

#include <string>

#include "graph/graph.h"

namespace splitinfer {

// 16 lowercase hex digits over op types, attributes, tensor dtypes, roles and
// shapes, the wiring between nodes, the graph inputs and outputs and the
// split-unit boundaries; not over names or weight values. `graph` must be
// validated.
std::string structure_hash(const Graph& graph);

// Like structure_hash, and also over the bytes of every weight and constant
// (shape-only graphs hash as having no data).
std::string content_hash(const Graph& graph);

}  // namespace splitinfer
