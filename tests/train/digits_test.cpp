// The handwritten-digits loader, LeNet-5 input encoding, the seeded split and
// LeNet-5 training with libtorch. References: the data set's published class
// counts (UCI optdigits.tes: 178 182 177 183 181 182 181 179 174 180) and
// hand-computed pixel values.
#include "train/digits.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "common/error.h"
#include "graph/zoo/zoo.h"
#include "train/lenet_digits.h"

namespace splitinfer {
namespace {

const std::string kDigitsPath = SPLITINFER_SOURCE_DIR "/tests/data/digits/digits.csv.gz";

const DigitsDataset& digits() {
  static const DigitsDataset data = load_digits(kDigitsPath);
  return data;
}

// A scratch file removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_((std::filesystem::temp_directory_path() /
               ("splitinfer_digits_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {}
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }
  void write_raw(const std::string& bytes) const {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  void write_gzip(const std::string& text) const {
    gzFile f = gzopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    if (!text.empty())
      ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
                static_cast<int>(text.size()));
    ASSERT_EQ(gzclose(f), Z_OK);
  }

 private:
  std::string path_;
};

std::string valid_row(int label) {
  std::string row;
  for (int i = 0; i < 64; ++i) row += std::to_string(i % 17) + ",";
  return row + std::to_string(label) + "\n";
}

// The Error's kind and message for loading `path`; fails the test if it loads.
Error load_error(const std::string& path) {
  try {
    load_digits(path);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "load_digits(" << path << ") did not throw";
  return Error(ErrorKind::internal, "");
}

void expect_one_line(const Error& e, const std::string& must_contain) {
  const std::string what = e.what();
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  EXPECT_NE(what.find(must_contain), std::string::npos) << what;
}

TEST(DigitsLoader, ReadsTheRealDataSet) {
  const DigitsDataset& d = digits();
  ASSERT_EQ(d.images.size(), 1797u);
  ASSERT_EQ(d.labels.size(), 1797u);
  std::map<int, int> per_class;
  for (int label : d.labels) ++per_class[label];
  ASSERT_EQ(per_class.size(), 10u);
  for (const auto& [label, count] : per_class) {
    EXPECT_GE(label, 0);
    EXPECT_LE(label, 9);
    EXPECT_GE(count, 170) << "label " << label;
    EXPECT_LE(count, 190) << "label " << label;
  }
  // The UCI test-set counts exactly.
  const int published[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], published[c]) << "label " << c;

  float lo = 16, hi = 0;
  for (const auto& image : d.images)
    for (float v : image) {
      EXPECT_EQ(v, std::floor(v));
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 16.0f);
}

TEST(DigitsLoader, FirstRowMatchesTheFile) {
  // Row 1 of digits.csv.gz, a zero: 0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,...
  const DigitsDataset& d = digits();
  EXPECT_EQ(d.labels[0], 0);
  const float head[16] = {0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(d.images[0][static_cast<size_t>(i)], head[i]) << i;
  EXPECT_EQ(d.labels[1], 1);
  EXPECT_EQ(d.labels[2], 2);
}

TEST(DigitsLoader, MissingFileIsAnIoError) {
  const std::string path = kDigitsPath + ".does-not-exist";
  const Error e = load_error(path);
  EXPECT_EQ(e.kind(), ErrorKind::io);
  expect_one_line(e, path);
}

TEST(DigitsLoader, DirectoryIsAnIoError) {
  const Error e = load_error(SPLITINFER_SOURCE_DIR "/tests/data/digits");
  EXPECT_EQ(e.kind(), ErrorKind::io);
  expect_one_line(e, "directory");
}

TEST(DigitsLoader, NonGzipFileIsRejected) {
  TempFile f("plain.csv.gz");
  f.write_raw(valid_row(3));  // plain text: zlib's transparent mode must not accept it
  const Error e = load_error(f.path());
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  expect_one_line(e, f.path());
}

TEST(DigitsLoader, TruncatedGzipIsRejected) {
  std::ifstream in(kDigitsPath, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  TempFile f("truncated.csv.gz");
  f.write_raw(bytes.substr(0, bytes.size() / 2));
  const Error e = load_error(f.path());
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  expect_one_line(e, "truncated");
}

TEST(DigitsLoader, CorruptedGzipIsRejected) {
  std::ifstream in(kDigitsPath, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t i = 100; i < 200; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  TempFile f("corrupt.csv.gz");
  f.write_raw(bytes);
  const Error e = load_error(f.path());
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  expect_one_line(e, "corrupt gzip");
}

TEST(DigitsLoader, EmptyFilesAreRejected) {
  TempFile raw("empty_raw.csv.gz");
  raw.write_raw("");
  EXPECT_EQ(load_error(raw.path()).kind(), ErrorKind::invalid_input);
  TempFile gz("empty.csv.gz");
  gz.write_gzip("");
  const Error e = load_error(gz.path());
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  expect_one_line(e, "no images");
}

TEST(DigitsLoader, MalformedRowsNameTheLine) {
  const std::string good = valid_row(4) + valid_row(7);
  std::string too_few = valid_row(1);
  too_few.erase(too_few.find(','), 2);  // drops "0," -> 64 values
  const struct {
    const char* what;
    std::string third_row;
    const char* message;
  } cases[] = {
      {"too few values", too_few, "expected 65"},
      {"too many values", valid_row(1).insert(0, "0,"), "expected 65"},
      {"pixel above 16", "17," + valid_row(1).substr(2), "pixel 0"},
      {"negative pixel", "-1," + valid_row(1).substr(2), "pixel 0"},
      {"not a number", "x," + valid_row(1).substr(2), "pixel 0"},
      {"empty field", "," + valid_row(1).substr(2), "pixel 0"},
      {"label 10", valid_row(1).substr(0, valid_row(1).rfind(',') + 1) + "10\n", "label"},
      {"fractional label", valid_row(1).substr(0, valid_row(1).rfind(',') + 1) + "1.5\n", "label"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempFile f("malformed.csv.gz");
    f.write_gzip(good + c.third_row + valid_row(2));
    const Error e = load_error(f.path());
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    expect_one_line(e, f.path() + ":3:");
    expect_one_line(e, c.message);
  }
}

TEST(DigitsLoader, AcceptsCrLfAndATrailingBlankLine) {
  TempFile f("crlf.csv.gz");
  std::string row = valid_row(9);
  row.insert(row.size() - 1, "\r");
  f.write_gzip(row + row + "\n");
  const DigitsDataset d = load_digits(f.path());
  ASSERT_EQ(d.images.size(), 2u);
  EXPECT_EQ(d.labels[1], 9);
  EXPECT_EQ(d.images[1][16], 16.0f);  // 16 % 17
}

TEST(DigitsInput, EnlargesByNearestNeighbourAndScales) {
  std::array<float, 64> image{};
  for (int i = 0; i < 64; ++i) image[static_cast<size_t>(i)] = static_cast<float>(i % 17);
  const std::vector<float> x = digit_to_lenet_input(image);
  ASSERT_EQ(x.size(), 32u * 32u);
  for (int y = 0; y < 32; ++y)
    for (int c = 0; c < 32; ++c) {
      const int src = (y / 4) * 8 + c / 4;
      ASSERT_FLOAT_EQ(x[static_cast<size_t>(y * 32 + c)], static_cast<float>(src % 17) / 16.0f)
          << "row " << y << " col " << c;
    }
  // Hand-computed corners: pixel (0,0) = 0, pixel (7,7) = 63 % 17 = 12 -> 0.75.
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[32 * 32 - 1], 0.75f);
  EXPECT_EQ(x[(4 * 32) + 4], 9.0f / 16.0f);  // pixel (1,1) = 9
}

TEST(DigitsSplit, IsDeterministicDisjointStratifiedAndSeeded) {
  const DigitsDataset& d = digits();
  const DigitsSplit a = split_digits(d, 0.2, 7);
  const DigitsSplit b = split_digits(d, 0.2, 7);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);

  ASSERT_EQ(a.train.size() + a.test.size(), d.images.size());
  std::set<int> all(a.train.begin(), a.train.end());
  for (int i : a.test) EXPECT_TRUE(all.insert(i).second) << "index " << i << " in both";
  EXPECT_EQ(all.size(), d.images.size());
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), static_cast<int>(d.images.size()) - 1);

  // Stratified: each class contributes round(count * 0.2) test images.
  std::map<int, int> count, test_count;
  for (int label : d.labels) ++count[label];
  for (int i : a.test) ++test_count[d.labels[static_cast<size_t>(i)]];
  for (const auto& [label, n] : count)
    EXPECT_EQ(test_count[label], static_cast<int>(std::lround(n * 0.2))) << "label " << label;

  const DigitsSplit other = split_digits(d, 0.2, 8);
  EXPECT_NE(other.test, a.test);
  EXPECT_EQ(other.test.size(), a.test.size());
}

TEST(DigitsSplit, RejectsBadFractions) {
  for (double f : {0.0, 1.0, -0.5, 1.5, std::nan("")})
    EXPECT_THROW(split_digits(digits(), f, 1), Error) << f;
}

// One full training run shared by the tests below (about ten seconds).
class DigitsLenet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    split_ = new DigitsSplit(split_digits(digits(), 0.2, 2024));
    TrainOptions options;
    options.seed = 11;
    result_ = new TrainResult(train_lenet_digits(digits(), split_->train, split_->test, options));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete split_;
  }
  static DigitsSplit* split_;
  static TrainResult* result_;
};
DigitsSplit* DigitsLenet::split_ = nullptr;
TrainResult* DigitsLenet::result_ = nullptr;

