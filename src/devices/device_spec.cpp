#include "devices/device_spec.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"
#include "devices/embedded_data.h"
#include "ggp/conv_layer.h"
#include "ggp/posynomial_json.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

using nlohmann::json;

constexpr std::array<OpKind, kOpKindCount> kOpKinds = {OpKind::conv, OpKind::depthwise_conv,
                                                       OpKind::fully_connected, OpKind::pooling,
                                                       OpKind::elementwise};

[[noreturn]] void reject(const std::string& where, const std::string& what) {
  fail(ErrorKind::invalid_input, "device spec: " + where + ": " + what);
}

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

void check_keys(const json& obj, const std::string& where, const std::set<std::string>& allowed) {
  if (!obj.is_object()) reject(where, "expected an object");
  for (const auto& item : obj.items())
    if (!allowed.count(item.key()))
      reject(where, "unknown key \"" + item.key() + "\" (expected " +
                        joined({allowed.begin(), allowed.end()}) + ")");
}

const json& required(const json& obj, const std::string& where, const std::string& key) {
  if (!obj.contains(key)) reject(where, "\"" + key + "\" is missing");
  return obj[key];
}

std::string required_string(const json& obj, const std::string& where, const std::string& key) {
  const json& v = required(obj, where, key);
  if (!v.is_string() || v.get<std::string>().empty())
    reject(where, "\"" + key + "\" must be a non-empty string");
  return v.get<std::string>();
}

std::string optional_string(const json& obj, const std::string& where, const std::string& key) {
  return obj.contains(key) ? required_string(obj, where, key) : std::string();
}

double required_number(const json& obj, const std::string& where, const std::string& key) {
  const json& v = required(obj, where, key);
  if (!v.is_number()) reject(where, "\"" + key + "\" must be a number");
  return v.get<double>();
}

double positive(const json& obj, const std::string& where, const std::string& key) {
  const double v = required_number(obj, where, key);
  if (!(v > 0)) reject(where, "\"" + key + "\" must be positive, not " + obj[key].dump());
  return v;
}

double non_negative(const json& obj, const std::string& where, const std::string& key) {
  const double v = required_number(obj, where, key);
  if (!(v >= 0)) reject(where, "\"" + key + "\" must not be negative, not " + obj[key].dump());
  return v;
}

Precision parse_precision(const json& obj, const std::string& where) {
  const std::string p = required_string(obj, where, "precision");
  if (p == "int8") return Precision::int8;
  if (p == "fp16") return Precision::fp16;
  if (p == "fp32") return Precision::fp32;
  reject(where, "precision \"" + p + "\" is not int8, fp16 or fp32");
}

std::set<std::string> op_kind_names() {
  std::set<std::string> names;
  for (OpKind k : kOpKinds) names.insert(std::string(op_kind_name(k)));
  return names;
}

// Every figure of a spec names its source; `figures` are the keys of the
// "sources" object that must be there.
std::map<std::string, std::string> parse_sources(const json& obj, const std::string& where,
                                                 const std::set<std::string>& figures) {
  const std::string sources_where = where + ": sources";
  const json& sources = required(obj, where, "sources");
  check_keys(sources, sources_where, figures);
  std::map<std::string, std::string> out;
  for (const std::string& figure : figures) {
    if (figure != "efficiency") {
      out[figure] = required_string(sources, sources_where, figure);
      continue;
    }
    const json& by_kind = required(sources, sources_where, "efficiency");
    check_keys(by_kind, sources_where + ".efficiency", op_kind_names());
    for (OpKind k : kOpKinds) {
      const std::string kind(op_kind_name(k));
      out["efficiency." + kind] = required_string(by_kind, sources_where + ".efficiency", kind);
    }
  }
  return out;
}

