#include "source/model_source.h"

#include "common/error.h"
#include "graph/zoo/zoo.h"
#include "onnx/onnx_import.h"
#include "onnx/onnx_weights.h"

namespace splitinfer {

namespace {

Graph load_graph(const ModelRequest& request) {
  if (!is_zoo_model(request.model)) {
    const bool looks_like_path = request.model.find('/') != std::string::npos ||
                                 request.model.find('.') != std::string::npos;
    if (!looks_like_path) build_zoo_model(request.model, std::nullopt);  // throws "unknown model"
    if (request.weights)
      fail(ErrorKind::invalid_input, "--weights applies to zoo models; '" + request.model +
                                         "' is a file and brings its own weights");
    return import_onnx_file(request.model, parse_input_shapes(request.input_shapes));
  }
  if (!request.input_shapes.empty())
    fail(ErrorKind::invalid_input, "--input-shape applies to ONNX files; zoo model '" +
                                       request.model + "' has a fixed input shape");
  if (request.weights) {
    Graph graph = build_zoo_model(request.model, std::nullopt);
    load_weights_from_onnx(graph, *request.weights);
    return graph;
  }
  return build_zoo_model(
      request.model, request.need_weights ? std::optional<uint64_t>(request.seed) : std::nullopt);
}

}  // namespace

Graph load_model(const ModelRequest& request, Equalization* equalized) {
  Graph graph = load_graph(request);
  if (request.equalize) {
    const Equalization e = equalize_cross_layer(graph);
    if (equalized) *equalized = e;
  }
  return graph;
}

}  // namespace splitinfer
