// Fitting latency models in GP form from measurements (Sec. 3 of the GGP
// paper): a monomial c * prod x_i^a_i by least squares on logarithms, and a
// posynomial as a non-negative combination of chosen monomial terms by
// non-negative least squares on relative errors (so that small and large
// layers weigh alike). Both are GP-compatible by construction: coefficients
// come out positive (terms fitted to zero are dropped).
#pragma once

#include <functional>
#include <vector>

#include "ggp/posynomial.h"

namespace splitinfer::ggp {

struct Sample {
  std::vector<double> features;  // positive, one per model variable
  double value = 0.0;            // positive, e.g. latency in ms
};

Monomial fit_monomial(const std::vector<Sample>& samples);

// The best non-negative combination of `basis` (each term's coefficient is
// its scale; the fit multiplies it). Throws when no term gets a positive
// weight.
Posynomial fit_posynomial(const std::vector<Sample>& samples, const std::vector<Monomial>& basis);

// Mean absolute percentage error of a model over samples, in percent.
double mape_percent(const std::vector<Sample>& samples,
                    const std::function<double(const std::vector<double>&)>& model);

// Lawson-Hanson non-negative least squares: argmin |A w - b| with w >= 0.
std::vector<double> nnls(const std::vector<std::vector<double>>& a, const std::vector<double>& b);

}  // namespace splitinfer::ggp
