// Node names that carry the PyTorch module hierarchy, as PyTorch 2.x writes
// them: "/layer1/layer1.0/layer1.0.conv1/Conv" is the Conv of module
// "layer1.0.conv1"; "/Flatten" is a functional op at the top level. The
// importer and the exporter share these two functions so that a round trip
// gives back exactly the module a node had.
#pragma once

#include <string>
#include <string_view>

namespace splitinfer::onnx_detail {

// The module of a node named in PyTorch 2.x style, "" for other names. The
// path components before the last (the op) are scopes, each either a full
// dotted name ("layer1.0") or a name relative to its parent ("0"); the module
// is the innermost scope made absolute.
std::string module_from_node_name(std::string_view node_name);

// "/layer1/layer1.0/layer1.0.conv1/OP_PART" for module "layer1.0.conv1";
// "/OP_PART" for the top level. '/' inside names would split differently on
// import, so it is replaced by '_'.
std::string node_name_for_module(std::string_view module, std::string_view op_part);

}  // namespace splitinfer::onnx_detail
