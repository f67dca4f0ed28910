#include "ggp/model_fit.h"

#include <Eigen/Dense>
#include <cmath>
#include <functional>

#include "common/error.h"

namespace splitinfer::ggp {

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

void check_samples(const std::vector<Sample>& samples, size_t at_least) {
  if (samples.size() < at_least)
    fail(ErrorKind::invalid_input, "a fit needs at least " + std::to_string(at_least) +
                                       " samples, got " + std::to_string(samples.size()));
  for (const Sample& s : samples) {
    if (!(s.value > 0.0)) fail(ErrorKind::invalid_input, "a sample's value must be positive");
    for (double f : s.features)
      if (!(f > 0.0)) fail(ErrorKind::invalid_input, "a sample's features must be positive");
  }
}

}  // namespace

Monomial fit_monomial(const std::vector<Sample>& samples) {
  const size_t n = samples.empty() ? 0 : samples.front().features.size();
  check_samples(samples, n + 1);
  MatrixXd a(samples.size(), n + 1);
  VectorXd b(samples.size());
  for (size_t r = 0; r < samples.size(); ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    a(row, 0) = 1.0;
    for (size_t i = 0; i < n; ++i)
      a(row, static_cast<Eigen::Index>(i) + 1) = std::log(samples[r].features.at(i));
    b(row) = std::log(samples[r].value);
  }
  const VectorXd w = a.colPivHouseholderQr().solve(b);
  Monomial m{std::exp(w(0)), std::vector<double>(n)};
  for (size_t i = 0; i < n; ++i) m.exponents[i] = w(static_cast<Eigen::Index>(i) + 1);
  return m;
}

std::vector<double> nnls(const std::vector<std::vector<double>>& rows,
                         const std::vector<double>& rhs) {
  const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
  const Eigen::Index n = m == 0 ? 0 : static_cast<Eigen::Index>(rows.front().size());
  MatrixXd a(m, n);
  for (Eigen::Index r = 0; r < m; ++r)
    for (Eigen::Index c = 0; c < n; ++c)
      a(r, c) = rows[static_cast<size_t>(r)][static_cast<size_t>(c)];
  const VectorXd b = Eigen::Map<const VectorXd>(rhs.data(), m);
  VectorXd w = VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<size_t>(n), false);
  const double tolerance = 1e-12 * (1.0 + a.norm() * b.norm());
  for (int outer = 0; outer < 3 * n + 10; ++outer) {
    const VectorXd gradient = a.transpose() * (b - a * w);
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[static_cast<size_t>(j)] && gradient(j) > tolerance &&
          (best < 0 || gradient(j) > gradient(best)))
        best = j;
    if (best < 0) break;
    passive[static_cast<size_t>(best)] = true;
    for (int inner = 0; inner < 3 * n + 10; ++inner) {
      // Least squares on the passive set; step back to keep w >= 0.
      std::vector<Eigen::Index> cols;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<size_t>(j)]) cols.push_back(j);
      MatrixXd sub(m, static_cast<Eigen::Index>(cols.size()));
      for (size_t k = 0; k < cols.size(); ++k)
        sub.col(static_cast<Eigen::Index>(k)) = a.col(cols[k]);
      const VectorXd z_sub = sub.colPivHouseholderQr().solve(b);
      VectorXd z = VectorXd::Zero(n);
      for (size_t k = 0; k < cols.size(); ++k) z(cols[k]) = z_sub(static_cast<Eigen::Index>(k));
      bool all_positive = true;
      for (Eigen::Index j : cols) all_positive = all_positive && z(j) > 0.0;
      if (all_positive) {
        w = z;
        break;
      }
      double step = 1.0;
      for (Eigen::Index j : cols)
        if (z(j) <= 0.0) step = std::min(step, w(j) / (w(j) - z(j)));
      w += step * (z - w);
      for (Eigen::Index j : cols)
        if (w(j) <= tolerance) {
          w(j) = 0.0;
          passive[static_cast<size_t>(j)] = false;
        }
    }
  }
  return {w.data(), w.data() + n};
}

Posynomial fit_posynomial(const std::vector<Sample>& samples, const std::vector<Monomial>& basis) {
  check_samples(samples, basis.size());
  std::vector<std::vector<double>> rows;
  std::vector<double> ones;
  for (const Sample& s : samples) {
    std::vector<double> row;
    for (const Monomial& t : basis) row.push_back(t(s.features) / s.value);  // relative error
    rows.push_back(std::move(row));
    ones.push_back(1.0);
  }
  const std::vector<double> w = nnls(rows, ones);
  Posynomial p;
  for (size_t k = 0; k < basis.size(); ++k) {
    // A term's mean share of the fitted values (the rows are relative, so
    // the shares sum to about 1); rounding noise is not a term.
    double share = 0.0;
    for (const auto& row : rows) share += w[k] * row[k] / static_cast<double>(rows.size());
    if (share > 1e-9) p.terms.push_back({basis[k].coefficient * w[k], basis[k].exponents});
  }
  if (p.terms.empty()) fail(ErrorKind::invalid_input, "no term of the basis fits the samples");
  return p;
}

double mape_percent(const std::vector<Sample>& samples,
                    const std::function<double(const std::vector<double>&)>& model) {
  if (samples.empty()) fail(ErrorKind::invalid_input, "MAPE of no samples");
  double sum = 0.0;
  for (const Sample& s : samples) sum += std::abs(model(s.features) - s.value) / s.value;
  return 100.0 * sum / static_cast<double>(samples.size());
}

}  // namespace splitinfer::ggp
