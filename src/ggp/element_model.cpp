#include "ggp/element_model.h"

#include <set>

#include "common/error.h"
#include "ggp/conv_layer.h"
#include "ggp/posynomial_json.h"

namespace splitinfer::ggp {

ElementModel simulated_element_model(const SimElementSpec& spec) {
  const double bytes = bytes_per_value(spec.precision);
  const double ms_per_mac = 2.0 / (spec.peak_ops_per_s * spec.efficiency_of(OpKind::conv)) * 1e3;
  const double ms_per_value = bytes / (spec.memory_bandwidth_gb_s * 1e9) * 1e3;
  // Features: H, W, C, k, N, s.
  Posynomial latency{
      {monomial(6, ms_per_mac, {{0, 1}, {1, 1}, {2, 1}, {3, 2}, {4, 1}, {5, -2}}),  // MACs
       monomial(6, ms_per_value, {{0, 1}, {1, 1}, {2, 1}}),                         // input
       monomial(6, ms_per_value, {{0, 1}, {1, 1}, {4, 1}, {5, -2}}),                // output
       monomial(6, ms_per_value, {{2, 1}, {3, 2}, {4, 1}})}};                       // weights
  if (spec.node_overhead_ms > 0) latency.terms.push_back(monomial(6, spec.node_overhead_ms));
  return {spec.name, latency, "simulated", spec.power_w, bytes, std::nullopt, spec.resources};
}

ElementModel fitted_element_model(const nlohmann::json& fit, const std::string& where) {
  if (!fit.is_object() || !fit.contains("element") || !fit["element"].is_string() ||
      !fit.contains("posynomial"))
    fail(ErrorKind::invalid_input, where + ": not a model written by `splitinfer ggp fit --out`");
  ElementModel m;
  m.name = fit["element"].get<std::string>();
  m.latency_ms = parse_posynomial(fit["posynomial"], conv_feature_names(), where + ": posynomial");
  m.basis = "fitted to measurements";
  m.bytes_per_value = bytes_per_value(parse_element(m.name).precision);
  if (fit.contains("power_w")) {
    if (!fit["power_w"].is_number() || !(fit["power_w"].get<double>() > 0))
      fail(ErrorKind::invalid_input, where + ": \"power_w\" must be a positive number");
    m.power_w = fit["power_w"].get<double>();
  }
  return m;
}

std::vector<ElementModel> element_models(const std::vector<std::string>& devices,
                                         const std::vector<nlohmann::json>& fits,
                                         const DeviceCatalog& catalog) {
  std::vector<ElementModel> models;
  std::set<std::string> seen;
  for (const std::string& device : devices) {
    const size_t at = device.find('@');
    const std::string name = device.substr(0, at);
    if (!seen.insert(name).second)
      fail(ErrorKind::invalid_input, "element '" + name + "' is named twice");
    ElementModel m;
    if (name.starts_with("sim:")) {
      m = simulated_element_model(catalog.find_element(name));
    } else {
      parse_element(name);  // a malformed name says so before "no model"
      const nlohmann::json* fit = nullptr;
      for (const nlohmann::json& f : fits)
        if (f.is_object() && f.value("element", "") == name) fit = &f;
      if (!fit)
        fail(ErrorKind::invalid_input, "no latency model of " + name +
                                           ": fit one with `splitinfer ggp fit --device " + name +
                                           " --out FILE` and pass it with --models FILE");
      m = fitted_element_model(*fit, "the model of " + name);
    }
    if (at != std::string::npos) m.link = to_link(catalog.find_link(device.substr(at + 1)));
    models.push_back(std::move(m));
  }
  if (models.empty()) fail(ErrorKind::invalid_input, "no elements given");
  return models;
}

}  // namespace splitinfer::ggp
