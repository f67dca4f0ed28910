// `splitinfer devices`: the elements a plan can use: the real ones of this
// machine, which can also run, and the simulated paper devices and links
// with the sources of their figures.
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "devices/device_spec.h"
#include "devices/sim_fit.h"
#include "exec/cpu/cpu_features.h"
#include "ggp/conv_layer.h"
#include "ggp/posynomial_json.h"

namespace splitinfer::cli {

namespace {

// Every core offers the same precisions: those of the CPU's instruction sets.
nlohmann::json real_elements(const std::vector<Precision>& offered) {
  nlohmann::json list = nlohmann::json::array();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned c = 0; c < cores; ++c)
    for (Precision p : offered)
      list.push_back({{"name", "cpu" + std::to_string(c) + ":" + std::string(precision_name(p))},
                      {"description", "core " + std::to_string(c) + ", one thread, " +
                                          std::string(precision_name(p))}});
  for (Precision p : offered)
    list.push_back({{"name", "cpu:" + std::string(precision_name(p))},
                    {"description", "all cores, " + std::string(precision_name(p))}});
  return list;
}

nlohmann::json cpu_summary(const cpu::CpuFeatures& cpu, const std::vector<Precision>& offered) {
  nlohmann::json precisions = nlohmann::json::array();
  for (Precision p : offered) precisions.push_back(precision_name(p));
  return {{"avx512_bf16", cpu.avx512_bf16}, {"amx", cpu.amx}, {"precisions", precisions}};
}

nlohmann::json efficiency_json(const SimElementSpec& e) {
  nlohmann::json by_kind = nlohmann::json::object();
  for (size_t k = 0; k < kOpKindCount; ++k)
    by_kind[std::string(op_kind_name(static_cast<OpKind>(k)))] = e.efficiency[k];
  return by_kind;
}

// The fitted figures of an element beside its spec ones, the published
// times they reproduce and how closely.
nlohmann::json fit_json(const SimElementSpec& spec, const SimElementSpec& fitted) {
  if (!spec.fit) return nullptr;
  nlohmann::json published = nlohmann::json::array();
  for (size_t i = 0; i < spec.fit->published.size(); ++i) {
    const PublishedTime& t = spec.fit->published[i];
    // Predicted by a fit that did not see this model's time: how the fitted
    // element can be expected to do on a network nobody published.
    const double unseen_ms = fit_element(spec, t.model).fit_result->predicted_ms[i];
    published.push_back({{"model", t.model},
                         {"published_ms", t.ms},
                         {"fitted_ms", fitted.fit_result->predicted_ms[i]},
                         {"left_out_ms", unseen_ms},
                         {"source", t.source}});
  }
  nlohmann::json fit = {{"about", spec.fit->about},
                        {"parameters", spec.fit->parameters},
                        {"efficiency", efficiency_json(fitted)},
                        {"node_overhead_ms", fitted.node_overhead_ms},
                        {"run_overhead_ms", fitted.run_overhead_ms},
                        {"published", published},
                        {"max_error", fitted.fit_result->max_error},
                        {"stated_max_error", spec.fit->max_error},
                        {"rms_log_error", fitted.fit_result->rms_log_error}};
  if (!spec.fit->measured_on.empty())
    fit["measured_on"] = {{"device", spec.fit->measured_on},
                          {"peak_ops_per_s", spec.fit->measured_peak_ops_per_s},
                          {"memory_bandwidth_gb_s", spec.fit->measured_memory_bandwidth_gb_s},
                          {"source", spec.fit->measured_on_source}};
  return fit;
}

nlohmann::json simulated_json(const DeviceCatalog& catalog, const DeviceCatalog& fitted) {
  nlohmann::json simulated = nlohmann::json::array();
  for (size_t i = 0; i < catalog.elements.size(); ++i) {
    const SimElementSpec& e = catalog.elements[i];
    nlohmann::json resources = nlohmann::json::object();
    for (const ResourceSpec& r : e.resources)
      resources[r.name] = {{"maximum", r.maximum},
                           {"usage", ggp::posynomial_json(r.usage, ggp::conv_feature_names())},
                           {"source", r.source}};
    simulated.push_back({{"name", e.name},
                         {"description", e.description},
                         {"precision", precision_name(e.precision)},
                         {"peak_ops_per_s", e.peak_ops_per_s},
                         {"memory_bandwidth_gb_s", e.memory_bandwidth_gb_s},
                         {"node_overhead_ms", e.node_overhead_ms},
                         {"run_overhead_ms", e.run_overhead_ms},
                         {"power_w", e.power_w},
                         {"efficiency", efficiency_json(e)},
                         {"resources", resources},
                         {"sources", e.sources},
                         {"plan_uses", fitted.elements[i].cost_model},
                         {"fitted", fit_json(e, fitted.elements[i])}});
  }
  return simulated;
}

nlohmann::json catalog_links_json(const DeviceCatalog& catalog) {
  nlohmann::json links = nlohmann::json::array();
  for (const LinkSpec& l : catalog.links)
    links.push_back({{"name", l.name},
                     {"description", l.description},
                     {"latency_ms", l.latency_ms},
                     {"bandwidth_gb_s", l.bandwidth_gb_s},
                     {"sources", l.sources}});
  return links;
}

void print_fit(const SimElementSpec& spec, const SimElementSpec& fitted) {
  std::cout << "      fitted to " << spec.fit->published.size() << " published times"
            << (spec.fit->measured_on.empty() ? "" : " measured on the " + spec.fit->measured_on)
            << ", max error " << std::setprecision(2) << fitted.fit_result->max_error * 100
            << "% (stated bound " << spec.fit->max_error * 100 << "%):";
  for (const std::string& p : spec.fit->parameters)
    std::cout << " " << p << " " << std::setprecision(3) << fit_parameter(fitted, p);
  std::cout << "\n";
}

void print_devices(const DeviceCatalog& catalog, const DeviceCatalog& fitted,
                   const cpu::CpuFeatures& cpu, const std::vector<Precision>& offered) {
  std::cout << "CPU precisions (every core): ";
  for (Precision p : offered) std::cout << precision_name(p) << " ";
  std::cout << (cpu.amx           ? "(AMX)"
                : cpu.avx512_bf16 ? "(AVX512-BF16)"
                                  : "(no bf16: needs AVX512-BF16 or AMX)")
            << "\n\n";
  std::cout << "real elements (measured; `cuda0:fp16` needs a CUDA build):\n";
  for (const auto& e : real_elements(offered))
    std::cout << "  " << std::left << std::setw(18) << e["name"].get<std::string>()
              << e["description"].get<std::string>() << "\n";
  std::cout << "\nsimulated elements (plan only; figures and sources in data/devices.json; plan "
               "prices each by the cost model named, --sim-model spec for the spec figures):\n";
  for (size_t i = 0; i < catalog.elements.size(); ++i) {
    const SimElementSpec& e = catalog.elements[i];
    std::cout << "  " << std::left << std::setw(20) << e.name << std::setw(5)
              << precision_name(e.precision) << " " << std::right << std::setprecision(3)
              << e.peak_ops_per_s / 1e12 << " Tops/s, " << e.memory_bandwidth_gb_s << " GB/s, "
              << std::setw(6) << fitted.elements[i].cost_model << "  " << e.description << "\n";
    if (e.fit) print_fit(e, fitted.elements[i]);
  }
  std::cout << "\nlinks (--link-spec; between real elements the default is the measured queue):\n";
  for (const LinkSpec& l : catalog.links)
    std::cout << "  " << std::left << std::setw(16) << l.name << std::right << l.bandwidth_gb_s
              << " GB/s, " << l.latency_ms << " ms  " << l.description << "\n";
}

void devices_command(bool json) {
  const DeviceCatalog& catalog = device_catalog(SimModel::spec);
  const DeviceCatalog& fitted = device_catalog(SimModel::fitted);
  const cpu::CpuFeatures cpu = cpu::this_cpu();
  const std::vector<Precision> offered = cpu::precisions_offered(cpu);
  if (json)
    std::cout << nlohmann::json{{"cpu", cpu_summary(cpu, offered)},
                                {"real", real_elements(offered)},
                                {"simulated", simulated_json(catalog, fitted)},
                                {"links", catalog_links_json(catalog)}}
                     .dump(2)
              << "\n";
  else print_devices(catalog, fitted, cpu, offered);
}

}  // namespace

void add_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List real and simulated elements and the links");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON document");
  cmd->callback([json] { devices_command(*json); });
}

}  // namespace splitinfer::cli