std::vector<ResourceSpec> parse_resources(const json& obj, const std::string& where,
                                          std::string& about) {
  std::vector<ResourceSpec> resources;
  for (const auto& item : obj.items()) {
    if (item.key() == "about") {
      about = required_string(obj, where, "about");
      continue;
    }
    const std::string r_where = where + ": " + item.key();
    check_keys(item.value(), r_where, {"maximum", "usage", "source"});
    ResourceSpec r;
    r.name = item.key();
    r.maximum = positive(item.value(), r_where, "maximum");
    r.usage =
        ggp::parse_posynomial(required(item.value(), r_where, "usage"), ggp::conv_feature_names(),
                              "device spec: " + r_where + ": usage");
    r.source = required_string(item.value(), r_where, "source");
    resources.push_back(r);
  }
  if (about.empty()) reject(where, "\"about\" is missing: say where the resource models come from");
  return resources;
}

PublishedTime parse_published_time(const json& obj, const std::string& where) {
  check_keys(obj, where, {"model", "ms", "source"});
  PublishedTime t;
  t.model = required_string(obj, where, "model");
  if (!is_zoo_model(t.model)) reject(where, "\"" + t.model + "\" is not a zoo model");
  t.ms = positive(obj, where, "ms");
  t.source = required_string(obj, where, "source");
  return t;
}

SimFitSpec parse_fit(const json& obj, const std::string& where) {
  check_keys(obj, where, {"about", "parameters", "published", "max_error", "measured_on"});
  SimFitSpec fit;
  fit.about = required_string(obj, where, "about");
  const json& parameters = required(obj, where, "parameters");
  const std::vector<std::string>& known = fit_parameter_names();
  if (!parameters.is_array() || parameters.empty())
    reject(where, "\"parameters\" must be a non-empty list");
  for (const json& p : parameters) {
    if (!p.is_string() ||
        std::find(known.begin(), known.end(), p.get<std::string>()) == known.end())
      reject(where, "parameter " + p.dump() + " is not one of " + joined(known));
    fit.parameters.push_back(p.get<std::string>());
  }
  const json& published = required(obj, where, "published");
  if (!published.is_array() || published.size() < fit.parameters.size() + 1)
    reject(where, "\"published\" must list more times than there are parameters (" +
                      std::to_string(fit.parameters.size()) + ")");
  for (size_t i = 0; i < published.size(); ++i)
    fit.published.push_back(
        parse_published_time(published[i], where + ": published[" + std::to_string(i) + "]"));
  fit.max_error = positive(obj, where, "max_error");
  if (obj.contains("measured_on")) {
    const std::string on_where = where + ": measured_on";
    const json& on = obj["measured_on"];
    check_keys(on, on_where, {"device", "peak_ops_per_s", "memory_bandwidth_gb_s", "source"});
    fit.measured_on = required_string(on, on_where, "device");
    fit.measured_peak_ops_per_s = positive(on, on_where, "peak_ops_per_s");
    fit.measured_memory_bandwidth_gb_s = positive(on, on_where, "memory_bandwidth_gb_s");
    fit.measured_on_source = required_string(on, on_where, "source");
  }
  return fit;
}

SimElementSpec parse_sim_element(const std::string& name, const json& obj) {
  const std::string where = "element \"" + name + "\"";
  if (!name.starts_with("sim:") || name.size() == 4)
    reject(where, "simulated element names have the form sim:NAME");
  check_keys(
      obj, where,
      {"description", "precision", "peak_ops_per_s", "memory_bandwidth_gb_s", "node_overhead_ms",
       "run_overhead_ms", "power_w", "efficiency", "resources", "sources", "fit"});
  SimElementSpec e;
  e.name = name;
  e.description = optional_string(obj, where, "description");
  e.precision = parse_precision(obj, where);
  e.peak_ops_per_s = positive(obj, where, "peak_ops_per_s");
  e.memory_bandwidth_gb_s = positive(obj, where, "memory_bandwidth_gb_s");
  e.node_overhead_ms = non_negative(obj, where, "node_overhead_ms");
  // Optional: an element without it pays nothing per run beyond its nodes.
  if (obj.contains("run_overhead_ms"))
    e.run_overhead_ms = non_negative(obj, where, "run_overhead_ms");
  e.power_w = positive(obj, where, "power_w");
  if (obj.contains("resources"))
    e.resources = parse_resources(obj["resources"], where + ": resources", e.resources_about);
  const std::string eff_where = where + ": efficiency";
  const json& eff = required(obj, where, "efficiency");
  check_keys(eff, eff_where, op_kind_names());
  for (OpKind k : kOpKinds) {
    const std::string kind(op_kind_name(k));
    const double v = required_number(eff, eff_where, kind);
    if (!(v > 0 && v <= 1))
      reject(eff_where, "\"" + kind + "\" is " + eff[kind].dump() + ", outside (0, 1]");
    e.efficiency[static_cast<size_t>(k)] = v;
  }
  std::set<std::string> figures = {"precision",        "peak_ops_per_s", "memory_bandwidth_gb_s",
                                   "node_overhead_ms", "power_w",        "efficiency"};
  if (obj.contains("run_overhead_ms")) figures.insert("run_overhead_ms");
  e.sources = parse_sources(obj, where, figures);
  if (obj.contains("fit")) e.fit = parse_fit(obj["fit"], where + ": fit");
  return e;
}

