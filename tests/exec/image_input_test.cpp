// PNG and JPEG model inputs (exec/image_input.h): decoding, the ImageNet
// preprocessing checked by hand and against torchvision on the same files,
// and one-line errors for damaged files.
#include "exec/image_input.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "common/error.h"
#include "exec/calibration_source.h"
#include "exec/tensor_file.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};
const Shape kImageNet = {1, 3, 224, 224};
const Shape kLenet = {1, 1, 32, 32};
constexpr size_t kPlane = size_t{224} * 224;  // one channel of kImageNet

Image8 make_image(int width, int height, int channels,
                  const std::function<uint8_t(int x, int y, int ch)>& value) {
  Image8 image{width, height, channels, {}};
  image.pixels.resize(static_cast<size_t>(width) * height * channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int ch = 0; ch < channels; ++ch)
        image.pixels[(static_cast<size_t>(y) * width + x) * channels + ch] = value(x, y, ch);
  return image;
}

// Smooth gradients plus noise: something like a photo, for JPEG as much as PNG.
Image8 textured(int width, int height, int channels, unsigned seed) {
  std::mt19937 rng(seed);
  return make_image(width, height, channels, [&](int x, int y, int ch) {
    return static_cast<uint8_t>((x * 3 + y * 2 + ch * 70 + static_cast<int>(rng() % 48)) % 256);
  });
}

float normalised(int value, int channel) {
  return (static_cast<float>(value) / 255.0f - kMean[channel]) / kStd[channel];
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The Error a call throws: its kind, a fragment of its message, one line.
void expect_error(const std::function<void()>& call, ErrorKind kind, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no error; expected one containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

class ImageInput : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(ImageInput, RecognisesImagesByExtensionInAnyCase) {
  EXPECT_TRUE(is_image_path("a.png"));
  EXPECT_TRUE(is_image_path("dir.x/B.JPG"));
  EXPECT_TRUE(is_image_path("c.Jpeg"));
  EXPECT_FALSE(is_image_path("x.bin"));
  EXPECT_FALSE(is_image_path("png"));
  EXPECT_FALSE(is_image_path("a.png.bin"));
}

TEST_F(ImageInput, PngAndJpegRoundTrip) {
  for (int channels : {1, 2, 3, 4}) {
    const Image8 image = textured(37, 23, channels, 5);
    write_png(path("a.png"), image);
    const Image8 back = decode_image(path("a.png"));
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 23);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, image.pixels) << channels << " channels";
  }
  for (int channels : {1, 3}) {
    write_jpeg(path("a.jpg"), textured(37, 23, channels, 5), 95);
    const Image8 back = decode_image(path("a.jpg"));
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 23);
    EXPECT_EQ(back.channels, channels);
  }
}

// A constant colour survives the resize and crop exactly: (c/255 - mean) / std.
TEST_F(ImageInput, ConstantColourGivesTheNormalisedColour) {
  const int rgb[3] = {200, 100, 50};
  write_png(path("c.png"), make_image(300, 211, 3, [&](int, int, int ch) { return rgb[ch]; }));
  const std::vector<float> x = read_image_input(path("c.png"), kImageNet);
  ASSERT_EQ(x.size(), 3u * 224 * 224);
  for (int ch = 0; ch < 3; ++ch)
    for (size_t i = 0; i < kPlane; ++i)
      ASSERT_EQ(x[ch * kPlane + i], normalised(rgb[ch], ch)) << "channel " << ch << " at " << i;

  // LeNet-5's single channel: Pillow's luma, (200*19595 + 100*38470 + 50*7471 + 32768) >> 16 = 124,
  // in [0, 1] without normalisation.
  const std::vector<float> gray = read_image_input(path("c.png"), kLenet);
  ASSERT_EQ(gray.size(), 32u * 32);
  for (float v : gray) ASSERT_EQ(v, 124.0f / 255.0f);
}

