#include "profile/profiler.h"

#include <algorithm>

#include "common/error.h"
#include "exec/calibration.h"
#include "exec/cpu/code_table.h"
#include "exec/cpu/lowering.h"
#include "graph/graph.h"

namespace splitinfer {

namespace {

// Runs of one partition in one pass, then the partners' rendezvous.
std::vector<double> time_partition(Partition& partition, const Handoff& input, int reps,
                                   const ProfileOptions& o) {
  const auto run = [&] { partition.run(input); };
  std::vector<double> ms = time_each_run(run, o.warmup, reps);
  if (o.rendezvous) o.rendezvous(run);
  return ms;
}

void pool(std::vector<double>& into, const std::vector<double>& ms) {
  into.insert(into.end(), ms.begin(), ms.end());
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
  const size_t count = static_cast<size_t>(n);
  auto say = [&](const std::string& what) {
    if (o.progress) o.progress(what);
  };
  if (o.reps < 1) fail(ErrorKind::invalid_input, "the number of repetitions must be at least 1");
  if (o.passes < 1) fail(ErrorKind::invalid_input, "the number of passes must be at least 1");
  const int passes = std::min(o.passes, o.reps);
  ModelProfile p;
  // The whole model is what an element alone runs (split 0 or N), so it is
  // timed without a partner's load. It sets every speedup, so it is timed
  // twice, before and after the rest, and the faster median kept:
  // interference from outside only ever slows a run down.
  const Handoff model_input = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape, input);
  const auto whole = backend.compile({&graph, 0, n, calibration});
  const auto time_whole = [&] {
    say("whole model");
    const auto measure = [&] {
      return time_runs([&] { whole->run(model_input); }, o.warmup, o.reps);
    };
    const TimingStats t = o.alone ? o.alone(measure) : measure();
    if (t.median_ms < p.whole.median_ms || p.whole.reps == 0) p.whole = t;
  };
  time_whole();
  // Each unit is fed the hand-off the previous unit produced, which is what
  // it receives when a cut falls just before it.
  std::vector<Handoff> entering(count + 1);
  entering[0] = model_input;
  std::vector<std::vector<double>> unit_ms(count), prefix_ms(count), suffix_ms(count);
  for (int pass = 0; pass < passes; ++pass) {
    const int reps = o.reps / passes + (pass < o.reps % passes ? 1 : 0);
    const std::string of_pass =
        passes > 1 ? ", pass " + std::to_string(pass + 1) + "/" + std::to_string(passes) : "";
    for (size_t i = 0; i < count; ++i) {
      say("unit " + std::to_string(i + 1) + "/" + std::to_string(n) + of_pass);
      const int first = static_cast<int>(i);
      auto unit = backend.compile({&graph, first, first + 1, calibration});
      if (pass == 0) entering[i + 1] = unit->run(entering[i]);
      pool(unit_ms[i], time_partition(*unit, entering[i], reps, o));
    }
    if (!o.partitions) continue;
    for (int i = 1; i < n; ++i) {
      say("split " + std::to_string(i) + "/" + std::to_string(n - 1) + of_pass);
      const size_t at = static_cast<size_t>(i);
      const auto prefix = [&] {
        auto partition = backend.compile({&graph, 0, i, calibration});
        pool(prefix_ms[at], time_partition(*partition, model_input, reps, o));
      };
      const auto suffix = [&] {
        const Handoff& made = entering[at];
        const Handoff fed = o.suffix_codes
                                ? as_int8_codes(graph, units[at - 1].output, made, *o.suffix_codes)
                                : made;
        auto partition = backend.compile({&graph, i, n, calibration});
        pool(suffix_ms[at], time_partition(*partition, fed, reps, o));
      };
      if (o.suffix_first) {
        suffix();
        prefix();
      } else {
        prefix();
        suffix();
      }
    }
  }
  time_whole();
  for (const std::vector<double>& ms : unit_ms) p.units.push_back(timing_stats(ms));
  if (o.partitions) {
    p.prefixes.resize(count);
    p.suffixes.resize(count);
    for (size_t i = 1; i < count; ++i) {
      p.prefixes[i] = timing_stats(prefix_ms[i]);
      p.suffixes[i] = timing_stats(suffix_ms[i]);
    }
  }
  return p;
}

}  // namespace splitinfer
