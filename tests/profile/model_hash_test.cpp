// Profiles are keyed by a hash of what decides timing (structure) and
// calibrations by structure plus weights (content).
#include "profile/model_hash.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "graph/zoo/zoo.h"
#include "profile/machine_id.h"

namespace splitinfer {
namespace {

bool is_hex16(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{16}")); }

TEST(ProfileModelHash, SameModelWithOtherWeightsSharesStructureNotContent) {
  const Graph a = build_zoo_model("lenet5", 1);
  const Graph b = build_zoo_model("lenet5", 2);
  const Graph shape_only = build_zoo_model("lenet5", std::nullopt);
  EXPECT_EQ(structure_hash(a), structure_hash(b));
  EXPECT_EQ(structure_hash(a), structure_hash(shape_only));
  EXPECT_NE(content_hash(a), content_hash(b));
  EXPECT_NE(content_hash(a), content_hash(shape_only));
  EXPECT_EQ(content_hash(a), content_hash(build_zoo_model("lenet5", 1)));
}

TEST(ProfileModelHash, IsSixteenHexDigitsAndDeterministic) {
  const Graph g = build_zoo_model("resnet18", std::nullopt);
  const std::string h = structure_hash(g);
  EXPECT_TRUE(is_hex16(h)) << h;
  EXPECT_TRUE(is_hex16(content_hash(g)));
  EXPECT_EQ(h, structure_hash(g));
  EXPECT_EQ(h, structure_hash(build_zoo_model("resnet18", std::nullopt)));
}

TEST(ProfileModelHash, ZooModelsAllDiffer) {
  std::set<std::string> hashes;
  for (const ZooModelInfo& m : zoo_models())
    hashes.insert(structure_hash(build_zoo_model(m.name, std::nullopt)));
  EXPECT_EQ(hashes.size(), zoo_models().size());
  EXPECT_NE(structure_hash(build_zoo_model("resnet18", std::nullopt)),
            structure_hash(build_zoo_model("resnet50", std::nullopt)));
}

TEST(ProfileModelHash, NamesDoNotCount) {
  const Graph g = build_zoo_model("lenet5", 1);
  Graph renamed = g;
  renamed.name = "my_lenet";
  for (Tensor& t : renamed.tensors) t.name += "_x";
  for (Node& n : renamed.nodes) n.name += "_x";
  EXPECT_EQ(structure_hash(g), structure_hash(renamed));
  EXPECT_EQ(content_hash(g), content_hash(renamed));
}

TEST(ProfileModelHash, AttributesShapesAndWeightsCount) {
  const Graph g = build_zoo_model("lenet5", 1);

  Graph value = g;  // lenet5's conv1 has group 1
  value.nodes[0].attrs.set("group", int64_t{2});
  EXPECT_NE(structure_hash(g), structure_hash(value));

  Graph key = g;
  key.nodes[0].attrs.set("auto_pad", std::string("NOTSET"));
  EXPECT_NE(structure_hash(g), structure_hash(key));

  Graph input = g;
  input.tensor(input.inputs[0]).shape = {1, 1, 28, 28};
  EXPECT_NE(structure_hash(g), structure_hash(input));

  Graph weight = g;
  for (Tensor& t : weight.tensors)
    if (t.role == TensorRole::param) {
      std::vector<float> values(t.floats().begin(), t.floats().end());
      values[0] += 1.0f;
      t.data = make_data(values);
      break;
    }
  EXPECT_EQ(structure_hash(g), structure_hash(weight));
  EXPECT_NE(content_hash(g), content_hash(weight));
}

TEST(ProfileMachineId, NamesCpuAndCoresButNotHost) {
  const std::string id = machine_id();
  EXPECT_TRUE(std::regex_match(id, std::regex(".+ x[1-9][0-9]*"))) << id;
  EXPECT_EQ(id, machine_id());
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  if (std::string(host).size() >= 4) EXPECT_EQ(id.find(host), std::string::npos) << id;
}

}  // namespace
}  // namespace splitinfer
