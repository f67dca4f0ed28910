// Import-time evaluation of the small integer computations that exporters
// write around static shapes (Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape for x.view(x.size(0), -1), padding arithmetic, ...). Folding them
// away leaves the IR with only the ops that do real work. Internal to
// src/onnx.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "onnx/onnx_proto_util.h"
#include "onnx/onnx_value.h"

namespace splitinfer::onnx_detail {

// Folded tensors are shape arithmetic, or at most a reshaped weight; a
// bigger result means a model splitinfer was not made for (or a hostile one).
inline constexpr int64_t kMaxFoldElements = int64_t{1} << 24;

// Ops fold_node can evaluate when all their inputs are constants.
bool is_foldable(std::string_view op_type);

// Ops that read only the shape of their input (Shape, Size): they fold on an
// activation whose shape is known.
bool reads_only_shape(std::string_view op_type);

// Evaluates `node` (one output) on `inputs`, nullptr marking an omitted
// optional input. Shape and Size accept shape-only values. Throws an Error
// naming the node for inconsistent inputs or results over kMaxFoldElements.
Value fold_node(const NodeRef& node, const std::vector<const Value*>& inputs);

}  // namespace splitinfer::onnx_detail
