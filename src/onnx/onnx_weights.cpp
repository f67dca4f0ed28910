#include "onnx/onnx_weights.h"

#include <unordered_map>

#include "onnx/onnx_proto_util.h"

namespace splitinfer {

using namespace onnx_detail;

void load_weights_from_onnx(Graph& graph, const std::string& path) {
  with_source(path, [&] {
    const onnx::ModelProto model = parse_model(read_model_file(path));
    if (!model.has_graph()) fail(ErrorKind::invalid_input, "the model has no graph");
    std::unordered_map<std::string, const onnx::TensorProto*> initializers;
    for (const onnx::TensorProto& t : model.graph().initializer())
      initializers.emplace(t.name(), &t);

    // Everything is checked before anything is assigned, so that a failure
    // leaves the graph as it was.
    std::vector<std::pair<Tensor*, TensorData>> staged;
    for (Tensor& t : graph.tensors) {
      if (t.role != TensorRole::param && t.role != TensorRole::stat) continue;
      const auto it = initializers.find(t.name);
      if (it == initializers.end())
        fail(ErrorKind::invalid_input, "has no initializer named " + quote(t.name) +
                                           " (a weight of model " + quote(graph.name) + ")");
      const std::string what = "initializer " + quote(t.name);
      const Value v = decode_tensor(*it->second, what);
      if (value_type_dtype(v.type) != t.dtype)
        fail(ErrorKind::invalid_input, what + " is " + value_type_name(v.type) +
                                           ", the model expects " + dtype_name(t.dtype));
      if (v.shape != t.shape)
        fail(ErrorKind::invalid_input, what + " has shape " + shape_to_string(v.shape) +
                                           ", the model expects " + shape_to_string(t.shape));
      staged.emplace_back(&t, v.bytes);
    }
    for (auto& [tensor, data] : staged) tensor->data = std::move(data);
  });
}

}  // namespace splitinfer
