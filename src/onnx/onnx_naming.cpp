#include "onnx/onnx_naming.h"

#include <vector>

namespace splitinfer::onnx_detail {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string without_slashes(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '/') c = '_';
  return out;
}

}  // namespace

std::string module_from_node_name(std::string_view node_name) {
  if (node_name.empty() || node_name.front() != '/') return "";
  const auto parts = split_path(node_name.substr(1));
  std::string module;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string_view scope = parts[i];
    if (scope.empty()) continue;
    const bool absolute =
        module.empty() || (scope.size() > module.size() &&
                           scope.substr(0, module.size()) == module && scope[module.size()] == '.');
    module = absolute ? std::string(scope) : module + "." + std::string(scope);
  }
  return module;
}

std::string node_name_for_module(std::string_view module, std::string_view op_part) {
  const std::string clean = without_slashes(module);
  std::string name;
  // One scope per dotted prefix, the way PyTorch names nested modules.
  for (size_t dot = clean.find('.'); !clean.empty(); dot = clean.find('.', dot + 1)) {
    name += "/" + clean.substr(0, dot);
    if (dot == std::string::npos) break;
  }
  return name + "/" + without_slashes(op_part);
}

}  // namespace splitinfer::onnx_detail
