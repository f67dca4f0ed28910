// The fitted cost model of simulated elements: the parameters an element's
// spec names under "fit" (efficiencies of op kinds, the per-node overhead)
// chosen so that the roofline of sim_cost.h reproduces the element's
// published whole-model times. Everything else keeps its spec value. The fit
// never sees the split-inference paper's Table 1, which stays the validation
// set (report table1's leave-one-model-out rows).
#pragma once

#include <string>
#include <string_view>

#include "devices/device_spec.h"

namespace splitinfer {

enum class SimModel { spec, fitted };

std::string_view sim_model_name(SimModel model);  // "spec", "fitted"
// Throws an invalid_input Error naming `text` unless it is "spec" or "fitted".
SimModel parse_sim_model(const std::string& text);

// The value of a parameter fit_parameter_names() lists.
double fit_parameter(const SimElementSpec& element, const std::string& name);

// The modelled time of the whole zoo model `model` on `element` (priced with
// the peaks of `fit.measured_on` when `on_measured_device`), in ms.
double simulated_model_ms(const std::string& model, const SimElementSpec& element,
                          bool on_measured_device = false);

// `spec` with its fit parameters fitted to its published times, leaving out
// those of the zoo model `leave_out` (none when empty). An element without a
// fit comes back unchanged, still labelled "spec".
//
// The fit minimises the squared log error of every published time plus a
// weak pull of each parameter towards its spec value (a parameter no figure
// constrains keeps its estimate), by Nelder-Mead over the logarithms of the
// parameters; the result is the same on every run.
SimElementSpec fit_element(const SimElementSpec& spec, const std::string& leave_out = "");

// Every element of `spec` through fit_element.
DeviceCatalog fitted_catalog(const DeviceCatalog& spec, const std::string& leave_out = "");

// The embedded catalog priced by `model`, computed on first use. The fitted
// one is what `plan` and `report table1` use unless told otherwise.
const DeviceCatalog& device_catalog(SimModel model = SimModel::fitted);

}  // namespace splitinfer
