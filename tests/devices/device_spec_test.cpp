// The device spec: the embedded catalog is complete and sourced, malformed
// specs are refused with a one-line message naming the field at fault, and
// the paper's Table 1 is carried as published reference data.
#include "devices/device_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "devices/embedded_data.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

using nlohmann::json;

const char* const kFigures[] = {"precision", "peak_ops_per_s", "memory_bandwidth_gb_s",
                                "node_overhead_ms", "power_w"};
const char* const kOpKinds[] = {"conv", "depthwise_conv", "fully_connected", "pooling",
                                "elementwise"};

TEST(DeviceSpecCatalog, EmbeddedCatalogHasThePaperElementsAndLinks) {
  const DeviceCatalog& catalog = spec_device_catalog();
  std::vector<std::string> elements, links;
  for (const SimElementSpec& e : catalog.elements) elements.push_back(e.name);
  for (const LinkSpec& l : catalog.links) links.push_back(l.name);
  EXPECT_EQ(elements,
            (std::vector<std::string>{"sim:cyclone10gx", "sim:jetson-tx2-cpu", "sim:jetson-tx2-gpu",
                                      "sim:rtx2080", "sim:vck190-dpu"}));
  EXPECT_EQ(links, (std::vector<std::string>{"pcie2x4", "pcie3x4", "shared-memory"}));
  // The paper's pair: an INT8 DPU and an FP16 GPU over an 8 GB/s PCIe Gen3 x4 link.
  EXPECT_EQ(catalog.find_element("sim:vck190-dpu").precision, Precision::int8);
  EXPECT_EQ(catalog.find_element("sim:rtx2080").precision, Precision::fp16);
  EXPECT_DOUBLE_EQ(catalog.find_link("pcie3x4").bandwidth_gb_s, 8.0);
}

TEST(DeviceSpecCatalog, EveryFigureNamesItsSource) {
  for (const SimElementSpec& e : spec_device_catalog().elements) {
    SCOPED_TRACE(e.name);
    const bool has_run_overhead = e.sources.count("run_overhead_ms") != 0;
    EXPECT_EQ(e.sources.size(),
              std::size(kFigures) + std::size(kOpKinds) + (has_run_overhead ? 1 : 0));
    if (has_run_overhead) EXPECT_TRUE(e.sources.at("run_overhead_ms").starts_with("estimate"));
    for (const char* figure : kFigures) EXPECT_FALSE(e.sources.at(figure).empty()) << figure;
    // No vendor publishes per-op efficiencies: each must say it is an estimate.
    for (const char* kind : kOpKinds)
      EXPECT_TRUE(e.sources.at(std::string("efficiency.") + kind).starts_with("estimate")) << kind;
    EXPECT_TRUE(e.sources.at("node_overhead_ms").starts_with("estimate"));
  }
  for (const LinkSpec& l : spec_device_catalog().links) {
    SCOPED_TRACE(l.name);
    EXPECT_FALSE(l.sources.at("latency_ms").empty());
    EXPECT_FALSE(l.sources.at("bandwidth_gb_s").empty());
  }
  EXPECT_TRUE(spec_device_catalog()
                  .find_link("shared-memory")
                  .sources.at("bandwidth_gb_s")
                  .starts_with("estimate"));
}

TEST(DeviceSpecCatalog, SaysItWasNotFittedToThePaper) {
  const json doc = json::parse(embedded_devices_json());
  EXPECT_NE(doc.at("about").get<std::string>().find("NOT fitted"), std::string::npos);
}

TEST(DeviceSpecCatalog, LinksConvertToThePlannersLinkFromTheSpec) {
  const Link link = to_link(spec_device_catalog().find_link("pcie2x4"));
  EXPECT_EQ(link.name, "pcie2x4");
  EXPECT_DOUBLE_EQ(link.latency_ms, 0.01);
  EXPECT_DOUBLE_EQ(link.bandwidth_gb_s, 2.0);
  EXPECT_EQ(link.basis, "spec");
}

TEST(DeviceSpecCatalog, UnknownNamesListTheKnownOnes) {
  try {
    spec_device_catalog().find_element("sim:tpu");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    const std::string m = e.what();
    EXPECT_NE(m.find("'sim:tpu'"), std::string::npos) << m;
    EXPECT_NE(m.find("sim:rtx2080"), std::string::npos) << m;
    EXPECT_NE(m.find("sim:vck190-dpu"), std::string::npos) << m;
  }
  try {
    spec_device_catalog().find_link("nvlink");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'nvlink'"), std::string::npos) << m;
    EXPECT_NE(m.find("pcie3x4"), std::string::npos) << m;
  }
}

