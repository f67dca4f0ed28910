#include "exec/element.h"

#include <charconv>

#include "common/error.h"

namespace splitinfer {

namespace {

[[noreturn]] void bad_element(const std::string& name, const std::string& why) {
  fail(ErrorKind::invalid_input,
       "unknown element '" + name + "': " + why +
           " (elements are cpuN:fp32, cpuN:int8, cpuN:bf16, cpu:fp32, cpu:int8, cpu:bf16, "
           "cuda0:fp16)");
}

}  // namespace

Element parse_element(const std::string& name) {
  const size_t colon = name.find(':');
  if (colon == std::string::npos) bad_element(name, "no ':precision' part");
  Element e;
  e.name = name;
  e.device = name.substr(0, colon);
  const std::string precision = name.substr(colon + 1);
  if (precision == "fp32") e.precision = Precision::fp32;
  else if (precision == "int8") e.precision = Precision::int8;
  else if (precision == "fp16") e.precision = Precision::fp16;
  else if (precision == "bf16") e.precision = Precision::bf16;
  else bad_element(name, "precision '" + precision + "' is not fp32, int8, bf16 or fp16");

  if (e.device == "cpu") return e;
  if (e.device.rfind("cpu", 0) == 0) {
    const char* first = e.device.data() + 3;
    const char* last = e.device.data() + e.device.size();
    const auto [end, ec] = std::from_chars(first, last, e.core);
    if (ec != std::errc() || end != last || first == last || e.core < 0)
      bad_element(name, "'" + e.device + "' is not cpu followed by a core number");
    return e;
  }
  if (e.device.rfind("cuda", 0) == 0) return e;
  bad_element(name, "device '" + e.device + "' is not cpu, cpuN or cudaN");
}

}  // namespace splitinfer
