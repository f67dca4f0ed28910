#include "ggp/conv_excitation.h"

#include <random>

#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/builder.h"
#include "graph/graph.h"
#include "profile/timing.h"

namespace splitinfer::ggp {

std::vector<ConvLayer> random_conv_layers(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Log-uniform sizes: small and large layers equally represented.
  auto log_uniform = [&](double lo, double hi) {
    return static_cast<int64_t>(std::lround(
        std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng))));
  };
  const int64_t kernels[] = {1, 3, 5};
  std::vector<ConvLayer> layers;
  for (int i = 0; i < count; ++i) {
    ConvLayer l;
    l.h = l.w = log_uniform(7, 112);
    l.c = log_uniform(3, 256);
    l.n = log_uniform(3, 256);
    l.k = kernels[std::uniform_int_distribution<int>(0, 2)(rng)];
    l.stride = std::uniform_int_distribution<int>(1, 2)(rng);
    layers.push_back(l);
  }
  return layers;
}

Graph conv_relu_graph(const ConvLayer& l) {
  GraphBuilder b("conv_relu", 1);
  int x = b.input("input", {1, l.c, l.h, l.w});
  x = b.conv(x, "conv", l.n, l.k, l.stride, l.k / 2, 1, true);
  x = b.relu(x, "relu");
  b.output(x);
  return b.finish();
}

Calibration layer_calibration(const Graph& layer_graph) {
  return calibrate(layer_graph, synthetic_calibration_inputs(layer_graph, 2, 5),
                   CalibrationMethod::minmax);
}

double measure_conv_ms(const ConvLayer& layer, const std::string& element_name, int reps) {
  const Graph graph = conv_relu_graph(layer);
  double ms = 0.0;
  on_own_thread([&] {
    const auto backend = make_backend(element_name);
    enter_element(backend->element());
    const int units = static_cast<int>(graph.units.size());
    std::unique_ptr<Calibration> calibration;
    if (backend->element().precision == Precision::int8)
      calibration = std::make_unique<Calibration>(layer_calibration(graph));
    const auto partition = backend->compile({&graph, 0, units, calibration.get()});
    const Handoff input = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape,
                                               synthetic_calibration_inputs(graph, 1, 6).front());
    ms = time_runs([&] { partition->run(input); }, 2, reps).median_ms;
  });
  return ms;
}

std::vector<Monomial> conv_latency_basis() {
  // Features: H, W, C, k, N, s.
  return {monomial(6, 1e-6, {{0, 1}, {1, 1}, {2, 1}, {3, 2}, {4, 1}, {5, -2}}),  // MACs
          monomial(6, 1e-6, {{0, 1}, {1, 1}, {4, 1}, {5, -2}}),                  // output
          monomial(6, 1e-6, {{0, 1}, {1, 1}, {2, 1}}),                           // input
          monomial(6, 1e-6, {{2, 1}, {3, 2}, {4, 1}}),                           // weights
          monomial(6, 1e-3)};                                                    // fixed cost
}

}  // namespace splitinfer::ggp
