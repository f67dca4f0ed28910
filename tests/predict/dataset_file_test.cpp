// The dataset file: a save/load round trip keeps every field exactly, and a
// file that is truncated, corrupt, of another format or inconsistent is
// refused with one line naming the file (and the model at fault).
#include "predict/dataset_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/gzip.h"
#include "predict/random_cnn.h"
#include "support/run_cli.h"

namespace splitinfer::predict {
namespace {

namespace fs = std::filesystem;

// A record with hand-set times over a real model's features.
ModelRecord hand_record(uint64_t seed) {
  RandomCnnOptions shape_only;
  shape_only.weights = false;
  const Graph g = random_cnn(seed, shape_only);
  ModelRecord r;
  r.seed = seed;
  r.name = g.name;
  r.model_hash = "0123456789abcdef";
  r.graph = unit_graph(g);
  r.units = static_cast<int>(r.graph.features.size());
  r.reps = 10;
  const int n = r.units;
  for (int i = 0; i < n; ++i) {
    r.unit_ms[0].push_back(0.01 * (i + 1));
    r.unit_ms[1].push_back(0.03 * (i + 1) + 0.00001);
  }
  for (int k = 0; k <= n; ++k) {
    r.first_ms.push_back(k == 0 ? 0.0 : 0.5 * k);
    r.second_ms.push_back(k == n ? 0.0 : 1.25 * (n - k));
    r.handoff_bytes.push_back(k == 0 || k == n ? 0 : 1000 * k + 8);
    r.latency_ms.push_back(r.first_ms.back() + r.second_ms.back() +
                           (k == 0 || k == n ? 0.0 : 0.03));
    r.period_ms.push_back(std::max(r.first_ms.back(), r.second_ms.back()));
  }
  r.best_latency_split = n;  // 0.5 per unit on the first element beats 1.25 on the second
  r.best_throughput_split = static_cast<int>(
      std::min_element(r.period_ms.begin(), r.period_ms.end()) - r.period_ms.begin());
  return r;
}

Dataset hand_dataset() {
  Dataset d;
  d.machine = "test machine";
  d.link = {"shared-memory queue", 0.0345, std::numeric_limits<double>::infinity(), "measured"};
  d.models = {hand_record(3), hand_record(4)};
  return d;
}

class DatasetFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }

  // The error load_dataset throws for `path`; fails the test if none.
  Error load_error(const std::string& path) const {
    try {
      load_dataset(path);
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
      return e;
    }
    ADD_FAILURE() << path << " loaded";
    return Error(ErrorKind::internal, "");
  }
  // A dataset saved, then its JSON edited by `edit`.
  std::string edited(const std::function<void(nlohmann::json&)>& edit) const {
    const std::string path = dir_ + "/edited.json.gz";
    save_dataset(path, hand_dataset());
    std::ifstream in(path, std::ios::binary);
    const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    nlohmann::json doc = nlohmann::json::parse(gunzip(gz, path, 1 << 30));
    edit(doc);
    write_file_atomically(path, gzip(doc.dump()));
    return path;
  }
  std::string dir_;
};

void expect_same(const ModelRecord& a, const ModelRecord& b) {
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.model_hash, b.model_hash);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.reps, b.reps);
  EXPECT_EQ(a.graph.features, b.graph.features);  // floats, bit for bit
  EXPECT_EQ(a.graph.edges, b.graph.edges);
  EXPECT_EQ(a.unit_ms, b.unit_ms);
  EXPECT_EQ(a.first_ms, b.first_ms);
  EXPECT_EQ(a.second_ms, b.second_ms);
  EXPECT_EQ(a.handoff_bytes, b.handoff_bytes);
  EXPECT_EQ(a.latency_ms, b.latency_ms);
  EXPECT_EQ(a.period_ms, b.period_ms);
  EXPECT_EQ(a.best_latency_split, b.best_latency_split);
  EXPECT_EQ(a.best_throughput_split, b.best_throughput_split);
}

