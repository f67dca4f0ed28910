#include "exec/clipping.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace splitinfer {

namespace {

// Candidates tried by the searches, as fractions of the largest magnitude.
constexpr int kClipCandidates = 128;
// The searches score at most this many values (an even stride through the
// sample): enough to place a clip, and bounded for models with many tensors.
constexpr size_t kSearchSample = 16384;
// TensorRT's entropy calibration: a histogram of this many bins, coded into
// 128 levels.
constexpr int kHistogramBins = 2048;
constexpr int kLevels = 128;
// PyTorch's histogram search: the levels of affine 8-bit codes, and how much
// of the distribution's mass each of its steps sheds.
constexpr int kAffineLevels = 256;
constexpr double kHistogramSearchStep = 1e-5;

std::vector<float> thinned(std::span<const float> v) {
  const size_t stride = std::max<size_t>(1, v.size() / kSearchSample);
  std::vector<float> out;
  for (size_t i = 0; i < v.size(); i += stride) out.push_back(v[i]);
  return out;
}

float largest_magnitude(std::span<const float> v, bool is_unsigned) {
  float m = 0.0f;
  for (float x : v) m = std::max(m, is_unsigned ? x : std::abs(x));
  return m;
}

float percentile_clip(std::vector<float>& v) {
  std::vector<float> magnitudes(v.size());
  std::transform(v.begin(), v.end(), magnitudes.begin(), [](float x) { return std::abs(x); });
  const size_t at =
      std::min(magnitudes.size() - 1,
               static_cast<size_t>(std::ceil(kCalibrationPercentile / 100.0 *
                                             static_cast<double>(magnitudes.size()))) -
                   1);
  std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<ptrdiff_t>(at),
                   magnitudes.end());
  return magnitudes[at];
}

float mse_clip(std::span<const float> v, bool is_unsigned) {
  const float top = largest_magnitude(v, is_unsigned);
  if (top <= 0.0f) return 0.0f;
  float best = top;
  double best_error = coding_error(v, {is_unsigned, top});
  for (int i = 1; i < kClipCandidates; ++i) {
    const float clip = top * static_cast<float>(i) / kClipCandidates;
    const double e = coding_error(v, {is_unsigned, clip});
    if (e < best_error) best_error = e, best = clip;
  }
  return best;
}

double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sum_p = 0.0, sum_q = 0.0;
  for (size_t i = 0; i < p.size(); ++i) sum_p += p[i], sum_q += q[i];
  double kl = 0.0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0.0) kl += p[i] / sum_p * std::log((p[i] / sum_p) / std::max(q[i] / sum_q, 1e-12));
  return kl;
}

// TensorRT's method: for each threshold bin i, the reference distribution is
// the histogram up to i with the tail folded into bin i-1; the candidate is
// that distribution merged into 128 levels and spread back over its
// non-empty bins; the threshold with the smallest KL divergence wins.
// A tensor with few distinct values (an image's pixel levels) never
// occupies 128 bins and is not clipped.
float entropy_clip(std::span<const float> v, bool is_unsigned) {
  const float top = largest_magnitude(v, is_unsigned);
  if (top <= 0.0f) return 0.0f;
  std::vector<double> hist(kHistogramBins, 0.0);
  for (float x : v) {
    const float m = is_unsigned ? x : std::abs(x);
    if (m <= 0.0f) continue;
    hist[std::min<size_t>(kHistogramBins - 1, static_cast<size_t>(m / top * kHistogramBins))] +=
        1.0;
  }
  int best_bins = kHistogramBins;
  double best_kl = INFINITY;
  int occupied = 0;  // non-empty bins below the threshold
  for (int j = 0; j < kLevels - 1; ++j) occupied += hist[static_cast<size_t>(j)] > 0.0;
  for (int i = kLevels; i <= kHistogramBins; ++i) {
    occupied += hist[static_cast<size_t>(i - 1)] > 0.0;
    // Below 128 occupied bins the 128 levels code the clipped histogram
    // without loss, so KL is near 0 however much the clip destroyed (a
    // tensor whose values start far from 0 would be clipped at its minimum).
    if (occupied < kLevels) continue;
    std::vector<double> p(hist.begin(), hist.begin() + i);
    for (int j = i; j < kHistogramBins; ++j)
      p[static_cast<size_t>(i - 1)] += hist[static_cast<size_t>(j)];
    std::vector<double> q(static_cast<size_t>(i), 0.0);
    const double per_level = static_cast<double>(i) / kLevels;
    for (int level = 0; level < kLevels; ++level) {
      const int start = static_cast<int>(level * per_level);
      const int end = std::max(start + 1, static_cast<int>((level + 1) * per_level));
      double mass = 0.0;
      int nonzero = 0;
      for (int j = start; j < end && j < i; ++j) {
        mass += hist[static_cast<size_t>(j)];
        nonzero += hist[static_cast<size_t>(j)] > 0.0;
      }
      for (int j = start; j < end && j < i; ++j)
        if (hist[static_cast<size_t>(j)] > 0.0) q[static_cast<size_t>(j)] = mass / nonzero;
    }
    const double kl = kl_divergence(p, q);
    if (kl < best_kl) best_kl = kl, best_bins = i;
  }
  return top * static_cast<float>(best_bins) / kHistogramBins;
}