TEST_F(DigitsLenet, ReachesHeldOutAccuracy) {
  std::printf(
      "[ digits ] LeNet-5: train accuracy %.4f, held-out accuracy %.4f (%zu images), "
      "%.2f s\n",
      result_->train_accuracy, result_->test_accuracy, split_->test.size(), result_->seconds);
  EXPECT_GE(result_->test_accuracy, 0.95);
  EXPECT_GE(result_->train_accuracy, 0.95);
  EXPECT_LE(result_->train_accuracy, 1.0);
  EXPECT_GT(result_->seconds, 0.0);
}

TEST_F(DigitsLenet, GraphCarriesTheTrainedWeights) {
  const Graph& trained = result_->model;
  const Graph untrained = build_zoo_model("lenet5", 11);
  const Graph shapes = build_zoo_model("lenet5", std::nullopt);
  ASSERT_EQ(trained.tensors.size(), untrained.tensors.size());
  const std::map<std::string, Shape> expected = {
      {"conv1.weight", {6, 1, 5, 5}},  {"conv1.bias", {6}},
      {"conv2.weight", {16, 6, 5, 5}}, {"conv2.bias", {16}},
      {"fc1.weight", {120, 400}},      {"fc1.bias", {120}},
      {"fc2.weight", {84, 120}},       {"fc2.bias", {84}},
      {"fc3.weight", {10, 84}},        {"fc3.bias", {10}},
  };
  int params = 0;
  for (const Tensor& t : trained.tensors) {
    if (t.role != TensorRole::param) continue;
    ++params;
    SCOPED_TRACE(t.name);
    ASSERT_TRUE(expected.count(t.name));
    EXPECT_EQ(t.shape, expected.at(t.name));
    EXPECT_EQ(t.shape, shapes.tensor(shapes.find_tensor(t.name)).shape);
    ASSERT_TRUE(t.has_data());
    const auto values = t.floats();
    ASSERT_EQ(static_cast<int64_t>(values.size()), numel(t.shape));
    const auto seeded = untrained.tensor(untrained.find_tensor(t.name)).floats();
    ASSERT_EQ(values.size(), seeded.size());
    size_t same = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_TRUE(std::isfinite(values[i]));
      same += values[i] == seeded[i];
    }
    EXPECT_EQ(same, 0u);
  }
  EXPECT_EQ(params, 10);
}