TEST_F(DatasetFile, SaveAndLoadKeepEveryField) {
  const Dataset d = hand_dataset();
  const std::string path = dir_ + "/d.json.gz";
  save_dataset(path, d);
  const Dataset back = load_dataset(path);
  EXPECT_EQ(back.machine, d.machine);
  EXPECT_EQ(back.link.name, d.link.name);
  EXPECT_EQ(back.link.latency_ms, d.link.latency_ms);
  EXPECT_TRUE(std::isinf(back.link.bandwidth_gb_s));
  EXPECT_EQ(back.link.basis, d.link.basis);
  ASSERT_EQ(back.models.size(), 2u);
  for (size_t i = 0; i < 2; ++i) expect_same(back.models[i], d.models[i]);

  Dataset finite = d;
  finite.link.bandwidth_gb_s = 12.5;
  save_dataset(path, finite);
  EXPECT_EQ(load_dataset(path).link.bandwidth_gb_s, 12.5);

  // The pair it was measured on travels with it: the default, or another.
  EXPECT_EQ(back.elements, kDefaultDatasetElements);
  Dataset bf16 = d;
  bf16.elements = {"cpu0:int8", "cpu1:bf16"};
  save_dataset(path, bf16);
  EXPECT_EQ(load_dataset(path).elements, bf16.elements);
}

TEST_F(DatasetFile, TruncatedOrCorruptFilesAreRefused) {
  const std::string path = dir_ + "/d.json.gz";
  save_dataset(path, hand_dataset());
  std::ifstream in(path, std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const std::string truncated = dir_ + "/truncated.json.gz";
  write_file_atomically(truncated, gz.substr(0, gz.size() / 2));
  Error e = load_error(truncated);
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();

  std::string flipped = gz;
  for (size_t i = gz.size() / 3; i < gz.size() / 3 + 16; ++i)
    flipped[i] = static_cast<char>(~flipped[i]);
  const std::string corrupt = dir_ + "/corrupt.json.gz";
  write_file_atomically(corrupt, flipped);
  e = load_error(corrupt);
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(e.what()).find("corrupt gzip"), std::string::npos) << e.what();

  const std::string plain = dir_ + "/plain.json";
  write_file_atomically(plain, "{\"models\": []}");
  EXPECT_EQ(load_error(plain).kind(), ErrorKind::invalid_input);

  const std::string not_json = dir_ + "/not_json.json.gz";
  write_file_atomically(not_json, gzip("{\"format\": \"splitinfer predict dataset\", "));
  e = load_error(not_json);
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();

  EXPECT_EQ(load_error(dir_ + "/missing.json.gz").kind(), ErrorKind::io);
}

TEST_F(DatasetFile, InconsistentContentsNameTheModel) {
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {[](auto& d) { d["format"] = "something else"; }, "not a splitinfer predict dataset"},
      {[](auto& d) { d["version"] = 99; }, "version 99"},
      {[](auto& d) { d["feature_names"][0] = "renamed"; }, "node features"},
      {[](auto& d) { d["elements"].push_back("cpu0:fp32"); }, "must name two elements"},
      {[](auto& d) { d["elements"][1] = "gpu7:fp64"; }, "\"elements\": "},
      {[](auto& d) { d["models"][1].erase("period_ms"); }, "model 1: has no \"period_ms\""},
      {[](auto& d) { d["models"][0]["latency_ms"].erase(0); }, "model 0: \"latency_ms\" has"},
      {[](auto& d) { d["models"][0]["first_ms"][2] = -1.0; }, "model 0: \"first_ms\" holds"},
      {[](auto& d) { d["models"][1]["unit_ms"][1] = "fast"; },
       "model 1: \"unit_ms[1]\" has the wrong type"},
      {[](auto& d) { d["models"][0]["features"][0].erase(0); }, "model 0: a node has 14 features"},
      {[](auto& d) { d["models"][0]["best_latency_split"] = 0; }, "is not a minimum"},
      {[](auto& d) { d["models"][0]["best_throughput_split"] = 1000; }, "outside 0.."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fragment);
    const Error e = load_error(edited(c.edit));
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace splitinfer::predict
