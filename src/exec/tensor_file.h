// Tensors on disk: raw little-endian float32, NCHW, batch 1 (DESIGN.md).
#pragma once

#include <string>
#include <vector>

#include "graph/tensor.h"

namespace splitinfer {

// Reads a file that must hold exactly the elements of `shape`; an io Error
// for an unreadable file, invalid_input naming both sizes otherwise.
std::vector<float> read_tensor_file(const std::string& path, const Shape& shape);

// Writes atomically (no partial file on failure).
void write_tensor_file(const std::string& path, const std::vector<float>& values);

}  // namespace splitinfer