TEST(DigitsLenetTraining, IsBitwiseReproducible) {
  // Two short runs on a small subset with the same seed give identical weights.
  const DigitsSplit split = split_digits(digits(), 0.5, 3);
  const std::vector<int> train(split.train.begin(), split.train.begin() + 200);
  const std::vector<int> test(split.test.begin(), split.test.begin() + 100);
  TrainOptions options;
  options.seed = 5;
  options.epochs = 1;
  const TrainResult a = train_lenet_digits(digits(), train, test, options);
  const TrainResult b = train_lenet_digits(digits(), train, test, options);
  EXPECT_EQ(a.test_accuracy, b.test_accuracy);
  for (const Tensor& t : a.model.tensors) {
    if (t.role != TensorRole::param) continue;
    const auto x = t.floats();
    const auto y = b.model.tensor(b.model.find_tensor(t.name)).floats();
    ASSERT_EQ(x.size(), y.size());
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin())) << t.name;
  }
}

TEST(DigitsLenetTraining, RejectsBadArguments) {
  const std::vector<int> some = {0, 1, 2};
  EXPECT_THROW(train_lenet_digits(digits(), {}, some), Error);
  EXPECT_THROW(train_lenet_digits(digits(), some, {}), Error);
  EXPECT_THROW(train_lenet_digits(digits(), {0, 1797}, some), Error);
  EXPECT_THROW(train_lenet_digits(digits(), {-1}, some), Error);
  TrainOptions bad;
  bad.epochs = 0;
  EXPECT_THROW(train_lenet_digits(digits(), some, some, bad), Error);
  bad = {};
  bad.batch_size = 0;
  EXPECT_THROW(train_lenet_digits(digits(), some, some, bad), Error);
  bad = {};
  bad.learning_rate = -1;
  EXPECT_THROW(train_lenet_digits(digits(), some, some, bad), Error);
}

}  // namespace
}  // namespace splitinfer
