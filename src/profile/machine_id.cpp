#include "profile/machine_id.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace splitinfer {
namespace {

// "model name : AMD  EPYC 7B13" -> "AMD EPYC 7B13" (runs of blanks collapsed,
// as /proc/cpuinfo pads some model names).
std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string word, name;
    while (words >> word) name += (name.empty() ? "" : " ") + word;
    if (!name.empty()) return name;
  }
  // ARM kernels print no model name; the architecture is the best we have.
  utsname u{};
  return uname(&u) == 0 ? std::string("unknown ") + u.machine + " CPU" : "unknown CPU";
}

}  // namespace

std::string machine_id() {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cpu_model_name() + " x" + std::to_string(cores > 0 ? cores : 1);
}

}  // namespace splitinfer