// L2 error of coding a histogram's values in kAffineLevels even steps
// over bins [first, last] (values outside clamped to the ends): each bin's
// values are taken as spread evenly over it, as PyTorch's HistogramObserver
// does.
double histogram_coding_error(const std::vector<double>& hist, double bin_width, int first,
                              int last) {
  const double step = bin_width * (last - first + 1) / kAffineLevels;
  // Integral of x^2 over [a, b], times the bin's density.
  auto norm = [](double a, double b, double density) {
    return density * (b * b * b - a * a * a) / 3.0;
  };
  const auto level_of = [&](double x) {
    return std::clamp(std::floor(x / step), 0.0, static_cast<double>(kAffineLevels - 1));
  };
  double error = 0.0;
  for (size_t i = 0; i < hist.size(); ++i) {
    if (hist[i] == 0.0) continue;
    const double begin = (static_cast<double>(i) - first) * bin_width, end = begin + bin_width;
    const double density = hist[i] / bin_width;
    const double lb = level_of(begin), le = level_of(end);
    const double begin_centre = (lb + 0.5) * step, end_centre = (le + 0.5) * step;
    if (lb == le) {
      error += norm(begin - begin_centre, end - begin_centre, density);
    } else {
      error += norm(begin - begin_centre, step / 2, density);
      error += (le - lb - 1) * norm(-step / 2, step / 2, density);
      error += norm(-step / 2, end - end_centre, density);
    }
  }
  return error;
}

// PyTorch's HistogramObserver search (after caffe2's norm minimisation):
// from the full range of a 2048-bin histogram, move in whichever end sheds
// less of the distribution's mass, in steps of 1e-5 of it, as long as the
// L2 error of 256 even levels over the kept range keeps falling; the first
// rise stops it, so outliers are clipped only where that pays. Returns the
// kept range [lo, hi].
ValueRange histogram_range(std::span<const float> v, ValueRange seen) {
  if (!(seen.max > seen.min)) return seen;
  std::vector<double> hist(kHistogramBins, 0.0);
  const double bin_width = (static_cast<double>(seen.max) - seen.min) / kHistogramBins;
  for (float x : v)
    hist[std::min<size_t>(kHistogramBins - 1,
                          static_cast<size_t>(std::max(0.0, (x - seen.min) / bin_width)))] += 1.0;
  std::vector<double> cumulative(hist.size());
  std::partial_sum(hist.begin(), hist.end(), cumulative.begin());
  const double total = cumulative.back();
  double alpha = 0.0, beta = 1.0, best = INFINITY;
  int first = 0, last = kHistogramBins - 1;
  while (alpha < beta) {
    const double next_alpha = alpha + kHistogramSearchStep, next_beta = beta - kHistogramSearchStep;
    int l = first, r = last;
    while (l < last && cumulative[static_cast<size_t>(l)] < next_alpha * total) ++l;
    while (r > first && cumulative[static_cast<size_t>(r)] > next_beta * total) --r;
    int next_first = first, next_last = last;
    if (l - first > last - r) {
      next_first = l;
      alpha = next_alpha;
    } else {
      next_last = r;
      beta = next_beta;
    }
    if (next_first == first && next_last == last) continue;
    const double e = histogram_coding_error(hist, bin_width, next_first, next_last);
    if (e > best) break;
    best = e;
    first = next_first;
    last = next_last;
  }
  return {static_cast<float>(seen.min + bin_width * first),
          static_cast<float>(seen.min + bin_width * (last + 1))};
}

}  // namespace

