// Processing elements by name: "cpu0:int8", "cpu1:fp32", "cpu:fp32" (all
// cores), and later "cuda0:fp16" and "sim:NAME". The name fixes where a
// partition runs and in which precision.
#pragma once

#include <string>
#include <string_view>

namespace splitinfer {

enum class Precision { fp32, int8, fp16 };

std::string_view precision_name(Precision p);
double bytes_per_value(Precision p);  // 1 for int8, 2 for fp16, 4 for fp32

struct Element {
  std::string name;    // as the user wrote it, e.g. "cpu0:int8"
  std::string device;  // the part before the colon: "cpu0", "cpu", "cuda0"
  int core = -1;       // CPU core a partition is pinned to; -1 for all cores
  Precision precision = Precision::fp32;
};

// Parses an element name; throws an invalid_input Error naming the element
// and the accepted forms when it is malformed.
Element parse_element(const std::string& name);

}  // namespace splitinfer
