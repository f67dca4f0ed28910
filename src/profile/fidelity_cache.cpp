#include "profile/fidelity_cache.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fnv1a.h"
#include "profile/model_hash.h"

namespace splitinfer {

namespace {

// Bumped whenever what an entry means changes, retiring old files.
constexpr std::string_view kFidelityFormat = "1: min SQNR, max |diff|, top-1 against FP32";

std::string hex_hash(std::string_view bytes) {
  Fnv1a64 h;
  h.bytes(bytes.data(), bytes.size());
  return h.hex();
}

}  // namespace

std::string fidelity_key(const std::vector<PrecisionStage>& stages) {
  std::string key;
  for (const PrecisionStage& s : stages) {
    if (s.first_unit == s.last_unit) continue;
    if (!key.empty()) key += ",";
    key += std::string(precision_name(s.precision)) + ":" + std::to_string(s.first_unit) + "-" +
           std::to_string(s.last_unit);
  }
  return key;
}

FidelityCache::FidelityCache(const Graph& graph, const Calibration* calibration,
                             const std::string& frames, const std::string& cache_dir) {
  if (cache_dir.empty()) return;
  const std::string tag = std::string(kFidelityFormat) + "|" + frames + "|" +
                          (calibration ? calibration->to_json() : std::string("no calibration"));
  file_ = (std::filesystem::path(cache_dir) / "fidelity" /
           (content_hash(graph) + "-" + hex_hash(tag) + ".json"))
              .string();
  std::ifstream in(file_);
  if (!in) return;
  try {
    nlohmann::json doc = nlohmann::json::parse(in);
    if (doc.is_object()) entries_ = std::move(doc);
  } catch (const nlohmann::json::exception&) {
    // A damaged cache entry is not the user's problem: measure again.
  }
}

std::optional<Fidelity> FidelityCache::find(const std::string& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  try {
    return Fidelity{it->at("min_sqnr_db").get<double>(), it->at("max_abs_diff").get<double>(),
                    it->at("top1_same").get<int>(), it->at("frames").get<int>()};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void FidelityCache::put(const std::string& key, const Fidelity& f) {
  entries_[key] = {{"min_sqnr_db", f.min_sqnr_db},
                   {"max_abs_diff", f.max_abs_diff},
                   {"top1_same", f.top1_same},
                   {"frames", f.frames}};
  if (file_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file_).parent_path(), ec);
  try {
    write_file_atomically(file_, entries_.dump(1));
  } catch (const Error&) {
    // Read-only cache: the fidelity is still valid for this run.
  }
}

}  // namespace splitinfer