double coding_error(std::span<const float> sample, const Clipping& coding) {
  const float span = coding.clip - coding.low;
  if (span <= 0.0f) {
    double e = 0.0;
    for (float x : sample) e += static_cast<double>(x) * x;
    return e;
  }
  const float step = span / (coding.is_unsigned ? 255.0f : 127.0f);
  const float zero = coding.affine() ? zero_point_of(coding.low, step) : 0.0f;
  const float lo = coding.is_unsigned ? 0.0f : -128.0f, hi = coding.is_unsigned ? 255.0f : 127.0f;
  double e = 0.0;
  for (float x : sample) {
    const double d = x - step * (std::clamp(std::nearbyint(x / step) + zero, lo, hi) - zero);
    e += d * d;
  }
  return e;
}

float zero_point_of(float low, float step) {
  return std::clamp(std::nearbyint(-low / step), 0.0f, 255.0f);
}

Clipping choose_clipping(std::vector<float>& sample, ValueRange seen, CalibrationMethod method) {
  if (sample.empty()) return {false, 0.0f};
  const std::vector<float> scored = thinned(sample);
  const float largest_positive = std::max(seen.max, 0.0f);
  float s8 = 0.0f, u8 = 0.0f;
  ValueRange kept = seen;  // the range affine codes would cover
  switch (method) {
    case CalibrationMethod::minmax:
      s8 = std::max(largest_positive, -seen.min);
      u8 = largest_positive;
      break;
    case CalibrationMethod::percentile:
      s8 = percentile_clip(sample);
      u8 = std::min(s8, largest_positive);
      break;
    case CalibrationMethod::mse:
      s8 = mse_clip(scored, false);
      u8 = mse_clip(scored, true);
      break;
    case CalibrationMethod::entropy:
      s8 = entropy_clip(scored, false);
      u8 = entropy_clip(scored, true);
      break;
    case CalibrationMethod::histogram:
      // The search looks for 256 levels over [low, high]: affine codes'
      // own range.
      kept = histogram_range(sample, seen);
      s8 = std::max(kept.max, -kept.min);
      u8 = std::max(kept.max, 0.0f);
      break;
  }
  const Clipping signed_codes{false, s8}, unsigned_codes{true, u8};
  const double s8_error = coding_error(scored, signed_codes);
  const double u8_error = u8 > 0.0f ? coding_error(scored, unsigned_codes) : s8_error + 1.0;
  const Clipping symmetric = u8_error <= s8_error ? unsigned_codes : signed_codes;
  // Affine codes where the method gives a range of values: the histogram
  // search's, or minmax's extremes. Percentile, mse and entropy search a
  // clip of magnitudes, symmetric by construction (their clip applied to
  // the seen range cost mobilenet_v3_small 1.2 dB with percentile).
  if (method != CalibrationMethod::histogram && method != CalibrationMethod::minmax)
    return symmetric;
  const Clipping affine{true, std::max(kept.max, 0.0f), std::min(kept.min, 0.0f)};
  if (affine.affine() && affine.clip > 0.0f &&
      coding_error(scored, affine) <= kAffineErrorShare * std::min(s8_error, u8_error))
    return affine;
  return symmetric;
}

}  // namespace splitinfer
