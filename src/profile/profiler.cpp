#include "profile/profiler.h"

#include "exec/calibration.h"
#include "exec/cpu/code_table.h"
#include "exec/cpu/lowering.h"
#include "graph/graph.h"

namespace splitinfer {

namespace {

TimingStats time_partition(Partition& partition, const Handoff& input, const ProfileOptions& o) {
  const auto run = [&] { partition.run(input); };
  const TimingStats t = time_runs(run, o.warmup, o.reps);
  if (o.rendezvous) o.rendezvous(run);
  return t;
}

TimingStats time_range(Backend& backend, const Graph& graph, const Calibration* calibration,
                       int first, int last, const Handoff& input, const ProfileOptions& o) {
  auto partition = backend.compile({&graph, first, last, calibration});
  return time_partition(*partition, input, o);
}

// `made`, the tensor `t` crossing a cut, as an INT8 stage would hand it
// over: codes at the calibration's scale, u8 or s8 as calibrated. A tensor
// the calibration never saw stays as it is.
Handoff as_int8_codes(const Graph& graph, int t, const Handoff& made,
                      const Calibration& calibration) {
  const std::string& name = graph.tensor(t).name;
  if (!calibration.has(name)) return made;
  const QuantParams q = cpu::tensor_codes(graph, calibration, t);
  std::vector<uint8_t> codes;
  for (float v : made.to_floats()) codes.push_back(cpu::encode(v, q));
  return Handoff::from_codes(made.shape(), q.is_unsigned ? HandoffType::u8 : HandoffType::s8,
                             std::move(codes), q.scale, q.zero_point);
}

}  // namespace

ModelProfile profile_model(const Graph& graph, Backend& backend, const Calibration* calibration,
                           const std::vector<float>& input, const ProfileOptions& o) {
  const std::vector<Unit>& units = graph.units;
  const int n = static_cast<int>(units.size());
  auto say = [&](const std::string& what) {
    if (o.progress) o.progress(what);
  };
  ModelProfile p;
  // Unit by unit, each fed the hand-off the previous unit produced, which is
  // what that unit receives when a cut falls just before it.
  std::vector<Handoff> entering(static_cast<size_t>(n) + 1);
  entering[0] = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape, input);
  for (int i = 0; i < n; ++i) {
    say("unit " + std::to_string(i + 1) + "/" + std::to_string(n));
    auto unit = backend.compile({&graph, i, i + 1, calibration});
    entering[static_cast<size_t>(i) + 1] = unit->run(entering[static_cast<size_t>(i)]);
    p.units.push_back(time_partition(*unit, entering[static_cast<size_t>(i)], o));
  }
  say("whole model");
  // The whole model is what an element alone runs (split 0 or N), so it is
  // timed without a partner's load. It sets every speedup, so it is timed
  // twice, before and after the splits, and the faster median kept:
  // interference from outside only ever slows a run down.
  const auto whole = backend.compile({&graph, 0, n, calibration});
  const auto time_whole = [&] {
    const auto measure = [&] {
      return time_runs([&] { whole->run(entering[0]); }, o.warmup, o.reps);
    };
    const TimingStats t = o.alone ? o.alone(measure) : measure();
    if (t.median_ms < p.whole.median_ms || p.whole.reps == 0) p.whole = t;
  };
  time_whole();
  if (!o.partitions) {
    time_whole();
    return p;
  }
  p.prefixes.resize(static_cast<size_t>(n));
  p.suffixes.resize(static_cast<size_t>(n));
  for (int i = 1; i < n; ++i) {
    say("split " + std::to_string(i) + "/" + std::to_string(n - 1));
    const auto prefix = [&] {
      p.prefixes[static_cast<size_t>(i)] =
          time_range(backend, graph, calibration, 0, i, entering[0], o);
    };
    const auto suffix = [&] {
      const Handoff& made = entering[static_cast<size_t>(i)];
      p.suffixes[static_cast<size_t>(i)] =
          time_range(backend, graph, calibration, i, n,
                     o.suffix_codes ? as_int8_codes(graph, units[static_cast<size_t>(i) - 1].output,
                                                    made, *o.suffix_codes)
                                    : made,
                     o);
    };
    if (o.suffix_first) {
      suffix();
      prefix();
    } else {
      prefix();
      suffix();
    }
  }
  time_whole();
  return p;
}

}  // namespace splitinfer
