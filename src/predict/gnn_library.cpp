// Opens libsplitinfer_gnn (src/predict/torch/gnn_module.cpp) on first use.
// It is looked for beside the running program, then one folder up (the test
// programs live in build/tests/), then where the build put it.
#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "predict/gnn_model.h"

extern "C" {
using MakeGnnModel = splitinfer::predict::GnnModel* (*)(const splitinfer::predict::GnnArchitecture*,
                                                        uint64_t);
using LoadGnnModel = splitinfer::predict::GnnModel* (*)(const char*);
}

namespace splitinfer::predict {
namespace {

constexpr const char* kLibraryName = "libsplitinfer_gnn.so";

struct GnnLibrary {
  MakeGnnModel make = nullptr;
  LoadGnnModel load = nullptr;
};

std::vector<std::filesystem::path> candidate_paths() {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    paths.push_back(exe.parent_path() / kLibraryName);
    paths.push_back(exe.parent_path().parent_path() / kLibraryName);
  }
  paths.push_back(SPLITINFER_GNN_LIBRARY);  // the build's own output, set by CMake
  return paths;
}

GnnLibrary open_library() {
  std::string tried;
  for (const auto& path : candidate_paths()) {
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      fail(ErrorKind::device_missing,
           "cannot load the GNN library " + path.string() + ": " + ::dlerror());
    GnnLibrary lib{reinterpret_cast<MakeGnnModel>(::dlsym(handle, "splitinfer_make_gnn_model")),
                   reinterpret_cast<LoadGnnModel>(::dlsym(handle, "splitinfer_load_gnn_model"))};
    if (!lib.make || !lib.load)
      fail(ErrorKind::device_missing, path.string() + " is not a splitinfer GNN library");
    return lib;
  }
  fail(ErrorKind::device_missing,
       std::string("the GNN predictors need ") + kLibraryName + ", which is in none of " + tried);
}

// Loaded once per process; a failure is reported again on every call.
const GnnLibrary& library() {
  static std::mutex mutex;
  static std::optional<GnnLibrary> loaded;
  std::lock_guard lock(mutex);
  if (!loaded) loaded = open_library();
  return *loaded;
}

}  // namespace

std::unique_ptr<GnnModel> make_gnn_model(const GnnArchitecture& architecture, uint64_t seed) {
  return std::unique_ptr<GnnModel>(library().make(&architecture, seed));
}

std::unique_ptr<GnnModel> load_gnn_model(const std::string& path) {
  return std::unique_ptr<GnnModel>(library().load(path.c_str()));
}

}  // namespace splitinfer::predict
