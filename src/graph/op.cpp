#include "graph/op.h"

#include <array>

namespace splitinfer {
namespace {

constexpr std::array kOpNames = {
#define SPLITINFER_OP(name) std::string_view(#name),
#include "graph/ops.def"
#undef SPLITINFER_OP
};

}  // namespace

std::string_view op_name(OpType op) { return kOpNames.at(static_cast<size_t>(op)); }

std::optional<OpType> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i)
    if (kOpNames[i] == name) return static_cast<OpType>(i);
  return std::nullopt;
}

}  // namespace splitinfer
