#include "train/digits.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "common/error.h"
#include "common/gzip.h"
#include "common/read_file.h"

namespace splitinfer {
namespace {

// The real file is 57 KB compressed, 0.3 MB inflated; the limits only stop a
// hostile file (a gzip bomb) from exhausting memory.
constexpr uintmax_t kMaxCompressedBytes = uintmax_t{64} << 20;
constexpr size_t kMaxInflatedBytes = size_t{256} << 20;

// Parses a decimal integer field (blanks around it allowed); -1 when malformed.
int parse_field(std::string_view field) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
  int value = -1;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) return -1;
  return value;
}

// A short, printable excerpt of an offending field for the one-line message.
std::string quote(std::string_view s) {
  std::string q;
  for (char c : s.substr(0, 20)) q += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 20) q += "...";
  return "'" + q + "'";
}

// splitmix64, the same generator the zoo builder uses for weights.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, bound) by rejection, independent of the standard library.
uint64_t uniform_below(uint64_t& state, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do r = next_random(state);
  while (r >= limit);
  return r % bound;
}

}  // namespace

DigitsDataset load_digits(const std::string& csv_gz_path) {
  const std::string text =
      gunzip(read_regular_file(csv_gz_path, kMaxCompressedBytes, "a digits .csv.gz file"),
             csv_gz_path, kMaxInflatedBytes);
  DigitsDataset data;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // a trailing blank line

    const std::string where = csv_gz_path + ":" + std::to_string(line_no) + ": ";
    // Split first, so that a row with too many values is reported as such
    // rather than by what its 65th value happens to be.
    std::array<std::string_view, kDigitsPixels + 1> fields;
    size_t count = 0;
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      if (count < fields.size())
        fields[count] = line.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      ++count;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (count != fields.size())
      fail(ErrorKind::invalid_input, where + "has " + std::to_string(count) +
                                         " comma-separated values, expected 65 (64 pixels "
                                         "and a label)");
    std::array<float, 64> image{};
    for (size_t i = 0; i < kDigitsPixels; ++i) {
      const int value = parse_field(fields[i]);
      if (value < 0 || value > kDigitsMaxPixel)
        fail(ErrorKind::invalid_input, where + "pixel " + std::to_string(i) + " is " +
                                           quote(fields[i]) + ", expected an integer in 0..16");
      image[i] = static_cast<float>(value);
    }
    const int label = parse_field(fields[kDigitsPixels]);
    if (label < 0 || label >= kDigitsClasses)
      fail(ErrorKind::invalid_input,
           where + "label is " + quote(fields[kDigitsPixels]) + ", expected an integer in 0..9");
    data.images.push_back(image);
    data.labels.push_back(label);
  }
  if (data.images.empty()) fail(ErrorKind::invalid_input, csv_gz_path + ": holds no images");
  return data;
}

std::vector<float> digit_to_lenet_input(const std::array<float, 64>& image) {
  constexpr size_t side = kLenetInputSide, source_side = kDigitsSide;
  constexpr size_t scale = side / source_side;  // 4
  std::vector<float> out(side * side);
  for (size_t y = 0; y < side; ++y)
    for (size_t x = 0; x < side; ++x)
      out[y * side + x] =
          image[(y / scale) * source_side + x / scale] / static_cast<float>(kDigitsMaxPixel);
  return out;
}

DigitsSplit split_digits(const DigitsDataset& data, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    fail(ErrorKind::invalid_input, "digits split: test fraction " + std::to_string(test_fraction) +
                                       " must lie strictly between 0 and 1");
  if (data.labels.size() != data.images.size())
    fail(ErrorKind::invalid_input, "digits split: " + std::to_string(data.images.size()) +
                                       " images but " + std::to_string(data.labels.size()) +
                                       " labels");
  std::array<std::vector<int>, kDigitsClasses> by_class;
  for (size_t i = 0; i < data.labels.size(); ++i) {
    const int label = data.labels[i];
    if (label < 0 || label >= kDigitsClasses)
      fail(ErrorKind::invalid_input, "digits split: image " + std::to_string(i) + " has label " +
                                         std::to_string(label) + ", expected 0..9");
    by_class[static_cast<size_t>(label)].push_back(static_cast<int>(i));
  }

  DigitsSplit split;
  uint64_t state = seed;
  for (std::vector<int>& members : by_class) {
    // Fisher-Yates with our own generator: identical on every platform.
    for (size_t i = members.size(); i > 1; --i)
      std::swap(members[i - 1], members[uniform_below(state, i)]);
    const auto n_test =
        static_cast<size_t>(std::lround(static_cast<double>(members.size()) * test_fraction));
    split.test.insert(split.test.end(), members.begin(),
                      members.begin() + static_cast<std::ptrdiff_t>(n_test));
    split.train.insert(split.train.end(), members.begin() + static_cast<std::ptrdiff_t>(n_test),
                       members.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

}  // namespace splitinfer
