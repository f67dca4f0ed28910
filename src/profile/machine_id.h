// Which kind of machine a timing was measured on.
#pragma once

#include <string>

namespace splitinfer {

// The CPU model and the number of logical cores, e.g. "AMD EPYC 7B13 x2".
// The host name is left out on purpose: machines of the same kind (CI
// runners) produce comparable timings and share profiles.
std::string machine_id();

}  // namespace splitinfer
