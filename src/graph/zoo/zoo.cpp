#include "graph/zoo/zoo.h"

#include <functional>

#include "common/error.h"
#include "graph/zoo/architectures.h"

namespace splitinfer {
namespace {

struct Entry {
  ZooModelInfo info;
  std::function<Graph(std::optional<uint64_t>)> build;
};

const std::vector<Entry>& entries() {
  using S = std::optional<uint64_t>;
  static const std::vector<Entry> list = {
      {{"lenet5", "LeNet-5, 1x32x32 input, 10 classes"}, zoo::lenet5},
      {{"alexnet", "torchvision AlexNet, 3x224x224"}, zoo::alexnet},
      {{"vgg16", "torchvision VGG16 (no BatchNorm), 3x224x224"}, zoo::vgg16},
      {{"resnet18", "torchvision ResNet18, 3x224x224"},
       [](S s) {
         return zoo::resnet("resnet18", {2, 2, 2, 2}, false, s);
       }},
      {{"resnet50", "torchvision ResNet50, 3x224x224"},
       [](S s) {
         return zoo::resnet("resnet50", {3, 4, 6, 3}, true, s);
       }},
      {{"resnet101", "torchvision ResNet101, 3x224x224"},
       [](S s) {
         return zoo::resnet("resnet101", {3, 4, 23, 3}, true, s);
       }},
      {{"resnet152", "torchvision ResNet152, 3x224x224"},
       [](S s) {
         return zoo::resnet("resnet152", {3, 8, 36, 3}, true, s);
       }},
      {{"mobilenet_v2", "torchvision MobileNetV2, 3x224x224"}, zoo::mobilenet_v2},
      {{"mobilenet_v3_small", "torchvision MobileNetV3-Small, 3x224x224"},
       [](S s) { return zoo::mobilenet_v3("mobilenet_v3_small", s); }},
      {{"mobilenet_v3_large", "torchvision MobileNetV3-Large, 3x224x224"},
       [](S s) { return zoo::mobilenet_v3("mobilenet_v3_large", s); }},
  };
  return list;
}

}  // namespace

const std::vector<ZooModelInfo>& zoo_models() {
  static const std::vector<ZooModelInfo> infos = [] {
    std::vector<ZooModelInfo> v;
    for (const Entry& e : entries()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

bool is_zoo_model(const std::string& name) {
  for (const Entry& e : entries())
    if (e.info.name == name) return true;
  return false;
}

Graph build_zoo_model(const std::string& name, std::optional<uint64_t> weight_seed) {
  for (const Entry& e : entries())
    if (e.info.name == name) return e.build(weight_seed);
  std::string known;
  for (const Entry& e : entries()) known += (known.empty() ? "" : ", ") + e.info.name;
  fail(ErrorKind::invalid_input,
       "unknown model '" + name + "' (zoo models: " + known + "; or give a path to an .onnx file)");
}

}  // namespace splitinfer