// A valid one-element, one-link spec that each bad-spec case breaks in one place.
json valid_spec() {
  json sources_eff, eff;
  for (const char* kind : kOpKinds) {
    eff[kind] = 0.5;
    sources_eff[kind] = "estimate: test";
  }
  json sources = {{"efficiency", sources_eff}};
  for (const char* figure : kFigures) sources[figure] = "test data sheet";
  return {{"elements",
           {{"sim:test",
             {{"precision", "int8"},
              {"peak_ops_per_s", 1e12},
              {"memory_bandwidth_gb_s", 10},
              {"node_overhead_ms", 0.01},
              {"power_w", 5},
              {"efficiency", eff},
              {"sources", sources}}}}},
          {"links",
           {{"test-link",
             {{"latency_ms", 0.1},
              {"bandwidth_gb_s", 1},
              {"sources", {{"latency_ms", "estimate"}, {"bandwidth_gb_s", "spec"}}}}}}}};
}

void expect_rejected(const std::string& text, const std::vector<std::string>& fragments) {
  try {
    parse_device_catalog(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (const std::string& f : fragments) EXPECT_NE(m.find(f), std::string::npos) << m;
  }
}

json& test_element(json& spec) { return spec["elements"]["sim:test"]; }

TEST(DeviceSpecParse, AcceptsTheValidSpec) {
  const DeviceCatalog c = parse_device_catalog(valid_spec().dump());
  const SimElementSpec& e = c.find_element("sim:test");
  EXPECT_EQ(e.precision, Precision::int8);
  EXPECT_DOUBLE_EQ(e.peak_ops_per_s, 1e12);
  EXPECT_DOUBLE_EQ(e.efficiency_of(OpKind::depthwise_conv), 0.5);
  EXPECT_EQ(e.sources.at("efficiency.pooling"), "estimate: test");
  EXPECT_DOUBLE_EQ(c.find_link("test-link").latency_ms, 0.1);
}

TEST(DeviceSpecParse, RejectsMissingFields) {
  json spec = valid_spec();
  test_element(spec).erase("peak_ops_per_s");
  expect_rejected(spec.dump(), {"sim:test", "\"peak_ops_per_s\" is missing"});

  spec = valid_spec();
  test_element(spec)["efficiency"].erase("pooling");
  expect_rejected(spec.dump(), {"sim:test", "efficiency", "\"pooling\" is missing"});

  spec = valid_spec();
  test_element(spec)["sources"].erase("memory_bandwidth_gb_s");
  expect_rejected(spec.dump(), {"sim:test", "sources", "\"memory_bandwidth_gb_s\" is missing"});

  spec = valid_spec();
  test_element(spec)["sources"]["efficiency"]["conv"] = "";
  expect_rejected(spec.dump(), {"sim:test", "\"conv\" must be a non-empty string"});

  spec = valid_spec();
  spec["links"]["test-link"].erase("bandwidth_gb_s");
  expect_rejected(spec.dump(), {"test-link", "\"bandwidth_gb_s\" is missing"});

  spec = valid_spec();
  spec.erase("links");
  expect_rejected(spec.dump(), {"\"links\" is missing"});
}

TEST(DeviceSpecParse, RejectsNonPositivePeaksAndBandwidths) {
  json spec = valid_spec();
  test_element(spec)["peak_ops_per_s"] = 0;
  expect_rejected(spec.dump(), {"sim:test", "\"peak_ops_per_s\" must be positive, not 0"});

  spec = valid_spec();
  test_element(spec)["memory_bandwidth_gb_s"] = -25.6;
  expect_rejected(spec.dump(), {"\"memory_bandwidth_gb_s\" must be positive, not -25.6"});

  spec = valid_spec();
  test_element(spec)["node_overhead_ms"] = -1;
  expect_rejected(spec.dump(), {"\"node_overhead_ms\" must not be negative"});

  spec = valid_spec();
  spec["links"]["test-link"]["bandwidth_gb_s"] = 0;
  expect_rejected(spec.dump(), {"link \"test-link\"", "\"bandwidth_gb_s\" must be positive"});

  spec = valid_spec();
  test_element(spec)["peak_ops_per_s"] = "fast";
  expect_rejected(spec.dump(), {"\"peak_ops_per_s\" must be a number"});
}

TEST(DeviceSpecParse, ReadsResourceModelsOverTheConvFeatures) {
  json spec = valid_spec();
  test_element(spec)["resources"] = {
      {"about", "illustrative"},
      {"M20K",
       {{"maximum", 100},
        {"usage",
         {{{"coefficient", 2}}, {{"coefficient", 0.5}, {"exponents", {{"C", 1}, {"N", 1}}}}}},
        {"source", "test"}}}};
  const SimElementSpec e = parse_device_catalog(spec.dump()).find_element("sim:test");
  ASSERT_EQ(e.resources.size(), 1u);
  EXPECT_EQ(e.resources[0].name, "M20K");
  EXPECT_DOUBLE_EQ(e.resources[0].maximum, 100);
  // H W C k N s = 1 1 4 1 6 1: 2 + 0.5 * 4 * 6.
  EXPECT_DOUBLE_EQ(e.resources[0].usage({1, 1, 4, 1, 6, 1}), 14);
  EXPECT_EQ(e.resources_about, "illustrative");

  test_element(spec)["resources"]["M20K"]["usage"][1]["exponents"]["Q"] = 1;
  expect_rejected(spec.dump(), {"M20K", "unknown variable \"Q\""});
  test_element(spec)["resources"].erase("about");
  test_element(spec)["resources"]["M20K"]["usage"][1]["exponents"].erase("Q");
  expect_rejected(spec.dump(), {"\"about\" is missing"});
}

TEST(DeviceSpecCatalog, TheFpgaCarriesItsResourceMaxima) {
  const SimElementSpec& fpga = spec_device_catalog().find_element("sim:cyclone10gx");
  std::vector<std::string> names;
  for (const ResourceSpec& r : fpga.resources) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ALM", "ALUT", "LAB", "M20K"}));
  EXPECT_DOUBLE_EQ(fpga.resources.at(0).maximum, 80330);  // 10CX220, Device Overview
  EXPECT_NE(fpga.resources_about.find("illustrative"), std::string::npos);
}

// A fit of the test element to three published times.
json test_fit() {
  return {{"about", "test"},
          {"parameters", {"efficiency.conv", "run_overhead_ms"}},
          {"published",
           {{{"model", "resnet18"}, {"ms", 1.0}, {"source", "t"}},
            {{"model", "resnet50"}, {"ms", 2.0}, {"source", "t"}},
            {{"model", "vgg16"}, {"ms", 5.0}, {"source", "t"}}}},
          {"max_error", 0.1}};
}

TEST(DeviceSpecParse, ReadsAFitAndARunOverhead) {
  json spec = valid_spec();
  test_element(spec)["fit"] = test_fit();
  test_element(spec)["fit"]["measured_on"] = {{"device", "sibling"},
                                              {"peak_ops_per_s", 2e12},
                                              {"memory_bandwidth_gb_s", 20},
                                              {"source", "t"}};
  test_element(spec)["run_overhead_ms"] = 0.2;
  test_element(spec)["sources"]["run_overhead_ms"] = "estimate: test";
  const SimElementSpec e = parse_device_catalog(spec.dump()).find_element("sim:test");
  ASSERT_TRUE(e.fit);
  EXPECT_EQ(e.fit->parameters, (std::vector<std::string>{"efficiency.conv", "run_overhead_ms"}));
  ASSERT_EQ(e.fit->published.size(), 3u);
  EXPECT_EQ(e.fit->published[2].model, "vgg16");
  EXPECT_DOUBLE_EQ(e.fit->published[2].ms, 5.0);
  EXPECT_DOUBLE_EQ(e.fit->max_error, 0.1);
  EXPECT_EQ(e.fit->measured_on, "sibling");
  EXPECT_DOUBLE_EQ(e.fit->measured_peak_ops_per_s, 2e12);
  EXPECT_DOUBLE_EQ(e.run_overhead_ms, 0.2);
  EXPECT_EQ(e.cost_model, "spec");  // as written; sim_fit.h fits it

  // Without the figure an element pays nothing per run, and needs no source.
  EXPECT_DOUBLE_EQ(parse_device_catalog(valid_spec().dump()).elements[0].run_overhead_ms, 0.0);
}

TEST(DeviceSpecParse, RejectsBadFits) {
  auto with_fit = [](const std::function<void(json&)>& change) {
    json spec = valid_spec();
    test_element(spec)["fit"] = test_fit();
    change(test_element(spec)["fit"]);
    return spec.dump();
  };
  expect_rejected(with_fit([](json& f) { f["parameters"] = {"efficiency.winograd"}; }),
                  {"fit", "parameter \"efficiency.winograd\" is not one of", "node_overhead_ms"});
  expect_rejected(with_fit([](json& f) { f["published"][0]["model"] = "resnet34"; }),
                  {"published[0]", "\"resnet34\" is not a zoo model"});
  expect_rejected(with_fit([](json& f) { f["published"].erase(2); }),
                  {"\"published\" must list more times than there are parameters (2)"});
  expect_rejected(with_fit([](json& f) { f["published"][1]["ms"] = 0; }),
                  {"published[1]", "\"ms\" must be positive"});
  expect_rejected(with_fit([](json& f) { f.erase("max_error"); }), {"\"max_error\" is missing"});
  expect_rejected(with_fit([](json& f) {
                    f["measured_on"] = {{"device", "x"}};
                  }),
                  {"measured_on", "\"peak_ops_per_s\" is missing"});

  json spec = valid_spec();
  test_element(spec)["run_overhead_ms"] = 0.2;  // a figure without its source
  expect_rejected(spec.dump(), {"sources", "\"run_overhead_ms\" is missing"});
}

TEST(DeviceSpecParse, RejectsEfficienciesOutsideZeroToOne) {
  for (double bad : {0.0, -0.1, 1.5}) {
    json spec = valid_spec();
    test_element(spec)["efficiency"]["conv"] = bad;
    expect_rejected(spec.dump(), {"sim:test", "\"conv\"", "outside (0, 1]"});
  }
  json spec = valid_spec();
  test_element(spec)["efficiency"]["conv"] = 1.0;  // the peak itself is reachable in principle
  EXPECT_NO_THROW(parse_device_catalog(spec.dump()));
}

TEST(DeviceSpecParse, RejectsUnknownOpKindsAndKeys) {
  json spec = valid_spec();
  test_element(spec)["efficiency"]["winograd_conv"] = 0.5;
  expect_rejected(spec.dump(), {"unknown key \"winograd_conv\"", "depthwise_conv"});

  spec = valid_spec();
  test_element(spec)["sources"]["efficiency"]["winograd_conv"] = "estimate";
  expect_rejected(spec.dump(), {"unknown key \"winograd_conv\""});

  spec = valid_spec();
  test_element(spec)["peak_tops"] = 10;  // a typo must not pass silently
  expect_rejected(spec.dump(), {"sim:test", "unknown key \"peak_tops\""});
}

TEST(DeviceSpecParse, RejectsBadNamesPrecisionsAndText) {
  json spec = valid_spec();
  spec["elements"]["tpu"] = test_element(spec);
  expect_rejected(spec.dump(), {"element \"tpu\"", "sim:NAME"});

  spec = valid_spec();
  test_element(spec)["precision"] = "int4";
  expect_rejected(spec.dump(), {"precision \"int4\" is not int8, fp16 or fp32"});

  expect_rejected("{\"elements\": {", {"device spec", "not valid JSON"});
  expect_rejected("[]", {"expected an object"});
}

// ---- the paper's Table 1 ----

TEST(DeviceSpecPaperTable1, HoldsEveryModelAndConfigAsPublished) {
  const json doc = json::parse(embedded_paper_table1_json());
  EXPECT_NE(doc.at("citation").get<std::string>().find("Split CNN Inference"), std::string::npos);
  const std::string devices = doc.at("devices").get<std::string>();
  EXPECT_NE(devices.find("VCK190"), std::string::npos);
  EXPECT_NE(devices.find("INT8"), std::string::npos);
  EXPECT_NE(devices.find("RTX 2080"), std::string::npos);
  EXPECT_NE(devices.find("FP16"), std::string::npos);
  EXPECT_NE(doc.at("note").get<std::string>().find("not measured here"), std::string::npos);

  const json& models = doc.at("models");
  EXPECT_EQ(models.size(), 7u);
  for (const char* model :
       {"resnet18", "resnet50", "resnet101", "resnet152", "vgg16", "mobilenet_v2", "lenet5"}) {
    SCOPED_TRACE(model);
    EXPECT_TRUE(is_zoo_model(model));
    for (const char* config : {"direct", "indirect"}) {
      const json& r = models.at(model).at(config);
      EXPECT_GT(r.at("speedup_over_dpu").get<double>(), 1.0);
      EXPECT_GT(r.at("speedup_over_gpu").get<double>(), 1.0);
      EXPECT_GT(r.at("split_index").get<int>(), 0);
    }
  }
  // Two rows checked against the seed text of the paper.
  const json& vgg = models.at("vgg16");
  EXPECT_DOUBLE_EQ(vgg.at("direct").at("speedup_over_dpu").get<double>(), 2.48);
  EXPECT_DOUBLE_EQ(vgg.at("direct").at("speedup_over_gpu").get<double>(), 1.4);
  EXPECT_EQ(vgg.at("direct").at("split_index").get<int>(), 12);
  EXPECT_EQ(vgg.at("indirect").at("split_index").get<int>(), 17);
  const json& lenet = models.at("lenet5").at("indirect");
  EXPECT_DOUBLE_EQ(lenet.at("speedup_over_gpu").get<double>(), 1.28);
  EXPECT_EQ(lenet.at("split_index").get<int>(), 5);
}

}  // namespace
}  // namespace splitinfer