LinkSpec parse_link_spec(const std::string& name, const json& obj) {
  const std::string where = "link \"" + name + "\"";
  check_keys(obj, where, {"description", "latency_ms", "bandwidth_gb_s", "sources"});
  LinkSpec l;
  l.name = name;
  l.description = optional_string(obj, where, "description");
  l.latency_ms = non_negative(obj, where, "latency_ms");
  l.bandwidth_gb_s = positive(obj, where, "bandwidth_gb_s");
  l.sources = parse_sources(obj, where, {"latency_ms", "bandwidth_gb_s"});
  return l;
}

template <typename Spec>
const Spec& find_by_name(const std::vector<Spec>& specs, const std::string& name,
                         const std::string& what) {
  for (const Spec& s : specs)
    if (s.name == name) return s;
  std::vector<std::string> known;
  known.reserve(specs.size());
  for (const Spec& s : specs) known.push_back(s.name);
  fail(ErrorKind::invalid_input,
       "unknown " + what + " '" + name + "' (known: " + joined(known) + ")");
}

}  // namespace

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::conv: return "conv";
    case OpKind::depthwise_conv: return "depthwise_conv";
    case OpKind::fully_connected: return "fully_connected";
    case OpKind::pooling: return "pooling";
    case OpKind::elementwise: return "elementwise";
  }
  return "?";
}

const SimElementSpec& DeviceCatalog::find_element(const std::string& name) const {
  return find_by_name(elements, name, "simulated element");
}

const LinkSpec& DeviceCatalog::find_link(const std::string& name) const {
  return find_by_name(links, name, "link");
}

DeviceCatalog parse_device_catalog(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    std::string what = e.what();  // drop nlohmann's "[json.exception.parse_error.101] "
    what.erase(0, what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2);
    reject("top level", "not valid JSON (" + what + ")");
  }
  check_keys(doc, "top level", {"about", "elements", "links"});
  optional_string(doc, "top level", "about");
  DeviceCatalog catalog;
  const json& elements = required(doc, "top level", "elements");
  if (!elements.is_object()) reject("elements", "expected an object");
  for (const auto& item : elements.items())
    catalog.elements.push_back(parse_sim_element(item.key(), item.value()));
  const json& links = required(doc, "top level", "links");
  if (!links.is_object()) reject("links", "expected an object");
  for (const auto& item : links.items())
    catalog.links.push_back(parse_link_spec(item.key(), item.value()));
  if (catalog.elements.empty()) reject("elements", "no element is defined");
  if (catalog.links.empty()) reject("links", "no link is defined");
  return catalog;  // nlohmann's objects iterate in key order, so both lists are sorted
}

const std::vector<std::string>& fit_parameter_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (OpKind k : kOpKinds) v.push_back("efficiency." + std::string(op_kind_name(k)));
    v.push_back("node_overhead_ms");
    v.push_back("run_overhead_ms");
    return v;
  }();
  return names;
}

const DeviceCatalog& spec_device_catalog() {
  static const DeviceCatalog catalog = parse_device_catalog(embedded_devices_json());
  return catalog;
}

Link to_link(const LinkSpec& spec) {
  return {spec.name, spec.latency_ms, spec.bandwidth_gb_s, "spec"};
}

}  // namespace splitinfer
