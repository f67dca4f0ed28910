#include "onnx/input_shapes.h"

#include <sstream>

#include "common/error.h"

namespace splitinfer {

namespace {

Shape parse_dims(const std::string& value, const std::string& dims) {
  Shape shape;
  std::stringstream in(dims);
  for (std::string item; std::getline(in, item, 'x');) {
    size_t used = 0;
    long long d = 0;
    try {
      d = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || d < 1 || d > (1ll << 30))
      fail(ErrorKind::invalid_input,
           "--input-shape '" + value + "' is not NAME=1x3x640x640 or 1x3x640x640");
    shape.push_back(d);
  }
  if (shape.empty() || dims.back() == 'x')
    fail(ErrorKind::invalid_input,
         "--input-shape '" + value + "' is not NAME=1x3x640x640 or 1x3x640x640");
  return shape;
}

}  // namespace

InputShapes parse_input_shapes(const std::vector<std::string>& values) {
  InputShapes shapes;
  for (const std::string& value : values) {
    const size_t eq = value.rfind('=');
    if (eq == std::string::npos) {
      if (shapes.unnamed || values.size() > 1)
        fail(ErrorKind::invalid_input, "--input-shape '" + value +
                                           "' names no input; with several values, write "
                                           "NAME=1x3x640x640 for each");
      shapes.unnamed = parse_dims(value, value);
      continue;
    }
    const std::string name = value.substr(0, eq);
    if (name.empty())
      fail(ErrorKind::invalid_input,
           "--input-shape '" + value + "' is not NAME=1x3x640x640 or 1x3x640x640");
    if (shapes.named.count(name))
      fail(ErrorKind::invalid_input, "--input-shape gives input '" + name + "' twice");
    shapes.named[name] = parse_dims(value, value.substr(eq + 1));
  }
  return shapes;
}

}  // namespace splitinfer
