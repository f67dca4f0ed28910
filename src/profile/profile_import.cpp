#include "profile/profile_import.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>

#include "common/error.h"
#include "graph/graph.h"

namespace splitinfer {
namespace {

using nlohmann::json;

enum class Kind { unit, prefix, suffix };

// One row of either format, before it is checked against the model.
struct Entry {
  Kind kind = Kind::unit;
  std::string where;  // "line 5" or "units[3]", for messages
  int64_t index = 0;  // unit index, or split index for prefix / suffix
  std::optional<std::string> name;
  double median_ms = 0;
  std::optional<double> p10_ms, p90_ms;
};

struct Parsed {
  std::optional<std::string> element;
  std::vector<Entry> entries;
};

[[noreturn]] void reject(const std::string& path, const std::string& what) {
  fail(ErrorKind::invalid_input, path + ": " + what);
}

std::string number_text(double v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

std::string read_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail(ErrorKind::io, path + ": is a directory, not a profile");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::io, path + ": cannot read the profile (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- JSON ----

void check_keys(const std::string& path, const json& obj, const std::string& where,
                const std::set<std::string>& allowed) {
  if (!obj.is_object()) reject(path, where + ": expected an object");
  for (const auto& item : obj.items())
    if (!allowed.count(item.key())) {
      std::string list;
      for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
      reject(path, where + ": unknown key \"" + item.key() + "\" (expected " + list + ")");
    }
}

std::optional<double> json_number(const std::string& path, const json& obj, const char* key,
                                  const std::string& where) {
  if (!obj.contains(key)) return std::nullopt;
  if (!obj[key].is_number()) reject(path, where + ": \"" + key + "\" must be a number");
  return obj[key].get<double>();
}

double required_number(const std::string& path, const json& obj, const char* key,
                       const std::string& where) {
  const auto v = json_number(path, obj, key, where);
  if (!v) reject(path, where + ": \"" + key + "\" is missing");
  return *v;
}

int64_t required_integer(const std::string& path, const json& obj, const char* key,
                         const std::string& where) {
  if (!obj.contains(key)) reject(path, where + ": \"" + key + "\" is missing");
  if (!obj[key].is_number_integer()) reject(path, where + ": \"" + key + "\" must be an integer");
  return obj[key].get<int64_t>();
}

std::optional<std::string> json_string(const std::string& path, const json& obj, const char* key,
                                       const std::string& where) {
  if (!obj.contains(key)) return std::nullopt;
  if (!obj[key].is_string()) reject(path, where + ": \"" + key + "\" must be a string");
  return obj[key].get<std::string>();
}

const json& json_array(const std::string& path, const json& doc, const char* key) {
  if (!doc[key].is_array()) reject(path, std::string("\"") + key + "\" must be an array");
  return doc[key];
}

Parsed parse_json(const std::string& path, const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    std::string what = e.what();        // drop nlohmann's "[json.exception.parse_error.101] "
    what.erase(0, what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2);
    reject(path, "not valid JSON (" + what + ")");
  }
  check_keys(path, doc, "top level", {"model", "element", "source_note", "units", "splits"});
  // Informational: checked for their type only; the units decide the match.
  json_string(path, doc, "model", "top level");
  json_string(path, doc, "source_note", "top level");
  if (!doc.contains("units")) reject(path, "\"units\" is missing");

  Parsed parsed;
  parsed.element = json_string(path, doc, "element", "top level");
  const json& units = json_array(path, doc, "units");
  for (size_t i = 0; i < units.size(); ++i) {
    const json& u = units[i];
    Entry e;
    e.where = "units[" + std::to_string(i) + "]";
    check_keys(path, u, e.where, {"index", "name", "median_ms", "p10_ms", "p90_ms"});
    e.index = required_integer(path, u, "index", e.where);
    e.name = json_string(path, u, "name", e.where);
    e.median_ms = required_number(path, u, "median_ms", e.where);
    e.p10_ms = json_number(path, u, "p10_ms", e.where);
    e.p90_ms = json_number(path, u, "p90_ms", e.where);
    parsed.entries.push_back(std::move(e));
  }
  if (!doc.contains("splits")) return parsed;
  const json& splits = json_array(path, doc, "splits");
  for (size_t i = 0; i < splits.size(); ++i) {
    const json& s = splits[i];
    Entry e;
    e.where = "splits[" + std::to_string(i) + "]";
    check_keys(path, s, e.where, {"split", "side", "median_ms", "p10_ms", "p90_ms"});
    e.index = required_integer(path, s, "split", e.where);
    const auto side = json_string(path, s, "side", e.where);
    if (side != "prefix" && side != "suffix")
      reject(path, e.where + ": \"side\" must be \"prefix\" or \"suffix\"");
    e.kind = *side == "prefix" ? Kind::prefix : Kind::suffix;
    e.median_ms = required_number(path, s, "median_ms", e.where);
    e.p10_ms = json_number(path, s, "p10_ms", e.where);
    e.p90_ms = json_number(path, s, "p90_ms", e.where);
    parsed.entries.push_back(std::move(e));
  }
  return parsed;
}

// ---- CSV ----

constexpr std::string_view kCsvHeader = "kind,index,name,median_ms,p10_ms,p90_ms";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> csv_time(const std::string& path, std::string_view field, const char* column,
                               const std::string& where, bool required) {
  if (field.empty() && !required) return std::nullopt;
  const auto v = parse_number<double>(field);
  if (!v) reject(path, where + ": " + column + " '" + std::string(field) + "' is not a number");
  return v;
}

Parsed parse_csv(const std::string& path, std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // BOM written by spreadsheets
  Parsed parsed;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const std::string where = "line " + std::to_string(++line_no);
    if (line_no == 1) {
      if (line != kCsvHeader)
        reject(path, where + ": expected the header '" + std::string(kCsvHeader) + "'");
      continue;
    }
    if (line.empty()) continue;

    std::vector<std::string_view> fields;
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      fields.push_back(trim(line.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (fields.size() != 6)
      reject(path, where + ": " + std::to_string(fields.size()) + " fields, expected 6 (" +
                       std::string(kCsvHeader) + ")");
    Entry e;
    e.where = where;
    if (fields[0] == "unit") e.kind = Kind::unit;
    else if (fields[0] == "prefix") e.kind = Kind::prefix;
    else if (fields[0] == "suffix") e.kind = Kind::suffix;
    else
      reject(path, where + ": kind '" + std::string(fields[0]) + "' is not unit, prefix or suffix");
    const auto index = parse_number<int64_t>(fields[1]);
    if (!index) reject(path, where + ": index '" + std::string(fields[1]) + "' is not an integer");
    e.index = *index;
    if (!fields[2].empty()) e.name = std::string(fields[2]);
    e.median_ms = *csv_time(path, fields[3], "median_ms", where, true);
    e.p10_ms = csv_time(path, fields[4], "p10_ms", where, false);
    e.p90_ms = csv_time(path, fields[5], "p90_ms", where, false);
    parsed.entries.push_back(std::move(e));
  }
  if (line_no == 0)
    reject(path, "empty file, expected the header '" + std::string(kCsvHeader) + "'");
  return parsed;
}

// ---- checks against the model ----

std::string resolve_element(const std::string& path, const std::optional<std::string>& in_file,
                            const std::optional<std::string>& given) {
  if (in_file && given && *in_file != *given)
    reject(path, "the profile is for element '" + *in_file + "', not '" + *given + "'");
  const std::optional<std::string>& element = in_file ? in_file : given;
  if (!element) reject(path, "the profile names no element and none was given");
  if (element->empty()) reject(path, "empty element name");
  return *element;
}

std::string describe(const Entry& e) {
  switch (e.kind) {
    case Kind::unit: return "unit " + std::to_string(e.index);
    case Kind::prefix: return "prefix of split " + std::to_string(e.index);
    case Kind::suffix: return "suffix of split " + std::to_string(e.index);
  }
  return {};
}

// The unit range an entry times; rejects indices outside the model and empty
// partitions (the prefix of split 0, the suffix of split N).
std::pair<int, int> unit_range(const std::string& path, const Entry& e, const Graph& model,
                               const std::vector<Unit>& units) {
  const int64_t n = static_cast<int64_t>(units.size());
  const std::string at = e.where + ": ";
  if (e.kind == Kind::unit) {
    if (e.index < 0 || e.index >= n)
      reject(path, at + "unit index " + std::to_string(e.index) + " is out of range 0.." +
                       std::to_string(n - 1) + " of model " + model.name);
    const Unit& u = units[static_cast<size_t>(e.index)];
    if (e.name && *e.name != u.name)
      reject(path, at + "unit " + std::to_string(e.index) + " is '" + u.name +
                       "' in the model, the profile says '" + *e.name + "'");
    return {static_cast<int>(e.index), static_cast<int>(e.index) + 1};
  }
  if (e.index < 0 || e.index > n)
    reject(path, at + "split " + std::to_string(e.index) + " is out of range 0.." +
                     std::to_string(n) + " of model " + model.name);
  const int s = static_cast<int>(e.index);
  if ((e.kind == Kind::prefix && s == 0) || (e.kind == Kind::suffix && s == n))
    reject(path, at + "the " + describe(e) + " holds no units");
  return e.kind == Kind::prefix ? std::pair{0, s} : std::pair{s, static_cast<int>(n)};
}

void check_times(const std::string& path, const Entry& e, double p10, double p90) {
  const std::string at = e.where + ": ";
  const std::pair<const char*, double> times[] = {
      {"median_ms", e.median_ms}, {"p10_ms", p10}, {"p90_ms", p90}};
  for (const auto& [column, v] : times)
    if (!std::isfinite(v) || v < 0)
      reject(path, at + column + " " + number_text(v) + " is not a finite time >= 0");
  if (p10 > e.median_ms)
    reject(path, at + "p10_ms " + number_text(p10) + " > median_ms " + number_text(e.median_ms));
  if (e.median_ms > p90)
    reject(path, at + "median_ms " + number_text(e.median_ms) + " > p90_ms " + number_text(p90));
}

ExternalProfile check_against_model(const std::string& path, const Graph& model,
                                    const Parsed& parsed, const std::optional<std::string>& given) {
  ExternalProfile profile;
  profile.element = resolve_element(path, parsed.element, given);
  const std::vector<Unit>& units = model.units;
  const auto unit_entries = std::count_if(parsed.entries.begin(), parsed.entries.end(),
                                          [](const Entry& e) { return e.kind == Kind::unit; });
  if (static_cast<size_t>(unit_entries) != units.size())
    reject(path, std::to_string(unit_entries) + (unit_entries == 1 ? " unit" : " units") +
                     ", model " + model.name + " has " + std::to_string(units.size()) +
                     " (every unit must appear once)");

  std::map<std::pair<Kind, int64_t>, std::string> first_seen;  // entry -> where it was given
  std::set<std::pair<int, int>> ranges;
  for (const Entry& e : parsed.entries) {
    const auto [first, last] = unit_range(path, e, model, units);
    const double p10 = e.p10_ms.value_or(e.median_ms);
    const double p90 = e.p90_ms.value_or(e.median_ms);
    check_times(path, e, p10, p90);
    const auto [it, fresh] = first_seen.emplace(std::pair{e.kind, e.index}, e.where);
    if (!fresh)
      reject(path, e.where + ": " + describe(e) + " appears twice (also " + it->second + ")");
    if (ranges.emplace(first, last).second)
      profile.timings.push_back({first, last, e.median_ms, p10, p90, 0, "imported"});
  }
  std::sort(profile.timings.begin(), profile.timings.end(),
            [](const RangeTiming& a, const RangeTiming& b) {
              return std::pair{a.first_unit, a.last_unit} < std::pair{b.first_unit, b.last_unit};
            });
  return profile;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

ExternalProfile read_external_profile(const std::string& path, const Graph& model,
                                      const std::optional<std::string>& element) {
  const std::string ext = lower_extension(path);
  if (ext != ".json" && ext != ".csv")
    reject(path, "unknown profile format '" + ext + "', expected a .json or .csv file");
  const std::string text = read_text(path);
  const Parsed parsed = ext == ".json" ? parse_json(path, text) : parse_csv(path, text);
  return check_against_model(path, model, parsed, element);
}

}  // namespace splitinfer
