// Monomials and posynomials over positive variables x_1..x_n, the functions a
// geometric program is written in (Eq. 1 and 2 of the GGP paper):
//   monomial   c * x_1^a_1 * ... * x_n^a_n, c > 0
//   posynomial a sum of monomials
// and the condensation of a posynomial into the monomial that touches it at
// a point and lies below it everywhere (Eq. 5, the arithmetic-geometric mean
// inequality).
#pragma once

#include <string>
#include <vector>

namespace splitinfer::ggp {

struct Monomial {
  double coefficient = 1.0;
  std::vector<double> exponents;  // one per variable

  double operator()(const std::vector<double>& x) const;
};

struct Posynomial {
  std::vector<Monomial> terms;

  double operator()(const std::vector<double>& x) const;
};

// A monomial in `variables` variables: c * prod x_i^a_i for the listed
// (index, exponent) pairs.
Monomial monomial(size_t variables, double coefficient,
                  std::initializer_list<std::pair<size_t, double>> powers = {});

Monomial operator*(const Monomial& a, const Monomial& b);
Posynomial operator*(const Posynomial& p, const Monomial& m);
Posynomial operator+(Posynomial p, const Posynomial& q);
Posynomial operator+(Posynomial p, const Monomial& m);

// The monomial p_hat with p_hat(x0) = p(x0) and p_hat(x) <= p(x) for every
// positive x: prod_t (u_t(x) / e_t)^e_t with e_t = u_t(x0) / p(x0).
Monomial condense(const Posynomial& p, const std::vector<double>& x0);

// "3.2 x0^2 x1^-1 + ..." with the given variable names.
std::string to_string(const Posynomial& p, const std::vector<std::string>& names);

}  // namespace splitinfer::ggp
