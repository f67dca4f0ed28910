// Processing elements by name: "cpu0:int8", "cpu1:fp32", "cpu1:bf16",
// "cpu:fp32" (all cores), and later "cuda0:fp16" and "sim:NAME". The name fixes where a
// partition runs and in which precision.
#pragma once

#include <string>

#include "common/precision.h"

namespace splitinfer {

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
