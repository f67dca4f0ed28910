#include <algorithm>
#include <vector>

#include "common/error.h"
#include "graph/builder.h"
#include "graph/zoo/architectures.h"

namespace splitinfer::zoo {
namespace {

// MobileNetV3's norm layer: BatchNorm2d(eps=0.001, momentum=0.01).
constexpr float kBnEpsilon = 1e-3f;
constexpr float kBnMomentum = 0.01f;

enum class Activation { none, relu, hardswish };

// torchvision's Conv2dNormActivation: conv (no bias), BatchNorm and, unless
// `act` is none, the activation, as children 0, 1, 2 of module `m`.
int conv_bn_act(GraphBuilder& b, int x, const std::string& m, int64_t out, int64_t kernel,
                int64_t stride, int64_t groups, Activation act, float gamma_scale = 1.0f) {
  x = b.conv(x, m + ".0", out, kernel, stride, (kernel - 1) / 2, groups, false);
  x = b.batch_norm(x, m + ".1", gamma_scale, kBnEpsilon, kBnMomentum);
  switch (act) {
    case Activation::relu: return b.relu(x, m + ".2");
    case Activation::hardswish: return b.hardswish(x, m + ".2");
    case Activation::none: break;
  }
  return x;
}

// torchvision's _make_divisible(v, 8): the nearest multiple of 8, at least 8,
// never more than 10 % below v.
int64_t make_divisible(int64_t v, int64_t divisor = 8) {
  int64_t rounded = std::max(divisor, (v + divisor / 2) / divisor * divisor);
  if (10 * rounded < 9 * v) rounded += divisor;
  return rounded;
}

// torchvision.ops.SqueezeExcitation with MobileNetV3's Hardsigmoid gate:
// avgpool -> fc1 -> ReLU -> fc2 -> Hardsigmoid, times the input.
int squeeze_excitation(GraphBuilder& b, int x, const std::string& m) {
  const int64_t channels = b.shape(x).at(1);
  int scale = b.global_avg_pool(x, m + ".avgpool");
  scale = b.conv(scale, m + ".fc1", make_divisible(channels / 4), 1);
  scale = b.relu(scale, m + ".activation");
  scale = b.conv(scale, m + ".fc2", channels, 1);
  scale = b.hardsigmoid(scale, m + ".scale_activation");
  return b.mul(scale, x, m);
}

// One row of the paper's Tables 1 and 2 (torchvision's InvertedResidualConfig
// at width_mult 1.0, no dilation).
struct Bneck {
  int64_t kernel, expanded, out;
  bool se, hardswish;
  int64_t stride;
};

int inverted_residual(GraphBuilder& b, int x, const std::string& m, const Bneck& c) {
  const int64_t in = b.shape(x).at(1);
  const Activation act = c.hardswish ? Activation::hardswish : Activation::relu;
  const bool residual = c.stride == 1 && in == c.out;
  int y = x;
  int child = 0;
  auto next = [&] { return m + ".block." + std::to_string(child++); };
  if (c.expanded != in) y = conv_bn_act(b, y, next(), c.expanded, 1, 1, 1, act);
  y = conv_bn_act(b, y, next(), c.expanded, c.kernel, c.stride, c.expanded, act);
  if (c.se) y = squeeze_excitation(b, y, next());
  y = conv_bn_act(b, y, next(), c.out, 1, 1, 1, Activation::none, residual ? 0.2f : 1.0f);
  return residual ? b.add(y, x, m) : y;
}

}  // namespace

Graph mobilenet_v3(const std::string& name, std::optional<uint64_t> seed) {
  // torchvision's _mobilenet_v3_conf: kernel, expanded, out, SE, HS, stride;
  // every block's input is the previous block's output, the first one's 16.
  std::vector<Bneck> blocks;
  int64_t last_channel = 0;
  // clang-format off
  if (name == "mobilenet_v3_large") {
    blocks = {{3, 16, 16, false, false, 1},
              {3, 64, 24, false, false, 2},    // C1
              {3, 72, 24, false, false, 1},
              {5, 72, 40, true, false, 2},     // C2
              {5, 120, 40, true, false, 1},
              {5, 120, 40, true, false, 1},
              {3, 240, 80, false, true, 2},    // C3
              {3, 200, 80, false, true, 1},
              {3, 184, 80, false, true, 1},
              {3, 184, 80, false, true, 1},
              {3, 480, 112, true, true, 1},
              {3, 672, 112, true, true, 1},
              {5, 672, 160, true, true, 2},    // C4
              {5, 960, 160, true, true, 1},
              {5, 960, 160, true, true, 1}};
    last_channel = 1280;                       // C5
  } else if (name == "mobilenet_v3_small") {
    blocks = {{3, 16, 16, true, false, 2},     // C1
              {3, 72, 24, false, false, 2},    // C2
              {3, 88, 24, false, false, 1},
              {5, 96, 40, true, true, 2},      // C3
              {5, 240, 40, true, true, 1},
              {5, 240, 40, true, true, 1},
              {5, 120, 48, true, true, 1},
              {5, 144, 48, true, true, 1},
              {5, 288, 96, true, true, 2},     // C4
              {5, 576, 96, true, true, 1},
              {5, 576, 96, true, true, 1}};
    last_channel = 1024;                       // C5
  } else {
    fail(ErrorKind::invalid_input, "unknown MobileNetV3 variant '" + name + "'");
  }
  // clang-format on

  GraphBuilder b(name, seed);
  int x = b.input("input", {1, 3, 224, 224});
  x = conv_bn_act(b, x, "features.0", 16, 3, 2, 1, Activation::hardswish);
  int index = 1;
  for (const Bneck& c : blocks)
    x = inverted_residual(b, x, "features." + std::to_string(index++), c);
  x = conv_bn_act(b, x, "features." + std::to_string(index), 6 * b.shape(x).at(1), 1, 1, 1,
                  Activation::hardswish);
  x = b.global_avg_pool(x, "avgpool");
  x = b.flatten(x, "", "flatten");
  x = b.linear(x, "classifier.0", last_channel);
  x = b.hardswish(x, "classifier.1");
  x = b.dropout(x, "classifier.2", 0.2f);
  x = b.linear(x, "classifier.3", 1000);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::zoo
