// Operator types of the IR.
#pragma once

#include <optional>
#include <string_view>

namespace splitinfer {

enum class OpType {
#define SPLITINFER_OP(name) name,
#include "graph/ops.def"
#undef SPLITINFER_OP
};

std::string_view op_name(OpType op);
// nullopt for a name that is not in ops.def.
std::optional<OpType> op_from_name(std::string_view name);

}  // namespace splitinfer
