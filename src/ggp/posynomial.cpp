#include "ggp/posynomial.h"

#include <cmath>
#include <sstream>

#include "common/error.h"

namespace splitinfer::ggp {

double Monomial::operator()(const std::vector<double>& x) const {
  double value = coefficient;
  for (size_t i = 0; i < exponents.size(); ++i)
    if (exponents[i] != 0.0) value *= std::pow(x.at(i), exponents[i]);
  return value;
}

double Posynomial::operator()(const std::vector<double>& x) const {
  double value = 0.0;
  for (const Monomial& t : terms) value += t(x);
  return value;
}

Monomial monomial(size_t variables, double coefficient,
                  std::initializer_list<std::pair<size_t, double>> powers) {
  if (!(coefficient > 0.0) || !std::isfinite(coefficient))
    fail(ErrorKind::invalid_input, "a monomial's coefficient must be positive and finite, not " +
                                       std::to_string(coefficient));
  Monomial m{coefficient, std::vector<double>(variables, 0.0)};
  for (const auto& [i, a] : powers) m.exponents.at(i) += a;
  return m;
}

Monomial operator*(const Monomial& a, const Monomial& b) {
  Monomial m{a.coefficient * b.coefficient, a.exponents};
  for (size_t i = 0; i < m.exponents.size(); ++i) m.exponents[i] += b.exponents.at(i);
  return m;
}

Posynomial operator*(const Posynomial& p, const Monomial& m) {
  Posynomial out;
  for (const Monomial& t : p.terms) out.terms.push_back(t * m);
  return out;
}

Posynomial operator+(Posynomial p, const Posynomial& q) {
  p.terms.insert(p.terms.end(), q.terms.begin(), q.terms.end());
  return p;
}

Posynomial operator+(Posynomial p, const Monomial& m) {
  p.terms.push_back(m);
  return p;
}

Monomial condense(const Posynomial& p, const std::vector<double>& x0) {
  if (p.terms.empty()) fail(ErrorKind::invalid_input, "cannot condense an empty posynomial");
  const double total = p(x0);
  Monomial m{1.0, std::vector<double>(p.terms.front().exponents.size(), 0.0)};
  for (const Monomial& t : p.terms) {
    const double weight = t(x0) / total;
    // (u_t(x) / weight)^weight: coefficient (c_t / weight)^weight, exponents scaled.
    m.coefficient *= std::pow(t.coefficient / weight, weight);
    for (size_t i = 0; i < m.exponents.size(); ++i) m.exponents[i] += weight * t.exponents[i];
  }
  return m;
}

std::string to_string(const Posynomial& p, const std::vector<std::string>& names) {
  std::ostringstream out;
  for (size_t k = 0; k < p.terms.size(); ++k) {
    const Monomial& t = p.terms[k];
    out << (k ? " + " : "") << t.coefficient;
    for (size_t i = 0; i < t.exponents.size(); ++i)
      if (t.exponents[i] != 0.0) {
        out << " " << names.at(i);
        if (t.exponents[i] != 1.0) out << "^" << t.exponents[i];
      }
  }
  return out.str();
}

}  // namespace splitinfer::ggp
