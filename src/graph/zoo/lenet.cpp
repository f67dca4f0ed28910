#include "graph/builder.h"
#include "graph/zoo/architectures.h"

namespace splitinfer::zoo {

// The classic LeNet-5 layout (LeCun et al. 1998) with ReLU and max pooling,
// as most PyTorch ports write it: 61,706 parameters.
Graph lenet5(std::optional<uint64_t> seed) {
  GraphBuilder b("lenet5", seed);
  int x = b.input("input", {1, 1, 32, 32});
  x = b.conv(x, "conv1", 6, 5);
  x = b.relu(x, "relu1");
  x = b.max_pool(x, "pool1", 2, 2);
  x = b.conv(x, "conv2", 16, 5);
  x = b.relu(x, "relu2");
  x = b.max_pool(x, "pool2", 2, 2);
  x = b.flatten(x, "", "flatten");
  x = b.linear(x, "fc1", 120);
  x = b.relu(x, "relu3");
  x = b.linear(x, "fc2", 84);
  x = b.relu(x, "relu4");
  x = b.linear(x, "fc3", 10);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::zoo
