#include "ggp/filter_split_run.h"

#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "common/clock.h"
#include "common/error.h"
#include "common/statistics.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "ggp/conv_excitation.h"
#include "graph/graph.h"

namespace splitinfer::ggp {

namespace {

// The layer with only filters [first, first + count) of `whole`'s
// convolution: the same input, `count` output channels.
Graph filter_slice(const Graph& whole, int64_t first, int64_t count) {
  Graph g = whole;
  for (Node& node : g.nodes) {
    if (node.op != OpType::Conv) continue;
    for (size_t slot = 1; slot < node.inputs.size(); ++slot) {  // weight [N, C, k, k], bias [N]
      Tensor& t = g.tensor(node.inputs[slot]);
      const int64_t per_filter = numel(t.shape) / t.shape[0];
      const std::span<const float> all = t.floats();
      t.data = make_data(all.subspan(static_cast<size_t>(first * per_filter),
                                     static_cast<size_t>(count * per_filter)));
      t.shape[0] = count;
    }
  }
  validate(g);
  return g;
}

// Runs `work(element index, repetition)` on one thread per element, placed
// on it after `setup(element index)`; every repetition starts on all
// threads at once and ends when the last has finished. Returns the wall
// time of each repetition.
template <typename Setup, typename Work>
std::vector<double> run_in_step(size_t elements, int reps, Setup setup, Work work) {
  std::barrier sync(static_cast<std::ptrdiff_t>(elements + 1));
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (size_t e = 0; e < elements; ++e)
    threads.emplace_back([&, e] {
      bool ok = true;
      auto attempt = [&](auto&& step) {
        if (!ok) return;
        try {
          step();
        } catch (...) {
          std::lock_guard lock(error_mutex);
          error = std::current_exception();
          ok = false;
        }
      };
      attempt([&] { setup(e); });
      sync.arrive_and_wait();  // compiled (or failed)
      for (int r = 0; r < reps; ++r) {
        sync.arrive_and_wait();
        attempt([&] { work(e, r); });
        sync.arrive_and_wait();
      }
    });
  sync.arrive_and_wait();
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    const auto start = SteadyClock::now();
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    ms.push_back(ms_since(start));
  }
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return ms;
}

}  // namespace

FilterSplitRun run_filter_split(const ConvLayer& layer, const std::vector<std::string>& elements,
                                const std::vector<int64_t>& filters, int reps) {
  if (filters.size() != elements.size() || elements.empty())
    fail(ErrorKind::invalid_input, "one filter count per element is needed");
  if (std::accumulate(filters.begin(), filters.end(), int64_t{0}) != layer.n ||
      std::any_of(filters.begin(), filters.end(), [](int64_t f) { return f < 0; }))
    fail(ErrorKind::invalid_input,
         "the filter counts do not add up to the layer's " + std::to_string(layer.n));
  for (const std::string& e : elements)
    if (e.starts_with("sim:"))
      fail(ErrorKind::invalid_input, "real split execution needs real elements, not " + e);
  if (reps < 1) fail(ErrorKind::invalid_input, "at least one repetition is needed");

  const Graph whole = conv_relu_graph(layer);
  const Shape in_shape = whole.tensor(whole.inputs.at(0)).shape;
  const Handoff input =
      Handoff::from_floats(in_shape, synthetic_calibration_inputs(whole, 1, 6).front());
  const int64_t plane = layer.out_h() * layer.out_w();

  // INT8 elements code the slices as the whole layer is coded.
  const Calibration calibration = layer_calibration(whole);

  // The unsplit layer on the first element, timed; in float32 on the same
  // core, the values the split is checked against.
  FilterSplitRun r;
  Handoff reference;
  std::unique_ptr<Partition> alone;
  auto compile_on = [&](const std::string& element, const Graph& g) {
    const auto backend = make_backend(element);
    enter_element(backend->element());
    const bool int8 = backend->element().precision == Precision::int8;
    return backend->compile(whole_model(g, int8 ? &calibration : nullptr));
  };
  const std::vector<double> whole_ms = run_in_step(
      1, reps, [&](size_t) { alone = compile_on(elements[0], whole); },
      [&](size_t, int) { alone->run(input); });
  r.whole_ms = median(whole_ms);
  const Element first = parse_element(elements[0]);
  run_in_step(
      1, 1, [&](size_t) { alone = compile_on(first.device + ":fp32", whole); },
      [&](size_t, int) { reference = alone->run(input); });

  // The split: each element's channels land in their place of one output.
  std::vector<size_t> used;
  std::vector<int64_t> first_filter;
  for (size_t e = 0, first = 0; e < elements.size(); first += static_cast<size_t>(filters[e]), ++e)
    if (filters[e] > 0) {
      used.push_back(e);
      first_filter.push_back(static_cast<int64_t>(first));
    }
  std::vector<Graph> slices;
  for (size_t u = 0; u < used.size(); ++u)
    slices.push_back(filter_slice(whole, first_filter[u], filters[used[u]]));
  std::vector<std::unique_ptr<Partition>> parts(used.size());
  // Each element writes its channels in the layout the elements compute in
  // (channels-last on the CPU: a strided copy per pixel), so the timing
  // holds the concatenation and no transposes; INT8 codes are dequantized
  // on the way, inside the timing.
  const bool channels_last = reference.layout() == HandoffLayout::channels_last;
  std::vector<float> output(reference.floats().size());
  const std::vector<double> split_ms = run_in_step(
      used.size(), reps, [&](size_t u) { parts[u] = compile_on(elements[used[u]], slices[u]); },
      [&](size_t u, int) {
        const Handoff mine = parts[u]->run(input);
        const int64_t count = filters[used[u]];
        if (mine.layout() != reference.layout())
          fail(ErrorKind::internal, "the elements of a split answer in different layouts");
        std::vector<float> dequantized;
        if (mine.type() != HandoffType::f32) dequantized = mine.stored_floats();
        const std::span<const float> values =
            mine.type() == HandoffType::f32 ? mine.floats() : std::span<const float>(dequantized);
        if (channels_last)
          for (int64_t p = 0; p < plane; ++p)
            std::memcpy(output.data() + p * layer.n + first_filter[u], values.data() + p * count,
                        static_cast<size_t>(count) * sizeof(float));
        else
          std::memcpy(output.data() + first_filter[u] * plane, values.data(),
                      values.size() * sizeof(float));
      });
  r.split_ms = median(split_ms);

  const std::vector<float> expected = reference.to_floats();
  const std::vector<float> got =
      Handoff::from_floats(reference.shape(), output, reference.layout()).to_floats();
  float peak = 0.0f, worst = 0.0f;
  for (size_t i = 0; i < expected.size(); ++i) {
    peak = std::max(peak, std::abs(expected[i]));
    worst = std::max(worst, std::abs(expected[i] - got[i]));
  }
  r.max_relative_error = peak > 0 ? worst / peak : worst;
  return r;
}

}  // namespace splitinfer::ggp
