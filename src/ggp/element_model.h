// A processing element as the geometric programs see it: a posynomial
// latency model of a convolution share, its power, the link to the host
// that holds the layer's tensors, and, for programmable logic, the
// resources a share uses. Simulated elements get their models from the
// spec (data/devices.json); real ones from `splitinfer ggp fit --out`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "devices/device_spec.h"
#include "devices/sim_fit.h"
#include "ggp/posynomial.h"
#include "plan/link.h"

namespace splitinfer::ggp {

struct ElementModel {
  std::string name;
  Posynomial latency_ms;         // over conv_feature_names(), of the share the element runs
  std::string basis;             // "simulated" or "fitted to measurements"
  double power_w = 0.0;          // 0: not known, and the energy objective refuses the element
  double bytes_per_value = 4.0;  // of the tensors it exchanges with the host
  std::optional<Link> link;      // to the host; none: it shares the host's memory
  std::vector<ResourceSpec> resources;
};

// From the spec's roofline figures, as a posynomial: the fixed per-node cost
// plus the compute time of the MACs at the convolution efficiency plus the
// memory time of input, output and weights. The roofline takes the longer
// of the last two; their sum, which a posynomial can express, bounds it
// within a factor of two.
ElementModel simulated_element_model(const SimElementSpec& spec);

// From the JSON document `ggp fit --out` writes; throws an invalid_input
// Error naming `where` when it is not one.
ElementModel fitted_element_model(const nlohmann::json& fit, const std::string& where);

// The elements of `--devices A,B@LINK,...`: a simulated element from the
// catalog, a real one from the fit among `fits` (documents of `ggp fit
// --out`) that names it. `@LINK` puts the element behind a catalog link
// from the host; without it the element shares the host's memory. Throws
// an invalid_input Error for an unknown element or link, a real element no
// fit names, or an element named twice.
std::vector<ElementModel> element_models(const std::vector<std::string>& devices,
                                         const std::vector<nlohmann::json>& fits,
                                         const DeviceCatalog& catalog = device_catalog());

}  // namespace splitinfer::ggp
