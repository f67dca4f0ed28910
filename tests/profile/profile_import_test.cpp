// Import of external profiles, checked against lenet5, whose 12 units are
// conv1 relu1 pool1 conv2 relu2 pool2 flatten fc1 relu3 fc2 relu4 fc3.
#include "profile/profile_import.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "graph/zoo/zoo.h"
#include "profile_test_util.h"

namespace splitinfer {
namespace {

using nlohmann::json;
using testing::expect_error;
using testing::TempDir;
using testing::write_bytes;

const char* const kLenetUnits[] = {"conv1",   "relu1", "pool1", "conv2", "relu2", "pool2",
                                   "flatten", "fc1",   "relu3", "fc2",   "relu4", "fc3"};

class ProfileImport : public ::testing::Test {
 protected:
  const Graph model = build_zoo_model("lenet5", std::nullopt);
  TempDir dir;

  // Unit i takes (i + 1) / 10 ms; p10 and p90 are given for even units only.
  static json valid_json() {
    json units = json::array();
    for (int i = 0; i < 12; ++i) {
      json u = {{"index", i}, {"name", kLenetUnits[i]}, {"median_ms", (i + 1) / 10.0}};
      if (i % 2 == 0) {
        u["p10_ms"] = (i + 1) / 10.0 - 0.01;
        u["p90_ms"] = (i + 1) / 10.0 + 0.02;
      }
      units.push_back(u);
    }
    return {{"model", "lenet5"},
            {"element", "dpu:int8"},
            {"source_note", "VCK190, Vitis AI 3.0"},
            {"units", units},
            {"splits",
             {{{"split", 3}, {"side", "prefix"}, {"median_ms", 0.5}},
              {{"split", 3},
               {"side", "suffix"},
               {"median_ms", 6.0},
               {"p10_ms", 5.5},
               {"p90_ms", 6.5}}}}};
  }

  static std::string valid_csv() {
    std::string csv = "kind,index,name,median_ms,p10_ms,p90_ms\n";
    for (int i = 0; i < 12; ++i)
      csv += "unit," + std::to_string(i) + "," + kLenetUnits[i] + "," +
             std::to_string((i + 1) / 10.0) + (i % 2 == 0 ? ",0.01,9\n" : ",,\n");
    csv += "prefix,3,,0.5,,\nsuffix,3,,6.0,5.5,6.5\n";
    return csv;
  }

  ExternalProfile import(const std::string& name, const std::string& text,
                         std::optional<std::string> element = std::nullopt) {
    write_bytes(dir.file(name), text);
    return read_external_profile(dir.file(name), model, element);
  }

