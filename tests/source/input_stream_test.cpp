// Frame sources: a video decoded with FFmpeg's libraries gives every frame,
// each preprocessed exactly as the same picture given as a PNG; a directory
// gives its images in name order; a missing, corrupt, audio-only or empty
// source is one Error naming it. Test videos are written with Debian's
// ffmpeg command line (from PNGs written here; lossless FFV1 where pixels are
// compared).
#include "source/input_stream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "exec/image_input.h"
#include "runtime/prefetched_frames.h"
#include "source/video_reader.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;

Image8 noise_image(int width, int height, unsigned seed) {
  std::mt19937 rng(seed);
  Image8 image{width, height, 3, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(rng() % 256);
  return image;
}

class InputStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v ffmpeg > /dev/null") != 0)
      GTEST_SKIP() << "ffmpeg is missing (scripts/setup.sh installs it)";
    dir_ = testing::make_temp_dir();
    fs::create_directory(dir_ + "/frames");
    for (int i = 0; i < 5; ++i)
      write_png(frame_png(i), noise_image(48, 40, static_cast<unsigned>(i) + 1));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string frame_png(int i) const { return dir_ + "/frames/f" + std::to_string(i) + ".png"; }

  // ffmpeg ARGS > /dev/null, asserted to succeed.
  void ffmpeg(const std::string& args) const {
    ASSERT_EQ(std::system(("ffmpeg -loglevel error -y " + args + " > /dev/null 2>&1").c_str()), 0)
        << args;
  }

  static std::vector<std::vector<float>> all(InputStream& s) {
    std::vector<std::vector<float>> out;
    while (std::optional<Handoff> f = s.next()) out.push_back(f->to_floats());
    return out;
  }

  std::string dir_;
};

TEST_F(InputStreamTest, ALosslessVideoGivesEachFrameAsItsPngGivesIt) {
  const std::string video = dir_ + "/clip.mkv";
  ffmpeg("-framerate 10 -i " + dir_ + "/frames/f%d.png -c:v ffv1 -pix_fmt bgr0 " + video);
  for (const Shape& shape : {Shape{1, 3, 32, 32}, Shape{1, 1, 28, 28}}) {
    InputStream stream(video, shape);
    const auto frames = all(stream);
    ASSERT_EQ(frames.size(), 5u);
    EXPECT_EQ(stream.frames_read(), 5u);
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(frames[static_cast<size_t>(i)], read_image_input(frame_png(i), shape))
          << "frame " << i << " for input " << shape_to_string(shape);
  }
}

TEST_F(InputStreamTest, ALongCompressedVideoGivesEveryFrame) {
  const std::string video = dir_ + "/long.mp4";
  ffmpeg("-f lavfi -i testsrc=size=96x64:rate=30 -frames:v 301 -c:v mpeg4 " + video);
  InputStream stream(video, {1, 3, 32, 32});
  EXPECT_EQ(all(stream).size(), 301u);
}

TEST_F(InputStreamTest, ADirectoryGivesItsImagesInNameOrder) {
  InputStream stream(dir_ + "/frames", {1, 3, 32, 32});
  const auto frames = all(stream);
  ASSERT_EQ(frames.size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(frames[static_cast<size_t>(i)], read_image_input(frame_png(i), {1, 3, 32, 32}));
  InputStream one(frame_png(2), {1, 3, 32, 32});
  EXPECT_EQ(all(one).size(), 1u);
}

// Other normalizations: each frame is the image preprocessed with them (a
// different tensor from the default's), and a resize smaller than the crop is
// refused.
TEST_F(InputStreamTest, ANormalizationOtherThanImageNetsReachesEveryFrame) {
  const Shape shape{1, 3, 32, 32};
  const ImageNormalization unit{{0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}, 48};
  InputStream stream(dir_ + "/frames", shape, unit);
  const auto frames = all(stream);
  ASSERT_EQ(frames.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const std::vector<float> want =
        preprocess_image(decode_image(frame_png(i)), shape, frame_png(i), unit);
    EXPECT_EQ(frames[static_cast<size_t>(i)], want);
    EXPECT_NE(frames[static_cast<size_t>(i)], read_image_input(frame_png(i), shape));
    for (float v : want) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
  }
  try {
    InputStream too_small(frame_png(0), shape, {{}, {0.2f, 0.2f, 0.2f}, 20});
    ADD_FAILURE() << "a 20-pixel resize fed a 32x32 crop";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("32x32 crop"), std::string::npos) << e.what();
  }
}

void expect_error(const std::string& path, const Shape& shape, ErrorKind kind,
                  const std::string& fragment) {
  try {
    InputStream stream(path, shape);
    ADD_FAILURE() << path << " opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST_F(InputStreamTest, BadSourcesAreOneErrorNamingThem) {
  const Shape shape{1, 3, 32, 32};
  expect_error(dir_ + "/none.mp4", shape, ErrorKind::io, "none.mp4: no such file");
  std::ofstream(dir_ + "/corrupt.mp4") << std::string(4000, 'x');
  expect_error(dir_ + "/corrupt.mp4", shape, ErrorKind::invalid_input, "corrupt.mp4");
  ffmpeg("-f lavfi -i anullsrc=r=8000 -t 0.2 " + dir_ + "/audio.mkv");
  expect_error(dir_ + "/audio.mkv", shape, ErrorKind::invalid_input, "has no video stream");
  ffmpeg("-f lavfi -i testsrc=size=64x48 -frames:v 0 -c:v ffv1 " + dir_ + "/empty.mkv");
  expect_error(dir_ + "/empty.mkv", shape, ErrorKind::invalid_input, "empty.mkv");
  fs::create_directory(dir_ + "/nothing");
  expect_error(dir_ + "/nothing", shape, ErrorKind::invalid_input, "holds no PNG or JPEG");
  std::ofstream(dir_ + "/notes.txt") << "hello";
  expect_error(dir_ + "/notes.txt", shape, ErrorKind::invalid_input, "neither a video");
  expect_error(frame_png(0), {1, 4, 32, 32}, ErrorKind::invalid_input, "1x4x32x32");
}

// A video whose later packets are damaged: the frames before the damage
// come out, then one Error naming the file (or the stream ends early); never
// a crash or a hang.
TEST_F(InputStreamTest, ATruncatedVideoEndsCleanly) {
  const std::string video = dir_ + "/cut.mp4";
  ffmpeg("-f lavfi -i testsrc=size=96x64:rate=30 -frames:v 60 -c:v mpeg4 -f avi " + video);
  const auto size = fs::file_size(video);
  fs::resize_file(video, size / 2);
  try {
    InputStream stream(video, {1, 3, 32, 32});
    const size_t n = all(stream).size();
    EXPECT_LT(n, 60u);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
  }
}

TEST_F(InputStreamTest, PrefetchedFramesComeInOrderAheadOfTheConsumer) {
  InputStream stream(dir_ + "/frames", {1, 3, 32, 32});
  PrefetchedFrames prefetched([&stream] { return stream.next(); }, 2);
  for (int i = 0; i < 5; ++i) {
    const Handoff* f = prefetched.next();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->to_floats(), read_image_input(frame_png(i), {1, 3, 32, 32}));
  }
  EXPECT_EQ(prefetched.next(), nullptr);
  EXPECT_EQ(prefetched.produce_ms().size(), 5u);
}

}  // namespace
}  // namespace splitinfer
