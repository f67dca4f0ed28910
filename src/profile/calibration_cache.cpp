#include "profile/calibration_cache.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fnv1a.h"
#include "exec/image_input.h"
#include "profile/model_hash.h"
#include "profile/profile_store.h"

namespace splitinfer {

namespace {

// Bumped whenever what a calibration records changes, retiring old entries.
constexpr std::string_view kCalibrationFormat =
    "5: every tensor, unfused, type, clip and affine low end (minmax at the exact extremes), "
    "channel means";

// FNV-1a over the spec and, for input files (directories expanded), their
// bytes: a changed file is a different calibration; images add the version of
// their preprocessing.
std::string spec_key(const CalibrationSpec& spec) {
  Fnv1a64 h;
  auto mix = [&h](std::string_view bytes) { h.bytes(bytes.data(), bytes.size()); };
  mix(kCalibrationFormat);
  mix(spec.inputs);
  mix(calibration_method_name(spec.method));
  bool images = false;
  for (const std::string& path : calibration_input_files(spec.inputs)) {
    images = images || is_image_path(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    mix(bytes.str());
  }
  if (images) mix(kImagePreprocessing);
  return h.hex();
}

}  // namespace

std::string default_cache_dir() {
  return std::filesystem::path(ProfileStore::default_path()).parent_path().string();
}

Calibration cached_calibration(const Graph& graph, const CalibrationSpec& spec,
                               const std::string& cache_dir) {
  namespace fs = std::filesystem;
  const fs::path file =
      fs::path(cache_dir) / "calibrations" / (content_hash(graph) + "-" + spec_key(spec) + ".json");
  if (std::ifstream in(file); in) {
    std::ostringstream text;
    text << in.rdbuf();
    try {
      return Calibration::from_json(text.str());
    } catch (const Error&) {
      // A damaged cache entry is not the user's problem: calibrate again.
    }
  }
  Calibration c = obtain_calibration(graph, spec);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  try {
    write_file_atomically(file.string(), c.to_json());
  } catch (const Error&) {
    // Read-only cache: the calibration is still valid for this run.
  }
  return c;
}

Calibration calibration_for(const Graph& graph, const CalibrationOptions& o) {
  const CalibrationSpec spec{o.inputs, parse_calibration_method(o.method)};
  std::string dir;
  try {
    dir = default_cache_dir();
  } catch (const Error&) {
    return obtain_calibration(graph, spec);
  }
  return cached_calibration(graph, spec, dir);
}

}  // namespace splitinfer
