#include "graph/builder.h"
#include "graph/zoo/architectures.h"

namespace splitinfer::zoo {
namespace {

std::string at(const std::string& parent, int index) {
  return parent + "." + std::to_string(index);
}

// torchvision's classifier head after AdaptiveAvgPool2d: on 224x224 inputs
// the pool already sees its target size, so it is a 1x1 average pool.
int pool_and_flatten(GraphBuilder& b, int x) {
  x = b.avg_pool(x, "avgpool", 1, 1);
  return b.flatten(x, "", "flatten");
}

}  // namespace

Graph alexnet(std::optional<uint64_t> seed) {
  GraphBuilder b("alexnet", seed);
  int x = b.input("input", {1, 3, 224, 224});
  x = b.conv(x, "features.0", 64, 11, 4, 2);
  x = b.relu(x, "features.1");
  x = b.max_pool(x, "features.2", 3, 2);
  x = b.conv(x, "features.3", 192, 5, 1, 2);
  x = b.relu(x, "features.4");
  x = b.max_pool(x, "features.5", 3, 2);
  x = b.conv(x, "features.6", 384, 3, 1, 1);
  x = b.relu(x, "features.7");
  x = b.conv(x, "features.8", 256, 3, 1, 1);
  x = b.relu(x, "features.9");
  x = b.conv(x, "features.10", 256, 3, 1, 1);
  x = b.relu(x, "features.11");
  x = b.max_pool(x, "features.12", 3, 2);
  x = pool_and_flatten(b, x);
  x = b.dropout(x, "classifier.0", 0.5f);
  x = b.linear(x, "classifier.1", 4096);
  x = b.relu(x, "classifier.2");
  x = b.dropout(x, "classifier.3", 0.5f);
  x = b.linear(x, "classifier.4", 4096);
  x = b.relu(x, "classifier.5");
  x = b.linear(x, "classifier.6", 1000);
  b.output(x);
  return b.finish();
}

Graph vgg16(std::optional<uint64_t> seed) {
  GraphBuilder b("vgg16", seed);
  int x = b.input("input", {1, 3, 224, 224});
  constexpr int kPool = 0;
  const int config[] = {64,    64,  kPool, 128, 128,   kPool, 256, 256, 256,
                        kPool, 512, 512,   512, kPool, 512,   512, 512, kPool};
  int index = 0;
  for (int channels : config) {
    if (channels == kPool) {
      x = b.max_pool(x, at("features", index++), 2, 2);
    } else {
      x = b.conv(x, at("features", index++), channels, 3, 1, 1);
      x = b.relu(x, at("features", index++));
    }
  }
  x = pool_and_flatten(b, x);
  x = b.linear(x, "classifier.0", 4096);
  x = b.relu(x, "classifier.1");
  x = b.dropout(x, "classifier.2", 0.5f);
  x = b.linear(x, "classifier.3", 4096);
  x = b.relu(x, "classifier.4");
  x = b.dropout(x, "classifier.5", 0.5f);
  x = b.linear(x, "classifier.6", 1000);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::zoo
