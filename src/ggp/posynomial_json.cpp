#include "ggp/posynomial_json.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace splitinfer::ggp {

nlohmann::json posynomial_json(const Posynomial& p, const std::vector<std::string>& names) {
  nlohmann::json terms = nlohmann::json::array();
  for (const Monomial& t : p.terms) {
    nlohmann::json exponents = nlohmann::json::object();
    for (size_t i = 0; i < t.exponents.size(); ++i)
      if (t.exponents[i] != 0.0) exponents[names.at(i)] = t.exponents[i];
    terms.push_back({{"coefficient", t.coefficient}, {"exponents", exponents}});
  }
  return terms;
}

Posynomial parse_posynomial(const nlohmann::json& doc, const std::vector<std::string>& names,
                            const std::string& where) {
  auto reject = [&](const std::string& what) {
    fail(ErrorKind::invalid_input, where + ": " + what);
  };
  if (!doc.is_array() || doc.empty()) reject("expected a non-empty array of terms");
  Posynomial p;
  for (const nlohmann::json& term : doc) {
    if (!term.is_object() || !term.contains("coefficient") || !term["coefficient"].is_number())
      reject("every term needs a numeric \"coefficient\"");
    Monomial m{term["coefficient"].get<double>(), std::vector<double>(names.size(), 0.0)};
    if (!(m.coefficient > 0) || !std::isfinite(m.coefficient))
      reject("coefficient " + term["coefficient"].dump() + " is not positive");
    if (term.contains("exponents")) {
      const nlohmann::json& exponents = term["exponents"];
      if (!exponents.is_object()) reject("\"exponents\" must be an object of variable: power");
      for (const auto& item : exponents.items()) {
        const auto at = std::find(names.begin(), names.end(), item.key());
        if (at == names.end()) reject("unknown variable \"" + item.key() + "\"");
        if (!item.value().is_number() || !std::isfinite(item.value().get<double>()))
          reject("the power of " + item.key() + " is not a number");
        m.exponents[static_cast<size_t>(at - names.begin())] = item.value().get<double>();
      }
    }
    p.terms.push_back(m);
  }
  return p;
}

}  // namespace splitinfer::ggp
