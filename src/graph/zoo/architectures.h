// One builder per architecture family; zoo.cpp maps names onto them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace splitinfer::zoo {

Graph lenet5(std::optional<uint64_t> seed);
Graph alexnet(std::optional<uint64_t> seed);
Graph vgg16(std::optional<uint64_t> seed);
// `bottleneck` picks torchvision's Bottleneck (ResNet50+) over BasicBlock.
Graph resnet(const std::string& name, const std::vector<int>& blocks, bool bottleneck,
             std::optional<uint64_t> seed);
Graph mobilenet_v2(std::optional<uint64_t> seed);
// `name` is mobilenet_v3_small or mobilenet_v3_large (torchvision's `arch`).
Graph mobilenet_v3(const std::string& name, std::optional<uint64_t> seed);

}  // namespace splitinfer::zoo