// A 256x300 image needs no resize for 224x224 (its shorter side is already
// 256): the output is the centre crop, rows 38.. and columns 16.., by hand.
TEST_F(ImageInput, CropsTheCentreWhenNoResizeIsNeeded) {
  auto value = [](int x, int y, int ch) {
    return static_cast<uint8_t>((x + 2 * y + 60 * ch) % 256);
  };
  write_png(path("g.png"), make_image(256, 300, 3, value));
  const std::vector<float> x = read_image_input(path("g.png"), kImageNet);
  for (int ch = 0; ch < 3; ++ch)
    for (int r = 0; r < 224; ++r)
      for (int c = 0; c < 224; ++c)
        ASSERT_EQ(x[(ch * 224 + r) * 224 + c], normalised(value(c + 16, r + 38, ch), ch))
            << ch << " " << r << " " << c;
}

// Shrinking 768 -> 256 (scale 3) with PIL's antialiased bilinear filter: each
// output column weighs input columns 3o-1 .. 3o+3 by 1/9, 2/9, 3/9, 2/9, 1/9.
// Columns with x % 3 == 2 at 255, the others 0, give 255 * (1/9 + 2/9) = 85
// everywhere; a plain (not antialiased) bilinear resize would give 0.
TEST_F(ImageInput, ShrinksWithPilsAntialiasedBilinearFilter) {
  write_png(path("s.png"),
            make_image(768, 768, 3, [](int x, int, int) { return x % 3 == 2 ? 255 : 0; }));
  const std::vector<float> x = read_image_input(path("s.png"), kImageNet);
  for (int ch = 0; ch < 3; ++ch)
    for (size_t i = 0; i < kPlane; ++i)
      ASSERT_EQ(x[ch * kPlane + i], normalised(85, ch)) << ch << " " << i;
}

TEST_F(ImageInput, AlphaIsDroppedNotComposited) {
  write_png(path("rgba.png"), make_image(64, 64, 4, [](int x, int y, int ch) {
              return ch == 3 ? static_cast<uint8_t>((x * 4 + y) % 256)
                             : static_cast<uint8_t>(40 + 60 * ch);
            }));
  const std::vector<float> x = read_image_input(path("rgba.png"), {1, 3, 16, 16});
  for (int ch = 0; ch < 3; ++ch)
    for (int i = 0; i < 16 * 16; ++i) ASSERT_EQ(x[ch * 256 + i], normalised(40 + 60 * ch, ch));
}

TEST_F(ImageInput, GrayscaleJpegFillsEveryChannel) {
  // Quality 100: a flat gray block is coded exactly.
  write_jpeg(path("g.jpg"), make_image(50, 40, 1, [](int, int, int) { return 77; }), 100);
  const Image8 decoded = decode_image(path("g.jpg"));
  ASSERT_EQ(decoded.channels, 1);
  const std::vector<float> x = read_image_input(path("g.jpg"), {1, 3, 20, 20});
  for (int ch = 0; ch < 3; ++ch)
    for (int i = 0; i < 400; ++i) ASSERT_EQ(x[ch * 400 + i], normalised(77, ch));
  for (float v : read_image_input(path("g.jpg"), kLenet)) ASSERT_EQ(v, 77.0f / 255.0f);
}

TEST_F(ImageInput, ReadInputFileTellsImagesFromRawTensors) {
  const std::vector<float> raw(size_t{32} * 32, 0.25f);
  write_tensor_file(path("x.bin"), raw);
  EXPECT_EQ(read_input_file(path("x.bin"), kLenet), raw);
  write_png(path("X.PNG"), make_image(40, 40, 1, [](int, int, int) { return 51; }));
  for (float v : read_input_file(path("X.PNG"), kLenet)) ASSERT_EQ(v, 51.0f / 255.0f);
}

TEST_F(ImageInput, RejectsModelInputsAnImageCannotFeed) {
  write_png(path("a.png"), textured(20, 20, 3, 1));
  for (const Shape& shape : {Shape{1, 4, 8, 8}, Shape{2, 3, 8, 8}, Shape{1, 3, 8}, Shape{1, 10}})
    expect_error([&] { read_image_input(path("a.png"), shape); }, ErrorKind::invalid_input,
                 "a.png: an image can feed a model input of 1x3xHxW or 1x1xHxW only");
}

