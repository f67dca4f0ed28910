// What each measurement of profile_model is fed: units and prefixes the
// float tensors of the model, suffixes the INT8 codes an INT8 stage hands
// over when the profile is for a float element after an INT8 one (issue 16:
// a stage is profiled on the input it will really receive).
#include "profile/profiler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/builder.h"
#include "graph/units.h"
#include "support/five_unit_graph.h"

namespace splitinfer {
namespace {

// One partition run: its units and the type of the hand-off it was fed.
using Fed = std::tuple<int, int, HandoffType>;

// Runs nothing: records what each partition is fed and returns zeros of the
// shape its last unit makes, as float32.
class RecordingBackend : public Backend {
 public:
  explicit RecordingBackend(const Graph& graph) : graph_(graph), units_(split_units(graph)) {}
  const Element& element() const override { return element_; }
  std::unique_ptr<Partition> compile(const PartitionRequest& r) override {
    const int last_tensor = r.last_unit == static_cast<int>(units_.size())
                                ? graph_.outputs.at(0)
                                : units_[static_cast<size_t>(r.last_unit) - 1].output;
    return std::make_unique<RecordingPartition>(r.first_unit, r.last_unit,
                                                graph_.tensor(last_tensor).shape, fed);
  }
  std::vector<Fed> fed;

 private:
  class RecordingPartition : public Partition {
   public:
    RecordingPartition(int first, int last, Shape out, std::vector<Fed>& fed)
        : first_(first), last_(last), out_(std::move(out)), fed_(fed) {}
    Handoff run(const Handoff& input) override {
      fed_.emplace_back(first_, last_, input.type());
      return Handoff::from_floats(out_, std::vector<float>(static_cast<size_t>(numel(out_)), 0.5f));
    }

   private:
    int first_, last_;
    Shape out_;
    std::vector<Fed>& fed_;
  };

  const Graph& graph_;
  std::vector<Unit> units_;
  Element element_ = parse_element("cpu0:fp32");
};

// The types fed to the suffixes [i, N), i = 1..N-1, by i, and to everything else.
std::pair<std::map<int, HandoffType>, std::vector<HandoffType>> fed_types(
    const std::vector<Fed>& fed, int n) {
  std::map<int, HandoffType> suffixes;
  std::vector<HandoffType> others;
  for (const auto& [first, last, type] : fed)
    if (first > 0 && last == n) suffixes[first] = type;
    else others.push_back(type);
  return {suffixes, others};
}

TEST(Profiler, SuffixesAfterAnInt8StageAreTimedOnItsCodes) {
  const Graph g = testing::five_unit_graph(7);
  const int n = static_cast<int>(g.units.size());
  const Calibration calibration =
      calibrate(g, synthetic_calibration_inputs(g, 2, 1), CalibrationMethod::minmax);
  const std::vector<float> input(4 * 8 * 8, 0.25f);
  ProfileOptions o;
  o.warmup = 0;
  o.reps = 1;

  RecordingBackend plain(g);
  profile_model(g, plain, nullptr, input, o);
  const auto [plain_suffixes, plain_others] = fed_types(plain.fed, n);
  ASSERT_EQ(plain_suffixes.size(), static_cast<size_t>(n - 1));
  for (const auto& [cut, t] : plain_suffixes) EXPECT_EQ(t, HandoffType::f32) << cut;

  o.suffix_codes = &calibration;
  RecordingBackend after_int8(g);
  profile_model(g, after_int8, nullptr, input, o);
  const auto [suffixes, others] = fed_types(after_int8.fed, n);
  ASSERT_EQ(suffixes.size(), plain_suffixes.size());
  // Codes wherever the calibration knows the tensor crossing the cut (those
  // an INT8 stage hands over); the float tensor where it does not.
  const std::vector<Unit> units = split_units(g);
  int fed_codes = 0;
  for (const auto& [cut, t] : suffixes) {
    const bool known = calibration.has(g.tensor(units[static_cast<size_t>(cut) - 1].output).name);
    fed_codes += known;
    EXPECT_EQ(t == HandoffType::s8 || t == HandoffType::u8, known) << cut;
  }
  EXPECT_GE(fed_codes, 2);
  // Units, prefixes and the whole model still start from the float input.
  EXPECT_EQ(others, plain_others);
  for (HandoffType t : others) EXPECT_EQ(t, HandoffType::f32);
}

// How many separate stretches of runs the partition [first, last) got.
int stretches(const std::vector<Fed>& fed, int first, int last) {
  int count = 0;
  bool in_stretch = false;
  for (const auto& [f, l, type] : fed) {
    const bool mine = f == first && l == last;
    count += mine && !in_stretch;
    in_stretch = mine;
  }
  return count;
}

TEST(Profiler, PassesSpreadEachPartitionsRunsOverTheProfile) {
  const Graph g = testing::five_unit_graph(7);
  const int n = static_cast<int>(g.units.size());
  ASSERT_GE(n, 4);
  const std::vector<float> input(4 * 8 * 8, 0.25f);
  ProfileOptions o;
  o.warmup = 0;
  o.reps = 7;
  for (const int passes : {1, 3}) {
    SCOPED_TRACE(passes);
    o.passes = passes;
    RecordingBackend backend(g);
    const ModelProfile p = profile_model(g, backend, nullptr, input, o);
    // Each partition's runs of every pass pooled into one summary.
    for (const TimingStats& t : p.units) EXPECT_EQ(t.reps, 7);
    for (int i = 1; i < n; ++i) {
      EXPECT_EQ(p.prefixes[static_cast<size_t>(i)].reps, 7);
      EXPECT_EQ(p.suffixes[static_cast<size_t>(i)].reps, 7);
    }
    EXPECT_EQ(p.whole.reps, 7);
    // Each partition inside the model (neither the first unit, the last unit
    // nor the whole model, which others share) is timed once per pass.
    EXPECT_EQ(stretches(backend.fed, 1, 2), passes);
    EXPECT_EQ(stretches(backend.fed, 0, 2), passes);
    EXPECT_EQ(stretches(backend.fed, 1, n), passes);
    const auto runs =
        std::count(backend.fed.begin(), backend.fed.end(), Fed{0, 2, HandoffType::f32});
    EXPECT_EQ(runs, 7);
  }
  // More passes than runs: one run a pass.
  o.passes = 50;
  RecordingBackend backend(g);
  profile_model(g, backend, nullptr, input, o);
  EXPECT_EQ(stretches(backend.fed, 0, 2), 7);
}

}  // namespace
}  // namespace splitinfer
