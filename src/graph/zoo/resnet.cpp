#include "graph/builder.h"
#include "graph/zoo/architectures.h"

namespace splitinfer::zoo {
namespace {

// Residual branches end in a BatchNorm whose random scale is damped, so that
// activations of random-weight deep ResNets neither explode nor vanish.
constexpr float kResidualGamma = 0.2f;

int basic_block(GraphBuilder& b, int x, const std::string& m, int64_t planes, int64_t stride) {
  const int64_t in_planes = b.shape(x).at(1);
  int out = b.conv(x, m + ".conv1", planes, 3, stride, 1, 1, false);
  out = b.batch_norm(out, m + ".bn1");
  out = b.relu(out, m + ".relu");
  out = b.conv(out, m + ".conv2", planes, 3, 1, 1, 1, false);
  out = b.batch_norm(out, m + ".bn2", kResidualGamma);
  int identity = x;
  if (stride != 1 || in_planes != planes) {
    identity = b.conv(x, m + ".downsample.0", planes, 1, stride, 0, 1, false);
    identity = b.batch_norm(identity, m + ".downsample.1");
  }
  out = b.add(out, identity, m);
  return b.relu(out, m + ".relu");
}

// torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 conv).
int bottleneck(GraphBuilder& b, int x, const std::string& m, int64_t planes, int64_t stride) {
  constexpr int64_t kExpansion = 4;
  const int64_t in_planes = b.shape(x).at(1);
  int out = b.conv(x, m + ".conv1", planes, 1, 1, 0, 1, false);
  out = b.batch_norm(out, m + ".bn1");
  out = b.relu(out, m + ".relu");
  out = b.conv(out, m + ".conv2", planes, 3, stride, 1, 1, false);
  out = b.batch_norm(out, m + ".bn2");
  out = b.relu(out, m + ".relu");
  out = b.conv(out, m + ".conv3", planes * kExpansion, 1, 1, 0, 1, false);
  out = b.batch_norm(out, m + ".bn3", kResidualGamma);
  int identity = x;
  if (stride != 1 || in_planes != planes * kExpansion) {
    identity = b.conv(x, m + ".downsample.0", planes * kExpansion, 1, stride, 0, 1, false);
    identity = b.batch_norm(identity, m + ".downsample.1");
  }
  out = b.add(out, identity, m);
  return b.relu(out, m + ".relu");
}

}  // namespace

Graph resnet(const std::string& name, const std::vector<int>& blocks, bool use_bottleneck,
             std::optional<uint64_t> seed) {
  GraphBuilder b(name, seed);
  int x = b.input("input", {1, 3, 224, 224});
  x = b.conv(x, "conv1", 64, 7, 2, 3, 1, false);
  x = b.batch_norm(x, "bn1");
  x = b.relu(x, "relu");
  x = b.max_pool(x, "maxpool", 3, 2, 1);
  const int64_t planes[] = {64, 128, 256, 512};
  for (size_t stage = 0; stage < blocks.size(); ++stage) {
    const std::string layer = "layer" + std::to_string(stage + 1);
    for (int i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = (stage > 0 && i == 0) ? 2 : 1;
      const std::string m = layer + "." + std::to_string(i);
      x = use_bottleneck ? bottleneck(b, x, m, planes[stage], stride)
                         : basic_block(b, x, m, planes[stage], stride);
    }
  }
  x = b.global_avg_pool(x, "avgpool");
  x = b.flatten(x, "", "flatten");
  x = b.linear(x, "fc", 1000);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::zoo
