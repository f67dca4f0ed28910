// Posynomials over named variables as JSON, the form fitted models and spec
// models are stored in:
//   [{"coefficient": 2.1e-6, "exponents": {"H": 1, "W": 1, "C": 1}}, ...]
// A variable a term does not name has exponent 0, so a stored model reads
// the same whatever order the program lists its variables in.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ggp/posynomial.h"

namespace splitinfer::ggp {

nlohmann::json posynomial_json(const Posynomial& p, const std::vector<std::string>& names);

// Throws an invalid_input Error naming `where` and the fault: not an array,
// a coefficient that is not positive, an unknown variable, no terms.
Posynomial parse_posynomial(const nlohmann::json& doc, const std::vector<std::string>& names,
                            const std::string& where);

}  // namespace splitinfer::ggp