TEST_F(ImageInput, RefusesAnAspectRatioThatWouldResizeBeyondTheLimit) {
  write_png(path("strip.png"), make_image(600000, 1, 1, [](int, int, int) { return 9; }));
  expect_error([&] { read_image_input(path("strip.png"), kImageNet); }, ErrorKind::invalid_input,
               "strip.png: a 600000x1 image resized to a shorter side of 256 would exceed");
}

TEST_F(ImageInput, DamagedFilesGiveOneLineErrorsNamingThem) {
  write_png(path("good.png"), textured(120, 90, 3, 2));
  write_jpeg(path("good.jpg"), textured(120, 90, 3, 2), 90);
  const std::string png = read_bytes(path("good.png"));
  const std::string jpg = read_bytes(path("good.jpg"));

  for (size_t keep : {size_t{8}, size_t{30}, png.size() / 2, png.size() - 30}) {
    write_bytes(path("cut.png"), png.substr(0, keep));
    expect_error([&] { decode_image(path("cut.png")); }, ErrorKind::invalid_input,
                 "cut.png: corrupt or truncated PNG image");
  }
  for (size_t keep : {size_t{3}, size_t{200}, jpg.size() / 2, jpg.size() - 2}) {
    write_bytes(path("cut.jpg"), jpg.substr(0, keep));
    expect_error([&] { decode_image(path("cut.jpg")); }, ErrorKind::invalid_input,
                 "cut.jpg: corrupt or truncated JPEG image");
  }
  // Damaged compressed data (the signature and headers intact).
  std::string bad_png = png;
  for (size_t i = 100; i < bad_png.size() - 20; i += 7)
    bad_png[i] = static_cast<char>(bad_png[i] ^ 0x5a);
  write_bytes(path("bad.png"), bad_png);
  expect_error([&] { decode_image(path("bad.png")); }, ErrorKind::invalid_input,
               "bad.png: corrupt or truncated PNG image");
  std::string bad_jpg = jpg;  // damaged entropy-coded data
  for (size_t i = jpg.size() / 2; i < jpg.size() - 200; i += 5)
    bad_jpg[i] = static_cast<char>(bad_jpg[i] ^ 0x5a);
  write_bytes(path("bad.jpg"), bad_jpg);
  expect_error([&] { decode_image(path("bad.jpg")); }, ErrorKind::invalid_input,
               "bad.jpg: corrupt or truncated JPEG image");

  write_bytes(path("text.png"), "not an image at all\n");
  expect_error([&] { decode_image(path("text.png")); }, ErrorKind::invalid_input,
               "text.png: not a PNG or JPEG image");
  write_bytes(path("empty.jpg"), "");
  expect_error([&] { decode_image(path("empty.jpg")); }, ErrorKind::invalid_input,
               "empty.jpg: not a PNG or JPEG image");
  expect_error([&] { decode_image(path("none.png")); }, ErrorKind::io, "none.png");
  expect_error([&] { decode_image(dir_); }, ErrorKind::io, "is a directory");
}

// Every truncation and many random corruptions: an Error or a decoded image,
// never a crash or an exit (libjpeg's and libpng's defaults would exit/abort).
TEST_F(ImageInput, EveryTruncationAndCorruptionIsAnErrorNotACrash) {
  write_png(path("p.png"), textured(40, 30, 3, 7));
  write_jpeg(path("j.jpg"), textured(40, 30, 3, 7), 80);
  for (const std::string name : {"p.png", "j.jpg"}) {
    const std::string bytes = read_bytes(path(name));
    const std::string cut = path("cut-" + name);
    // A PNG cut inside its final IEND chunk (12 bytes) still holds the whole image.
    const size_t complete = name == "p.png" ? bytes.size() - 12 : bytes.size();
    for (size_t keep = 0; keep < complete; ++keep) {
      write_bytes(cut, bytes.substr(0, keep));
      EXPECT_THROW(decode_image(cut), Error) << name << " cut to " << keep << " bytes";
    }
    std::mt19937 rng(11);
    for (int trial = 0; trial < 300; ++trial) {
      std::string damaged = bytes;
      for (int flips = 0; flips < 1 + trial % 8; ++flips)
        damaged[rng() % damaged.size()] = static_cast<char>(rng() % 256);
      write_bytes(cut, damaged);
      try {
        decode_image(cut);
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      }
    }
  }
}

