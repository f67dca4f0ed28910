// Specs of the paper's processing elements and links that are not attached
// here (data/devices.json, embedded in the library). Every figure carries the
// public source it came from, or says it is an estimate and why; the cost
// model in sim_cost.h turns the figures into stage times labelled
// "simulated", never measurements.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/link.h"
#include "exec/element.h"
#include "ggp/posynomial.h"

namespace splitinfer {

// The op classes an element's efficiency is given for: accelerators reach
// very different fractions of their peak on each.
enum class OpKind {
  conv,             // dense (and grouped, not depthwise) convolution
  depthwise_conv,   // convolution with group == input channels
  fully_connected,  // Gemm, MatMul
  pooling,          // MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool
  elementwise,      // everything else: BatchNorm, activations, Add, reshapes
};
inline constexpr size_t kOpKindCount = 5;

std::string_view op_kind_name(OpKind kind);  // "conv", "depthwise_conv", ... as in the spec

// A programmable-logic resource of an element (ALMs, M20K blocks, ...): how
// much a layer engine computing a share of a convolution uses, as a
// posynomial over the share's ggp::conv_feature_names(), and the device's
// total.
struct ResourceSpec {
  std::string name;  // "ALM"
  double maximum = 0.0;
  ggp::Posynomial usage;
  std::string source;
};

// A published whole-model time of the element (or of a sibling with the
// same architecture, `SimFitSpec::measured_on`), one image, in ms.
struct PublishedTime {
  std::string model;  // a zoo model
  double ms = 0.0;
  std::string source;  // where it was read and how it became one image's ms
};

// What the fitted cost model of an element is fitted to, and how.
struct SimFitSpec {
  std::string about;                    // how the published figures were taken
  std::vector<std::string> parameters;  // "efficiency.conv", "node_overhead_ms", ...
  std::vector<PublishedTime> published;
  // The fit reproduces every published time within this fraction (a bound
  // stated in the spec and checked by the tests, not read off the fit).
  double max_error = 0.0;
  // When the figures were measured on a sibling device, its name and peaks;
  // the fitted efficiencies are fractions of peak, shared by both.
  std::string measured_on;
  double measured_peak_ops_per_s = 0.0;
  double measured_memory_bandwidth_gb_s = 0.0;
  std::string measured_on_source;
};

// How a fitted element reproduces its published times.
struct SimFitResult {
  std::vector<double> predicted_ms;  // per SimFitSpec::published, in order
  double max_error = 0.0;            // max |predicted / published - 1|
  double rms_log_error = 0.0;        // sqrt(mean(ln(predicted / published)^2))
  std::string left_out;              // a model whose figures the fit did not use
};

struct SimElementSpec {
  std::string name;  // "sim:vck190-dpu"
  std::string description;
  Precision precision = Precision::fp32;  // the one precision the element runs in
  double peak_ops_per_s = 0.0;            // at `precision`; a multiply-accumulate is 2 ops
  double memory_bandwidth_gb_s = 0.0;     // 1 GB/s = 1e9 bytes per second
  double node_overhead_ms = 0.0;          // fixed cost of every node (launch, dispatch)
  double run_overhead_ms = 0.0;  // fixed cost of every stage run, per frame (the call, its sync)
  std::array<double, kOpKindCount> efficiency{};  // fraction of the peak reachable, by OpKind
  double power_w = 0.0;                           // drawn while it computes
  std::vector<ResourceSpec> resources;            // none for a fixed-function element
  std::string resources_about;                    // where the resource models come from
  // Where each figure comes from, by figure name: "peak_ops_per_s",
  // "efficiency.conv", "power_w", ...
  std::map<std::string, std::string> sources;
  // "spec": the figures above, from spec sheets and estimates; "fitted": the
  // parameters of `fit` replaced by their fit to the published times.
  std::string cost_model = "spec";
  std::optional<SimFitSpec> fit;
  std::optional<SimFitResult> fit_result;  // for a fitted element

  double efficiency_of(OpKind kind) const { return efficiency[static_cast<size_t>(kind)]; }
};

struct LinkSpec {
  std::string name;  // "pcie3x4"
  std::string description;
  double latency_ms = 0.0;
  double bandwidth_gb_s = 0.0;
  std::map<std::string, std::string> sources;  // "latency_ms", "bandwidth_gb_s"
};

struct DeviceCatalog {
  std::vector<SimElementSpec> elements;  // sorted by name
  std::vector<LinkSpec> links;           // sorted by name

  // Throw an invalid_input Error naming the unknown name and the known ones.
  const SimElementSpec& find_element(const std::string& name) const;
  const LinkSpec& find_link(const std::string& name) const;
};

// Parses and checks a spec: every field present with its source, peaks and
// bandwidths positive, efficiencies in (0, 1] for exactly the five op kinds.
// Throws an invalid_input Error with a one-line message naming the element or
// link and the field at fault.
DeviceCatalog parse_device_catalog(std::string_view json);

// The catalog embedded from data/devices.json as written there, parsed on
// first use: every element priced by its spec figures. device_catalog() in
// sim_fit.h gives the fitted one.
const DeviceCatalog& spec_device_catalog();

// Every parameter a fit may adjust: "efficiency.<kind>", "node_overhead_ms"
// and "run_overhead_ms".
const std::vector<std::string>& fit_parameter_names();

// The planner's view of a link from the spec (basis "spec").
Link to_link(const LinkSpec& spec);

}  // namespace splitinfer
