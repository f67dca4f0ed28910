// Node attributes: a small typed map with defaulting getters.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace splitinfer {

using AttrValue =
    std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string>;

class Attributes {
 public:
  void set(const std::string& key, AttrValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  void erase(const std::string& key) { values_.erase(key); }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  // Each getter returns `fallback` when the key is absent and throws an
  // invalid_input Error naming the key when it holds another type.
  int64_t get_int(const std::string& key, int64_t fallback) const;
  float get_float(const std::string& key, float fallback) const;
  std::vector<int64_t> get_ints(const std::string& key, std::vector<int64_t> fallback = {}) const;
  std::vector<float> get_floats(const std::string& key, std::vector<float> fallback = {}) const;
  std::string get_string(const std::string& key, std::string fallback = {}) const;

 private:
  template <typename T>
  T get(const std::string& key, T fallback) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace splitinfer
