#include "graph/attributes.h"

#include "common/error.h"

namespace splitinfer {

template <typename T>
T Attributes::get(const std::string& key, T fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  fail(ErrorKind::invalid_input, "attribute '" + key + "' has the wrong type");
}

int64_t Attributes::get_int(const std::string& key, int64_t fallback) const {
  return get<int64_t>(key, fallback);
}
float Attributes::get_float(const std::string& key, float fallback) const {
  return get<float>(key, fallback);
}
std::vector<int64_t> Attributes::get_ints(const std::string& key,
                                          std::vector<int64_t> fallback) const {
  return get<std::vector<int64_t>>(key, std::move(fallback));
}
std::vector<float> Attributes::get_floats(const std::string& key,
                                          std::vector<float> fallback) const {
  return get<std::vector<float>>(key, std::move(fallback));
}
std::string Attributes::get_string(const std::string& key, std::string fallback) const {
  return get<std::string>(key, std::move(fallback));
}

}  // namespace splitinfer
