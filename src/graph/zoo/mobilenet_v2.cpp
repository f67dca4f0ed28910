#include "graph/builder.h"
#include "graph/zoo/architectures.h"

namespace splitinfer::zoo {
namespace {

// torchvision's Conv2dNormActivation: conv (no bias), BatchNorm, ReLU6, as
// children 0, 1, 2 of module `m`.
int conv_bn_relu6(GraphBuilder& b, int x, const std::string& m, int64_t out, int64_t kernel,
                  int64_t stride, int64_t groups) {
  x = b.conv(x, m + ".0", out, kernel, stride, (kernel - 1) / 2, groups, false);
  x = b.batch_norm(x, m + ".1");
  return b.relu6(x, m + ".2");
}

int inverted_residual(GraphBuilder& b, int x, const std::string& m, int64_t out, int64_t stride,
                      int64_t expand) {
  const int64_t in = b.shape(x).at(1);
  const int64_t hidden = in * expand;
  int y = x;
  int child = 0;
  if (expand != 1) y = conv_bn_relu6(b, y, m + ".conv." + std::to_string(child++), hidden, 1, 1, 1);
  y = conv_bn_relu6(b, y, m + ".conv." + std::to_string(child++), hidden, 3, stride, hidden);
  y = b.conv(y, m + ".conv." + std::to_string(child++), out, 1, 1, 0, 1, false);
  const bool residual = stride == 1 && in == out;
  y = b.batch_norm(y, m + ".conv." + std::to_string(child), residual ? 0.2f : 1.0f);
  return residual ? b.add(x, y, m) : y;
}

}  // namespace

Graph mobilenet_v2(std::optional<uint64_t> seed) {
  GraphBuilder b("mobilenet_v2", seed);
  int x = b.input("input", {1, 3, 224, 224});
  x = conv_bn_relu6(b, x, "features.0", 32, 3, 2, 1);
  struct Stage {
    int64_t expand, channels, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int index = 1;
  for (const Stage& s : stages)
    for (int64_t i = 0; i < s.repeats; ++i)
      x = inverted_residual(b, x, "features." + std::to_string(index++), s.channels,
                            i == 0 ? s.stride : 1, s.expand);
  x = conv_bn_relu6(b, x, "features." + std::to_string(index), 1280, 1, 1, 1);
  x = b.global_avg_pool(x, "", "adaptive_avg_pool2d");
  x = b.flatten(x, "", "flatten");
  x = b.dropout(x, "classifier.0", 0.2f);
  x = b.linear(x, "classifier.1", 1000);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::zoo
