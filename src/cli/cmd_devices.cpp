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

nlohmann::json simulated_json(const DeviceCatalog& catalog) {
  nlohmann::json simulated = nlohmann::json::array();
  for (const SimElementSpec& e : catalog.elements) {
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
                         {"power_w", e.power_w},
                         {"resources", resources},
                         {"sources", e.sources}});
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

void print_devices(const DeviceCatalog& catalog, const cpu::CpuFeatures& cpu,
                   const std::vector<Precision>& offered) {
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
  std::cout << "\nsimulated elements (plan only; figures and sources in data/devices.json):\n";
  for (const SimElementSpec& e : catalog.elements)
    std::cout << "  " << std::left << std::setw(20) << e.name << std::setw(5)
              << precision_name(e.precision) << " " << std::right << std::setprecision(3)
              << e.peak_ops_per_s / 1e12 << " Tops/s, " << e.memory_bandwidth_gb_s << " GB/s  "
              << e.description << "\n";
  std::cout << "\nlinks (--link-spec; between real elements the default is the measured queue):\n";
  for (const LinkSpec& l : catalog.links)
    std::cout << "  " << std::left << std::setw(16) << l.name << std::right << l.bandwidth_gb_s
              << " GB/s, " << l.latency_ms << " ms  " << l.description << "\n";
}

void devices_command(bool json) {
  const DeviceCatalog& catalog = device_catalog();
  const cpu::CpuFeatures cpu = cpu::this_cpu();
  const std::vector<Precision> offered = cpu::precisions_offered(cpu);
  if (json)
    std::cout << nlohmann::json{{"cpu", cpu_summary(cpu, offered)},
                                {"real", real_elements(offered)},
                                {"simulated", simulated_json(catalog)},
                                {"links", catalog_links_json(catalog)}}
                     .dump(2)
              << "\n";
  else print_devices(catalog, cpu, offered);
}

}  // namespace

void add_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List real and simulated elements and the links");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON document");
  cmd->callback([json] { devices_command(*json); });
}

}  // namespace splitinfer::cli