TEST_F(ImageInput, CalibrationListsExpandDirectoriesSortedByName) {
  fs::create_directory(path("imgs"));
  write_png(path("imgs/b.png"), textured(8, 8, 3, 1));
  write_jpeg(path("imgs/a.JPG"), textured(8, 8, 3, 1));
  write_bytes(path("imgs/notes.txt"), "x");
  write_bytes(path("imgs/c.bin"), "x");
  fs::create_directory(path("imgs/sub.png"));
  const std::vector<std::string> files =
      calibration_input_files(path("x.bin") + "," + path("imgs") + ",," + path("y.jpg"));
  EXPECT_EQ(files, (std::vector<std::string>{path("x.bin"), path("imgs/a.JPG"), path("imgs/b.png"),
                                             path("y.jpg")}));
  EXPECT_TRUE(calibration_input_files("16").empty());
  fs::create_directory(path("empty"));
  expect_error([&] { calibration_input_files(path("empty")); }, ErrorKind::invalid_input,
               "holds no .png, .jpg or .jpeg images");
}

// The same files through torchvision (Debian's python3-torchvision and
// python3-pil): Resize, CenterCrop, ToTensor, Normalize. Pillow's integer
// resampling is reproduced, so the tensors agree exactly.
TEST_F(ImageInput, MatchesTorchvisionOnTheSameFiles) {
  if (std::system("/usr/bin/python3 -c 'import PIL, torch, torchvision' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3-pil or python3-torchvision missing";
  struct Case {
    std::string name;
    Image8 image;
    Shape shape;
  };
  const std::vector<Case> cases = {
      {"landscape.png", textured(300, 227, 3, 1), kImageNet},
      {"portrait.jpg", textured(181, 263, 3, 2), kImageNet},
      {"small.png", textured(97, 120, 3, 3), kImageNet},  // enlarged
      {"rgba.png", textured(150, 150, 4, 4), {1, 3, 64, 96}},
      {"gray.jpg", textured(200, 170, 1, 5), kImageNet},
      {"graya.png", textured(71, 90, 2, 6), {1, 3, 40, 40}},
      {"digit.png", textured(64, 48, 3, 7), kLenet},
      {"digit.jpg", textured(29, 31, 1, 8), kLenet},
      // Written by PIL (an empty image here): formats write_png/write_jpeg do not make.
      {"palette.png", {}, kImageNet},
      {"bilevel.png", {}, kImageNet},
      {"progressive.jpg", {}, kImageNet},
      {"palette.png", {}, kLenet},
  };
  const std::string script =
      "/usr/bin/python3 " SPLITINFER_SOURCE_DIR "/tests/exec/torchvision_preprocess.py ";
  for (const Case& c : cases) {
    const std::string file = path(c.name);
    if (c.image.pixels.empty()) {
      const std::string kind = c.name.substr(0, c.name.find('.'));
      ASSERT_EQ(std::system((script + "--make " + kind + " " + file).c_str()), 0) << kind;
    } else if (c.name.ends_with(".png")) {
      write_png(file, c.image);
    } else {
      write_jpeg(file, c.image, 85);
    }
    const std::string reference = file + ".torchvision.bin";
    const std::string command = script + file + " " + std::to_string(c.shape[1]) + " " +
                                std::to_string(c.shape[2]) + " " + std::to_string(c.shape[3]) +
                                " " + reference;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const std::vector<float> expected = read_tensor_file(reference, c.shape);
    const std::vector<float> actual = read_image_input(file, c.shape);
    ASSERT_EQ(actual.size(), expected.size());
    size_t differing = 0;
    float worst = 0.0f;
    for (size_t i = 0; i < actual.size(); ++i) {
      differing += actual[i] != expected[i];
      worst = std::max(worst, std::abs(actual[i] - expected[i]));
    }
    EXPECT_EQ(differing, 0u) << c.name << ": " << differing << " of " << actual.size()
                             << " values differ, by up to " << worst;
  }
}

}  // namespace
}  // namespace splitinfer
