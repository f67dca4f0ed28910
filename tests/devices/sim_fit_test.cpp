// The fitted cost model: a fit recovers the figures that made its published
// times, the embedded fits reproduce their published whole-model times within
// the error their spec states, leaving a model out really leaves its time out,
// and a sibling device's times are priced on the sibling's peaks.
#include "devices/sim_fit.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "devices/sim_cost.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

using nlohmann::json;

const char* const kModels[] = {"resnet18", "resnet50", "vgg16", "mobilenet_v2", "resnet101"};

// An INT8 element with round figures and no fit.
json element_json(double conv, double node_overhead_ms, double run_overhead_ms) {
  json sources = {
      {"precision", "t"},        {"peak_ops_per_s", "t"},  {"memory_bandwidth_gb_s", "t"},
      {"node_overhead_ms", "t"}, {"run_overhead_ms", "t"}, {"power_w", "t"}};
  json efficiency = {{"conv", conv},
                     {"depthwise_conv", 0.05},
                     {"fully_connected", 0.2},
                     {"pooling", 0.1},
                     {"elementwise", 0.1}};
  for (const auto& item : efficiency.items()) sources["efficiency"][item.key()] = "t";
  return {{"precision", "int8"},
          {"peak_ops_per_s", 4e12},
          {"memory_bandwidth_gb_s", 50},
          {"node_overhead_ms", node_overhead_ms},
          {"run_overhead_ms", run_overhead_ms},
          {"power_w", 1},
          {"efficiency", efficiency},
          {"sources", sources}};
}

SimElementSpec parse_element(const json& element) {
  const json doc = {{"elements", {{"sim:test", element}}},
                    {"links",
                     {{"l",
                       {{"latency_ms", 0},
                        {"bandwidth_gb_s", 1},
                        {"sources", {{"latency_ms", "t"}, {"bandwidth_gb_s", "t"}}}}}}}};
  return parse_device_catalog(doc.dump()).find_element("sim:test");
}

// The element of figures (conv 0.3, 0.01 ms a node, 0.05 ms a run) priced
// on kModels: times a fit started elsewhere must find its way back to.
json published_by_truth() {
  const SimElementSpec truth = parse_element(element_json(0.3, 0.01, 0.05));
  json published = json::array();
  for (const char* m : kModels)
    published.push_back({{"model", m}, {"ms", simulated_model_ms(m, truth)}, {"source", "truth"}});
  return published;
}

// `start` with a fit of its conv efficiency and overheads to `published`.
SimElementSpec with_fit(json start, const json& published) {
  start["fit"] = {{"about", "test"},
                  {"parameters", {"efficiency.conv", "node_overhead_ms", "run_overhead_ms"}},
                  {"published", published},
                  {"max_error", 0.01}};
  return parse_element(start);
}

TEST(SimFit, RecoversTheFiguresThatMadeItsPublishedTimes) {
  const json published = published_by_truth();
  const SimElementSpec fitted = fit_element(with_fit(element_json(0.6, 0.02, 0.1), published));
  EXPECT_EQ(fitted.cost_model, "fitted");
  ASSERT_TRUE(fitted.fit_result);
  EXPECT_LT(fitted.fit_result->max_error, 0.01);
  for (size_t i = 0; i < std::size(kModels); ++i)
    EXPECT_NEAR(fitted.fit_result->predicted_ms[i] / published[i]["ms"].get<double>(), 1.0, 0.01)
        << kModels[i];
  // The start (twice each figure) pulls weakly: the figures come back close to the truth.
  EXPECT_NEAR(fitted.efficiency_of(OpKind::conv), 0.3, 0.03);
  EXPECT_NEAR(fitted.node_overhead_ms, 0.01, 0.001);
  // A run's 0.05 ms is a sliver of these models' times: the weak pull keeps it
  // between the truth and the start.
  EXPECT_GT(fitted.run_overhead_ms, 0.04);
  EXPECT_LT(fitted.run_overhead_ms, 0.1);
  // What the fit does not name keeps its spec value.
  EXPECT_DOUBLE_EQ(fitted.efficiency_of(OpKind::depthwise_conv), 0.05);
}

