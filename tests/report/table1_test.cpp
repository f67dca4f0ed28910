// The Table 1 report's formatting: the three column groups stay apart, each
// figure is labelled, missing configurations read n/a.
#include "report/table1.h"

#include <gtest/gtest.h>

namespace splitinfer {
namespace {

Table1 sample() {
  Table1 t;
  t.real_pairs = {{"cpu0:int8", "cpu1:bf16"}, {"cpu0:int8", "cpu1:fp32"}};
  t.sim_elements = {"sim:a", "sim:b"};
  t.sim_link = "pcie3x4";
  t.machine = "test machine";
  t.paper_citation = "Some Paper (2024)";
  t.paper_devices = "DPU INT8 and GPU FP16";
  Table1Row r;
  r.model = "resnet18";
  r.units = 15;
  r.real.push_back({SplitResult{9, 1.5, 1.75, 2.0, "measured"}, std::nullopt});
  r.real.push_back(
      {SplitResult{11, 1.234, 4.5, 4.1, "measured"}, SplitResult{11, 1.1, 4.6, 4.0, "predicted"}});
  r.sim_fitted.direct = SplitResult{9, 1.5, 2.25, 1.0, "simulated"};
  r.paper_direct = SplitResult{10, 1.25, 2.04, 0.0, "published"};
  r.paper_indirect = SplitResult{10, 1.18, 2.15, 0.0, "published"};
  t.rows.push_back(r);
  return t;
}

TEST(Table1Report, MarkdownHasEveryGroupAndFormatsSpeedups) {
  const std::string md = table1_markdown(sample());
  for (const char* heading :
       {"## Measured on the real elements here: cpu0:int8 then cpu1:bf16",
        "## Measured on the real elements here: cpu0:int8 then cpu1:fp32",
        "## Simulated paper devices (not measurements)", "## Published in the paper"})
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  EXPECT_LT(md.find("cpu0:int8 then cpu1:bf16"), md.find("cpu0:int8 then cpu1:fp32"));
  EXPECT_NE(md.find("| resnet18 | 15 | 1.50x | 1.75x | 9 | n/a | n/a | n/a |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| resnet18 | 15 | 1.23x | 4.50x | 11 | 1.10x | 4.60x | 11 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| resnet18 | 15 | 1.50x | 2.25x | 9 | n/a | n/a | n/a |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| resnet18 | 15 | 1.25x | 2.04x | 10 | 1.18x | 2.15x | 10 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("Some Paper (2024)"), std::string::npos);
}

TEST(Table1Report, JsonLabelsEveryFigure) {
  const nlohmann::json j = table1_json(sample());
  const auto& row = j["rows"][0];
  EXPECT_EQ(row["real"][0]["elements"], nlohmann::json({"cpu0:int8", "cpu1:bf16"}));
  EXPECT_TRUE(row["real"][0]["predicted"].is_null());
  EXPECT_EQ(row["real"][1]["measured"]["figure"], "measured");
  EXPECT_EQ(row["simulated"]["direct"]["figure"], "simulated");
  EXPECT_TRUE(row["simulated"]["indirect"].is_null());
  EXPECT_EQ(row["paper"]["indirect"]["split"], 10);
  EXPECT_FALSE(row["paper"]["direct"].contains("period_ms"));
  EXPECT_DOUBLE_EQ(row["real"][1]["measured"]["period_ms"].get<double>(), 4.1);
}

}  // namespace
}  // namespace splitinfer
