#include "predict/random_cnn.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "graph/builder.h"
#include "graph/stats.h"

namespace splitinfer::predict {
namespace {

// The head: global average pool, flatten and linear units; a hidden linear
// layer adds a linear and a ReLU unit.
constexpr int kHeadUnits = 3;
constexpr int kHiddenHeadUnits = 2;
// Widths are drawn up to kMaxBaseWidth, then scaled and rounded to multiples
// of 4 within [kMinChannels, kMaxChannels]. A unit hands on at most
// kMaxActivationElements (8 MB in float32), which keeps memory-bound units
// of large inputs within the time budget.
constexpr int64_t kMaxBaseWidth = 1024;
constexpr int64_t kMinChannels = 4;
constexpr int64_t kMaxChannels = 2048;
constexpr int64_t kMaxActivationElements = int64_t{1} << 21;
// At this width scale every drawn width is at kMinChannels.
constexpr double kMinWidthScale = static_cast<double>(kMinChannels) / kMaxBaseWidth;
// As in the zoo's ResNets: the damped last BatchNorm of a residual branch
// keeps random-weight activations bounded through deep stacks.
constexpr float kResidualGamma = 0.2f;

// Draws from mt19937_64 by hand: the std distributions are
// implementation-defined, and a seed must give the same model with any
// standard library.
class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}

  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool chance(double p) { return uniform() < p; }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(uniform() * static_cast<double>(hi - lo + 1));
  }
  double log_uniform(double lo, double hi) { return lo * std::pow(hi / lo, uniform()); }
  template <typename T>
  T pick(std::initializer_list<T> items) {
    return items.begin()[between(0, static_cast<int64_t>(items.size()) - 1)];
  }
  // An index with probability proportional to its weight; some weight > 0.
  size_t weighted(const std::vector<double>& weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (size_t i = 0; i + 1 < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 rng_;
};

enum class Layer {
  conv,
  relu,
  depthwise,
  max_pool,
  avg_pool,
  basic_block,
  bottleneck,
  inverted_residual
};

// One unit of the body.
struct UnitPlan {
  Layer layer = Layer::conv;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t width = 0;     // output channels before width scaling (convs and blocks)
  int64_t expand = 1;    // inverted residual: hidden channels per input channel
  bool norm_act = true;  // conv: BatchNorm + activation inside the unit (not VGG style)
};

struct Architecture {
  int64_t channels = 3;  // input C, H = W = size
  int64_t size = 224;
  bool relu6 = false;  // activation of conv, depthwise and inverted-residual units
  std::vector<UnitPlan> body;
  int64_t hidden = 0;  // features of a hidden linear layer in the head; 0 for none
  int64_t classes = 10;
};

// The layer kinds a body unit is drawn from; separable adds a depthwise and
// a pointwise unit.
enum class Kind { conv, separable, basic_block, bottleneck, inverted_residual, count };

int64_t conv_kernel(Draw& d) {
  const double u = d.uniform();
  return u < 0.15 ? 1 : u < 0.70 ? 3 : u < 0.85 ? 5 : 7;
}

int64_t grown(int64_t width, double factor) {
  return std::min<int64_t>(kMaxBaseWidth, std::llround(static_cast<double>(width) * factor));
}

// Draws the body unit by unit. Every unit may halve the resolution, with a
// probability that spreads the remaining halvings over the remaining units.
void draw_body(Draw& d, Architecture& a, int slots) {
  // Per-model preferences: models range from plain VGG-like stacks to pure
  // ResNets or MobileNets and mixtures of them.
  const bool vgg_style = d.chance(0.2);
  std::vector<double> kind_weights(static_cast<size_t>(Kind::count));
  for (double& w : kind_weights) w = d.chance(0.6) ? d.uniform() : 0.0;
  kind_weights[static_cast<size_t>(Kind::conv)] += 0.05;
  const double pool_share = 0.6 * d.uniform();
  const bool max_pooling = d.chance(0.7);

  int64_t size = a.size;
  int64_t width = std::llround(d.log_uniform(8, 64));
  const int64_t final_size = d.between(2, 7);
  int halvings = 0;
  for (int64_t s = size; s / 2 >= final_size; s /= 2) ++halvings;
  halvings = static_cast<int>(d.between((halvings + 1) / 2, halvings));

  auto add = [&](UnitPlan p) {
    a.body.push_back(p);
    --slots;
  };
  // A conv unit; in VGG style a bare conv followed by a ReLU unit when room
  // is left for both.
  auto add_conv = [&](int64_t kernel, int64_t stride) {
    if (vgg_style) {
      add({Layer::conv, kernel, stride, width, 1, false});
      if (slots > 0) add({Layer::relu});
    } else {
      add({Layer::conv, kernel, stride, width});
    }
  };

  const bool strided_stem = halvings > 0 && d.chance(0.5);
  add_conv(d.pick<int64_t>({3, 5, 7}), strided_stem ? 2 : 1);
  if (strided_stem) {
    --halvings;
    size = (size + 1) / 2;
  }
  while (slots > 0) {
    const bool halve = halvings > 0 && size >= 4 && d.chance(static_cast<double>(halvings) / slots);
    const int64_t stride = halve ? 2 : 1;
    if (halve) {
      --halvings;
      if (d.chance(pool_share)) {
        const int64_t kernel = max_pooling ? d.pick<int64_t>({2, 3}) : 2;
        add({max_pooling ? Layer::max_pool : Layer::avg_pool, kernel, 2});
        size = kernel == 2 ? size / 2 : (size + 1) / 2;
        continue;
      }
      size = (size + 1) / 2;  // padded odd kernels: ceil(size / 2)
      width = grown(width, d.pick({1.5, 2.0}));
    } else if (d.chance(0.1)) {
      width = grown(width, 1.5);
    }
    switch (static_cast<Kind>(d.weighted(kind_weights))) {
      case Kind::conv: add_conv(conv_kernel(d), stride); break;
      case Kind::separable:
        add({Layer::depthwise, d.pick<int64_t>({3, 5, 7}), stride});
        if (slots > 0) add({Layer::conv, 1, 1, width});
        break;
      case Kind::basic_block:
        add({Layer::basic_block, d.chance(0.8) ? 3 : 5, stride, width});
        break;
      case Kind::bottleneck: add({Layer::bottleneck, 3, stride, width}); break;
      case Kind::inverted_residual:
        add({Layer::inverted_residual, d.pick<int64_t>({3, 5, 7}), stride, width,
             d.pick<int64_t>({1, 2, 4, 6, 6})});
        break;
      case Kind::count: break;
    }
  }
}

Architecture draw_architecture(uint64_t seed, const RandomCnnOptions& options) {
  Draw d(seed);
  Architecture a;
  a.channels = d.chance(0.25) ? 1 : 3;
  a.size = d.between(32, 224);
  a.relu6 = d.chance(0.3);
  a.classes = d.pick<int64_t>({10, 100, 1000});
  const int units = static_cast<int>(d.between(options.min_units, options.max_units));
  if (units > kHeadUnits + kHiddenHeadUnits && d.chance(0.25))
    a.hidden = d.pick<int64_t>({128, 256, 512, 1024});
  draw_body(d, a, units - kHeadUnits - (a.hidden ? kHiddenHeadUnits : 0));
  return a;
}

// Builds an architecture at one width scale, naming modules as torchvision
// does: body units are children of a "features" Sequential.
class ModelBuilder {
 public:
  ModelBuilder(const Architecture& a, double width_scale, std::optional<uint64_t> weight_seed,
               const std::string& name)
      : a_(a), scale_(width_scale), b_(name, weight_seed) {}

  Graph build() {
    int x = b_.input("input", {1, a_.channels, a_.size, a_.size});
    for (size_t i = 0; i < a_.body.size(); ++i)
      x = unit(x, a_.body[i], "features." + std::to_string(i));
    x = b_.global_avg_pool(x, "avgpool");
    x = b_.flatten(x, "", "flatten");
    if (a_.hidden) {
      x = b_.linear(x, "classifier.0", a_.hidden);
      x = b_.relu(x, "classifier.1");
      x = b_.linear(x, "classifier.2", a_.classes);
    } else {
      x = b_.linear(x, "fc", a_.classes);
    }
    b_.output(x);
    return b_.finish();
  }

 private:
  int64_t channels(int x) const { return b_.shape(x).at(1); }

  // A planned width, scaled, for a unit whose input is `x`.
  int64_t scaled(int64_t width, int x) const {
    const int64_t pixels = b_.shape(x).at(2) * b_.shape(x).at(3);
    const int64_t cap =
        std::clamp(kMaxActivationElements / pixels / 4 * 4, kMinChannels, kMaxChannels);
    const int64_t c = std::llround(static_cast<double>(width) * scale_ / 4.0) * 4;
    return std::clamp(c, kMinChannels, cap);
  }

  int activation(int x, const std::string& m) { return a_.relu6 ? b_.relu6(x, m) : b_.relu(x, m); }

  // torchvision's Conv2dNormActivation: children 0, 1, 2 of module `m`.
  int conv_norm_act(int x, const std::string& m, int64_t out, int64_t kernel, int64_t stride,
                    int64_t groups) {
    x = b_.conv(x, m + ".0", out, kernel, stride, kernel / 2, groups, false);
    x = b_.batch_norm(x, m + ".1");
    return activation(x, m + ".2");
  }

  int unit(int x, const UnitPlan& p, const std::string& m) {
    switch (p.layer) {
      case Layer::conv:
        if (p.norm_act) return conv_norm_act(x, m, scaled(p.width, x), p.kernel, p.stride, 1);
        return b_.conv(x, m, scaled(p.width, x), p.kernel, p.stride, p.kernel / 2);
      case Layer::relu: return b_.relu(x, m);
      case Layer::depthwise:
        return conv_norm_act(x, m, channels(x), p.kernel, p.stride, channels(x));
      case Layer::max_pool: return b_.max_pool(x, m, p.kernel, 2, p.kernel == 3 ? 1 : 0);
      case Layer::avg_pool: return b_.avg_pool(x, m, p.kernel, 2);
      case Layer::basic_block: return basic_block(x, p, m);
      case Layer::bottleneck: return bottleneck(x, p, m);
      case Layer::inverted_residual: return inverted_residual(x, p, m);
    }
    fail(ErrorKind::internal, "random_cnn: unknown layer in the plan of " + m);
  }

  // A projection shortcut where the block changes resolution or width.
  int shortcut(int x, const std::string& m, int64_t out, int64_t stride) {
    if (stride == 1 && channels(x) == out) return x;
    const int y = b_.conv(x, m + ".downsample.0", out, 1, stride, 0, 1, false);
    return b_.batch_norm(y, m + ".downsample.1");
  }

  int basic_block(int x, const UnitPlan& p, const std::string& m) {
    const int64_t planes = scaled(p.width, x);
    int y = b_.conv(x, m + ".conv1", planes, p.kernel, p.stride, p.kernel / 2, 1, false);
    y = b_.batch_norm(y, m + ".bn1");
    y = b_.relu(y, m + ".relu");
    y = b_.conv(y, m + ".conv2", planes, p.kernel, 1, p.kernel / 2, 1, false);
    y = b_.batch_norm(y, m + ".bn2", kResidualGamma);
    y = b_.add(y, shortcut(x, m, planes, p.stride), m);
    return b_.relu(y, m + ".relu");
  }

  // torchvision's Bottleneck: 1x1 reduce to a quarter, strided 3x3, 1x1 expand.
  int bottleneck(int x, const UnitPlan& p, const std::string& m) {
    const int64_t out = scaled(p.width, x);
    const int64_t planes = out / 4;
    int y = b_.conv(x, m + ".conv1", planes, 1, 1, 0, 1, false);
    y = b_.batch_norm(y, m + ".bn1");
    y = b_.relu(y, m + ".relu");
    y = b_.conv(y, m + ".conv2", planes, p.kernel, p.stride, p.kernel / 2, 1, false);
    y = b_.batch_norm(y, m + ".bn2");
    y = b_.relu(y, m + ".relu");
    y = b_.conv(y, m + ".conv3", out, 1, 1, 0, 1, false);
    y = b_.batch_norm(y, m + ".bn3", kResidualGamma);
    y = b_.add(y, shortcut(x, m, out, p.stride), m);
    return b_.relu(y, m + ".relu");
  }

  // MobileNetV2's InvertedResidual: optional 1x1 expansion, depthwise conv,
  // linear 1x1 projection; a skip connection where shapes allow.
  int inverted_residual(int x, const UnitPlan& p, const std::string& m) {
    const int64_t in = channels(x);
    const int64_t hidden = in * p.expand;
    const int64_t out = scaled(p.width, x);
    const bool residual = p.stride == 1 && in == out;
    int child = 0;
    auto next = [&] { return m + ".conv." + std::to_string(child++); };
    int y = x;
    if (p.expand != 1) y = conv_norm_act(y, next(), hidden, 1, 1, 1);
    y = conv_norm_act(y, next(), hidden, p.kernel, p.stride, hidden);
    y = b_.conv(y, next(), out, 1, 1, 0, 1, false);
    y = b_.batch_norm(y, next(), residual ? kResidualGamma : 1.0f);
    return residual ? b_.add(x, y, m) : y;
  }

  const Architecture& a_;
  double scale_;
  GraphBuilder b_;
};

// The width scale whose model comes nearest `target_macs` without exceeding
// `max_macs`. MACs grow about quadratically with the widths.
double fit_width_scale(const Architecture& a, double target_macs, int64_t max_macs,
                       const std::string& name) {
  auto macs_at = [&](double scale) {
    return total_macs(ModelBuilder(a, scale, std::nullopt, name).build());
  };
  double scale = 1.0;
  for (int step = 0; step < 8; ++step) {
    const double ratio = target_macs / static_cast<double>(macs_at(scale));
    if (std::abs(ratio - 1.0) < 0.05) break;
    scale = std::clamp(scale * std::sqrt(ratio), kMinWidthScale, 64.0);
  }
  while (macs_at(scale) > max_macs) {
    if (scale == kMinWidthScale)
      fail(ErrorKind::invalid_input,
           name + ": even at the narrowest widths the model exceeds max_macs " +
               std::to_string(max_macs) + "; raise max_macs or lower max_units");
    scale = std::max(scale * 0.8, kMinWidthScale);
  }
  return scale;
}

void check(const RandomCnnOptions& o) {
  const int fewest = 1 + kHeadUnits;  // a stem and the head
  if (o.min_units < fewest || o.max_units < o.min_units)
    fail(ErrorKind::invalid_input, "random_cnn: units must satisfy " + std::to_string(fewest) +
                                       " <= min_units <= max_units, got " +
                                       std::to_string(o.min_units) + " and " +
                                       std::to_string(o.max_units));
  if (o.min_macs <= 0 || o.max_macs < o.min_macs)
    fail(ErrorKind::invalid_input, "random_cnn: MACs must satisfy 0 < min_macs <= max_macs, got " +
                                       std::to_string(o.min_macs) + " and " +
                                       std::to_string(o.max_macs));
}

}  // namespace

Graph random_cnn(uint64_t seed, const RandomCnnOptions& options) {
  check(options);
  const std::string name = "random_cnn_" + std::to_string(seed);
  const Architecture a = draw_architecture(seed, options);
  // The target comes from its own stream, so that it does not depend on how
  // many draws the architecture took.
  Draw target_draw(seed ^ 0x6d616373ULL);
  const double target = target_draw.log_uniform(static_cast<double>(options.min_macs),
                                                static_cast<double>(options.max_macs));
  const double scale = fit_width_scale(a, target, options.max_macs, name);
  return ModelBuilder(a, scale, options.weights ? std::optional<uint64_t>(seed) : std::nullopt,
                      name)
      .build();
}

}  // namespace splitinfer::predict