TEST(SimFit, LeavingAModelOutIgnoresItsTime) {
  json published = published_by_truth();
  const json start = element_json(0.6, 0.02, 0.1);
  const SimElementSpec left_out = fit_element(with_fit(start, published), "vgg16");
  published[2]["ms"] = published[2]["ms"].get<double>() * 100;  // vgg16, wildly off
  const SimElementSpec spec = with_fit(start, published);
  const SimElementSpec without = fit_element(spec, "vgg16");
  const SimElementSpec with = fit_element(spec);
  EXPECT_EQ(without.fit_result->left_out, "vgg16");
  // The same fit as with vgg16's true time: its time never entered.
  EXPECT_DOUBLE_EQ(without.efficiency_of(OpKind::conv), left_out.efficiency_of(OpKind::conv));
  EXPECT_DOUBLE_EQ(without.node_overhead_ms, left_out.node_overhead_ms);
  EXPECT_LT(without.fit_result->max_error, 0.01);  // over the times it used
  // Not leaving it out, the fit is pulled far from the truth.
  EXPECT_GT(with.fit_result->max_error, 0.5);
}

TEST(SimFit, SameSpecSameFit) {
  const SimElementSpec& dpu = device_catalog(SimModel::spec).find_element("sim:vck190-dpu");
  const SimElementSpec a = fit_element(dpu), b = fit_element(dpu);
  for (size_t k = 0; k < kOpKindCount; ++k) EXPECT_EQ(a.efficiency[k], b.efficiency[k]);
  EXPECT_EQ(a.node_overhead_ms, b.node_overhead_ms);
  EXPECT_EQ(a.run_overhead_ms, b.run_overhead_ms);
}

TEST(SimFit, PricesASiblingsTimesOnTheSiblingsPeaks) {
  const json published = published_by_truth();  // made at 4e12 ops/s and 50 GB/s
  json start = element_json(0.6, 0.02, 0.1);
  start["peak_ops_per_s"] = 1e12;  // this element: a quarter of the sibling's peaks
  start["memory_bandwidth_gb_s"] = 12.5;
  SimElementSpec spec = with_fit(start, published);
  spec.fit->measured_on = "sibling";
  spec.fit->measured_peak_ops_per_s = 4e12;
  spec.fit->measured_memory_bandwidth_gb_s = 50;
  const SimElementSpec fitted = fit_element(spec);
  EXPECT_NEAR(fitted.efficiency_of(OpKind::conv), 0.3, 0.03);  // fractions of peak carry over
  for (size_t i = 0; i < std::size(kModels); ++i) {
    const double ms = published[i]["ms"].get<double>();
    EXPECT_NEAR(simulated_model_ms(kModels[i], fitted, true) / ms, 1.0, 0.01) << kModels[i];
    EXPECT_GT(simulated_model_ms(kModels[i], fitted), 1.5 * ms) << kModels[i];  // slower peaks
  }
}

// The bound each embedded fit states is checked here, not read off the fit.
TEST(SimFit, EmbeddedFitsReproduceTheirPublishedTimesWithinTheirStatedError) {
  const DeviceCatalog& spec = device_catalog(SimModel::spec);
  const DeviceCatalog& fitted = device_catalog(SimModel::fitted);
  ASSERT_EQ(spec.elements.size(), fitted.elements.size());
  int with_fit = 0;
  for (size_t i = 0; i < spec.elements.size(); ++i) {
    const SimElementSpec& s = spec.elements[i];
    const SimElementSpec& f = fitted.elements[i];
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.cost_model, "spec");
    if (!s.fit) {
      EXPECT_EQ(f.cost_model, "spec");
      EXPECT_EQ(f.efficiency, s.efficiency);
      continue;
    }
    ++with_fit;
    EXPECT_EQ(f.cost_model, "fitted");
    for (const PublishedTime& t : s.fit->published) {
      const double ms = simulated_model_ms(t.model, f, true);
      EXPECT_LE(std::abs(ms / t.ms - 1.0), s.fit->max_error)
          << t.model << ": " << ms << " ms against " << t.ms << " published";
    }
  }
  // The paper's DPU and GPU and the TX2 GPU have published whole-model times.
  EXPECT_EQ(with_fit, 3);
}

TEST(SimFit, SimModelNames) {
  EXPECT_EQ(parse_sim_model("spec"), SimModel::spec);
  EXPECT_EQ(parse_sim_model("fitted"), SimModel::fitted);
  EXPECT_EQ(sim_model_name(SimModel::fitted), "fitted");
  try {
    parse_sim_model("measured");
    ADD_FAILURE() << "accepted 'measured'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("'measured'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace splitinfer
