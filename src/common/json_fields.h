// Checked reads of the fields of a JSON document loaded from a file, for
// files a user may have truncated or edited: every failure is one
// invalid_input Error whose message starts with where the field is (the
// file, and the model or part at fault).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"

namespace splitinfer {

class FieldReader {
 public:
  FieldReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

  [[noreturn]] void reject(const std::string& what) const {
    fail(ErrorKind::invalid_input, where_ + ": " + what);
  }

  template <typename T>
  T get(const char* key) const {
    if (!j_.contains(key)) reject(std::string("has no \"") + key + "\"");
    try {
      return j_.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      reject(std::string("\"") + key + "\" has the wrong type");
    }
  }

  // `key`'s array of `count` finite values >= 0.
  template <typename T>
  std::vector<T> column(const char* key, int count) const {
    return values<T>(get<nlohmann::json>(key), key, count);
  }

  // `array` (named `name` in messages) as `count` finite values >= 0.
  template <typename T>
  std::vector<T> values(const nlohmann::json& array, const std::string& name, int count) const {
    std::vector<T> v;
    try {
      v = array.get<std::vector<T>>();
    } catch (const nlohmann::json::exception&) {
      reject("\"" + name + "\" has the wrong type");
    }
    if (v.size() != static_cast<size_t>(count))
      reject("\"" + name + "\" has " + std::to_string(v.size()) + " values, not " +
             std::to_string(count));
    for (T x : v)
      if (!(x >= 0) || !std::isfinite(static_cast<double>(x)))
        reject("\"" + name + "\" holds " + std::to_string(x) + ", not a finite value >= 0");
    return v;
  }

 private:
  const nlohmann::json& j_;
  std::string where_;
};

}  // namespace splitinfer