  // Expects the import of `text` to fail with an invalid_input Error naming
  // the file and containing each of `parts`.
  void expect_rejected(const std::string& name, const std::string& text,
                       std::initializer_list<std::string> parts,
                       std::optional<std::string> element = "dpu:int8") {
    const std::string message =
        expect_error([&] { import(name, text, element); }, ErrorKind::invalid_input, parts);
    EXPECT_EQ(message.rfind(dir.file(name) + ": ", 0), 0u) << message;
  }
};

void expect_valid_ranges(const ExternalProfile& p) {
  EXPECT_EQ(p.element, "dpu:int8");
  ASSERT_EQ(p.timings.size(), 14u);
  // Ordered by range: [0,1) [0,3) [1,2) [2,3) [3,4) [3,12) [4,5) ...
  EXPECT_EQ(p.timings[0].first_unit, 0);
  EXPECT_EQ(p.timings[0].last_unit, 1);
  EXPECT_EQ(p.timings[1].first_unit, 0);
  EXPECT_EQ(p.timings[1].last_unit, 3);
  EXPECT_DOUBLE_EQ(p.timings[1].median_ms, 0.5);
  EXPECT_EQ(p.timings[5].first_unit, 3);
  EXPECT_EQ(p.timings[5].last_unit, 12);
  EXPECT_DOUBLE_EQ(p.timings[5].p90_ms, 6.5);
  const RangeTiming& unit1 = p.timings[2];  // no p10 / p90 given: the median
  EXPECT_EQ(unit1.first_unit, 1);
  EXPECT_DOUBLE_EQ(unit1.median_ms, 0.2);
  EXPECT_DOUBLE_EQ(unit1.p10_ms, 0.2);
  EXPECT_DOUBLE_EQ(unit1.p90_ms, 0.2);
  for (const RangeTiming& t : p.timings) {
    EXPECT_EQ(t.source, "imported");
    EXPECT_EQ(t.reps, 0);
  }
}

TEST_F(ProfileImport, Json) {
  const ExternalProfile p = import("p.json", valid_json().dump(2));
  expect_valid_ranges(p);
  EXPECT_DOUBLE_EQ(p.timings[0].p10_ms, 0.09);
  EXPECT_DOUBLE_EQ(p.timings[0].p90_ms, 0.12);
}

TEST_F(ProfileImport, Csv) {
  expect_valid_ranges(import("p.csv", valid_csv(), "dpu:int8"));
  std::string crlf;
  for (char c : valid_csv()) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  expect_valid_ranges(import("crlf.CSV", "\xEF\xBB\xBF" + crlf, "dpu:int8"));
}

TEST_F(ProfileImport, UnitsOnlyAndCoincidingRanges) {
  json doc = valid_json();
  doc.erase("splits");
  EXPECT_EQ(import("units.json", doc.dump()).timings.size(), 12u);
  // The prefix of split 1 is unit 0 again, the suffix of split 0 the whole
  // model as is the prefix of split 12: the first given is kept.
  doc["splits"] = {{{"split", 1}, {"side", "prefix"}, {"median_ms", 7.0}},
                   {{"split", 12}, {"side", "prefix"}, {"median_ms", 8.0}},
                   {{"split", 0}, {"side", "suffix"}, {"median_ms", 9.0}}};
  const ExternalProfile p = import("same.json", doc.dump());
  ASSERT_EQ(p.timings.size(), 13u);
  EXPECT_DOUBLE_EQ(p.timings[0].median_ms, 0.1);
  EXPECT_EQ(p.timings[1].last_unit, 12);
  EXPECT_DOUBLE_EQ(p.timings[1].median_ms, 8.0);
}

TEST_F(ProfileImport, ElementComesFromTheFileOrTheCaller) {
  EXPECT_EQ(import("same.json", valid_json().dump(), "dpu:int8").element, "dpu:int8");
  json no_element = valid_json();
  no_element.erase("element");
  EXPECT_EQ(import("given.json", no_element.dump(), "gpu:fp16").element, "gpu:fp16");
  expect_rejected("other.json", valid_json().dump(), {"'dpu:int8'", "'gpu:fp16'"}, "gpu:fp16");
  expect_rejected("none.json", no_element.dump(), {"no element"}, std::nullopt);
  expect_rejected("none.csv", valid_csv(), {"no element"}, std::nullopt);
  json empty = valid_json();
  empty["element"] = "";
  expect_rejected("empty.json", empty.dump(), {"empty element"}, std::nullopt);
}

TEST_F(ProfileImport, JsonUnitsThatDisagreeWithTheModel) {
  json doc = valid_json();
  doc["units"].erase(doc["units"].size() - 1);
  expect_rejected("short.json", doc.dump(), {"11 units, model lenet5 has 12"});

  doc = valid_json();
  doc["units"][3]["name"] = "conv3";
  expect_rejected("name.json", doc.dump(),
                  {"units[3]: unit 3 is 'conv2' in the model, the profile says 'conv3'"});

  doc = valid_json();
  doc["units"][11]["index"] = 12;
  doc["units"][11].erase("name");
  expect_rejected("range.json", doc.dump(), {"units[11]", "unit index 12", "0..11"});

  doc = valid_json();
  doc["units"][4]["index"] = 3;
  doc["units"][4]["name"] = "conv2";
  expect_rejected("twice.json", doc.dump(), {"units[4]: unit 3 appears twice (also units[3])"});
}

TEST_F(ProfileImport, JsonTimesAndSplitsThatAreWrong) {
  const std::pair<std::function<void(json&)>, std::vector<std::string>> cases[] = {
      {[](json& d) { d["units"][2]["median_ms"] = -0.1; }, {"units[2]", "median_ms -0.1"}},
      {[](json& d) { d["units"][2]["p10_ms"] = 0.5; }, {"units[2]", "p10_ms 0.5 > median_ms 0.3"}},
      {[](json& d) { d["units"][2]["p90_ms"] = 0.2; }, {"units[2]", "median_ms 0.3 > p90_ms 0.2"}},
      {[](json& d) { d["units"][2].erase("median_ms"); }, {"units[2]", "\"median_ms\" is missing"}},
      {[](json& d) { d["units"][2]["median_ms"] = "fast"; }, {"\"median_ms\" must be a number"}},
      {[](json& d) { d["units"][2]["index"] = 2.5; }, {"\"index\" must be an integer"}},
      {[](json& d) { d["units"][2]["p10"] = 0.1; }, {"units[2]", "unknown key \"p10\""}},
      {[](json& d) { d["unit"] = d["units"]; }, {"unknown key \"unit\""}},
      {[](json& d) { d.erase("units"); }, {"\"units\" is missing"}},
      {[](json& d) { d["units"] = 3; }, {"\"units\" must be an array"}},
      {[](json& d) { d["splits"][0]["split"] = 13; }, {"splits[0]", "split 13", "0..12"}},
      {[](json& d) { d["splits"][0]["split"] = -1; }, {"splits[0]", "split -1"}},
      {[](json& d) { d["splits"][0]["split"] = 0; },
       {"splits[0]", "prefix of split 0 holds no units"}},
      {[](json& d) { d["splits"][1]["split"] = 12; },
       {"splits[1]", "suffix of split 12 holds no units"}},
      {[](json& d) { d["splits"][0]["side"] = "left"; }, {"splits[0]", "\"prefix\" or \"suffix\""}},
      {[](json& d) { d["splits"][1]["side"] = "prefix"; },
       {"splits[1]: prefix of split 3 appears twice (also splits[0])"}},
  };
  for (const auto& [mutate, parts] : cases) {
    json doc = valid_json();
    mutate(doc);
    const std::string message = expect_error([&] { import("bad.json", doc.dump()); },
                                             ErrorKind::invalid_input, {"bad.json: "});
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

TEST_F(ProfileImport, MalformedJson) {
  expect_rejected("broken.json", "{\"units\": [\n{\"index\": 0,\n", {"not valid JSON", "line 3"});
  expect_rejected("array.json", "[1, 2]", {"expected an object"});
  expect_rejected("empty.json", "", {"not valid JSON"});
  json huge = valid_json();
  std::string text = huge.dump();
  text.replace(text.find("0.5"), 3, "1e400");
  expect_rejected("huge.json", text, {"not valid JSON", "1e400"});
}

TEST_F(ProfileImport, CsvRowsThatAreWrong) {
  const std::string header = "kind,index,name,median_ms,p10_ms,p90_ms\n";
  std::string csv = valid_csv();
  // Line 5 is unit 3 (the header is line 1).
  const std::string conv2_row = "unit,3,conv2,";
  const size_t at = csv.find(conv2_row);
  ASSERT_NE(at, std::string::npos);
  std::string renamed = csv;
  renamed.replace(at, conv2_row.size(), "unit,3,layer2.0,");
  expect_rejected("name.csv", renamed,
                  {"line 5: unit 3 is 'conv2' in the model, the profile says 'layer2.0'"});

  std::string short_csv = csv;
  short_csv.erase(at, csv.find('\n', at) + 1 - at);
  expect_rejected("short.csv", short_csv, {"11 units, model lenet5 has 12"});

  expect_rejected("header.csv", "kind,index,name,median\n", {"line 1", "expected the header"});
  expect_rejected("nothing.csv", "", {"empty file"});
  const std::pair<std::string, std::string> rows[] = {
      {"unit,3,conv2,0.4,0.3\n", "line 14: 5 fields, expected 6"},
      {"layer,3,conv2,0.4,,\n", "line 14: kind 'layer' is not unit, prefix or suffix"},
      {"prefix,three,,0.4,,\n", "line 14: index 'three' is not an integer"},
      {"prefix,3,,fast,,\n", "line 14: median_ms 'fast' is not a number"},
      {"prefix,3,,,,\n", "line 14: median_ms '' is not a number"},
      {"prefix,4,,inf,,\n", "line 14: median_ms inf is not a finite time >= 0"},
      {"prefix,4,,nan,,\n", "line 14: median_ms nan is not a finite time >= 0"},
      {"prefix,4,,0.4,0.5,\n", "line 14: p10_ms 0.5 > median_ms 0.4"},
      {"prefix,13,,0.4,,\n", "line 14: split 13 is out of range 0..12 of model lenet5"},
      {"suffix,12,,0.4,,\n", "line 14: the suffix of split 12 holds no units"},
  };
  // Units 0..10 on lines 2..12, a prefix on line 13, the row under test on
  // line 14 and unit 11 on line 15.
  std::string first_units = header;
  for (int i = 0; i < 11; ++i)
    first_units += "unit," + std::to_string(i) + "," + kLenetUnits[i] + ",0.1,,\n";
  first_units += "prefix,3,,0.5,,\n";
  for (const auto& [row, expected] : rows)
    expect_rejected("bad.csv", first_units + row + "unit,11,fc3,0.1,,\n", {expected});
  expect_rejected("twice.csv", first_units + "unit,3,conv2,0.4,,\n",
                  {"line 14: unit 3 appears twice (also line 5)"});
}

TEST_F(ProfileImport, FileProblems) {
  expect_rejected("p.txt", valid_csv(), {"unknown profile format '.txt'", ".json or .csv"});
  expect_error([&] { read_external_profile(dir.file("missing.json"), model, std::nullopt); },
               ErrorKind::io, {"missing.json", "cannot read"});
  std::filesystem::create_directory(dir.file("folder.csv"));
  expect_error([&] { read_external_profile(dir.file("folder.csv"), model, "dpu:int8"); },
               ErrorKind::io, {"folder.csv", "directory"});
}

}  // namespace
}  // namespace splitinfer
