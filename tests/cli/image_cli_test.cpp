// Images on the command line: `infer --input` and `--calib` take PNG and JPEG
// files (and directories of them for --calib); a damaged image is one error
// line and exit code 3.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "exec/image_input.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

Image8 noise_image(int width, int height, int channels, unsigned seed) {
  std::mt19937 rng(seed);
  Image8 image{width, height, channels,
               std::vector<uint8_t>(static_cast<size_t>(width) * height * channels)};
  for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(rng() % 256);
  return image;
}

class ImageCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir();
    setenv("SPLITINFER_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
    fs::create_directory(dir_ + "/calib");
    write_png(dir_ + "/calib/a.png", noise_image(40, 36, 3, 1));
    write_jpeg(dir_ + "/calib/b.jpg", noise_image(50, 44, 3, 2));
    write_jpeg(dir_ + "/calib/c.jpeg", noise_image(33, 33, 1, 3));
    write_png(dir_ + "/calib/d.png", noise_image(64, 48, 4, 4));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ImageCli, InferTakesAnImageInputAndImageCalibration) {
  const std::string out = dir_ + "/y.bin";
  const std::string calib = dir_ + "/calib/a.png," + dir_ + "/calib/b.jpg";
  for (const std::string& precision : {"fp32", "int8"}) {
    const auto r = run_cli("infer lenet5 --input " + dir_ + "/calib/b.jpg --output " + out +
                           " --precision " + precision + " --calib " + calib + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["output_shape"], (std::vector<int>{1, 10}));
    EXPECT_EQ(fs::file_size(out), 10u * sizeof(float));
  }
}

TEST_F(ImageCli, CalibratesFromADirectoryOfImages) {
  const auto r = run_cli("infer lenet5 --input " + dir_ + "/calib/d.png --output " + dir_ +
                         "/y.bin --precision int8 --calib " + dir_ + "/calib");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The cache holds one calibration; a changed image makes another.
  const auto entries = [&] {
    return std::distance(fs::directory_iterator(dir_ + "/cache/calibrations"),
                         fs::directory_iterator{});
  };
  EXPECT_EQ(entries(), 1);
  write_png(dir_ + "/calib/a.png", noise_image(40, 36, 3, 9));
  ASSERT_EQ(run_cli("infer lenet5 --input " + dir_ + "/calib/d.png --output " + dir_ +
                    "/y.bin --precision int8 --calib " + dir_ + "/calib")
                .exit_code,
            0);
  EXPECT_EQ(entries(), 2);
}

TEST_F(ImageCli, DamagedImagesAreOneLineErrors) {
  const std::string good = dir_ + "/calib/b.jpg";
  std::ifstream in(good, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  std::ofstream(dir_ + "/cut.jpg", std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  std::ofstream(dir_ + "/cut.png", std::ios::binary) << "\x89PNG\r\n\x1a\n";  // the signature alone
  const std::string out = dir_ + "/y.bin";
  testing::expect_one_line_error(
      run_cli("infer lenet5 --input " + dir_ + "/cut.png --output " + out), 3,
      "cut.png: corrupt or truncated PNG image");
  testing::expect_one_line_error(
      run_cli("infer lenet5 --input " + good + " --output " + out + " --precision int8 --calib " +
              dir_ + "/calib/a.png," + dir_ + "/cut.jpg"),
      3, "cut.jpg: corrupt or truncated JPEG image");
  fs::create_directory(dir_ + "/empty");
  testing::expect_one_line_error(run_cli("infer lenet5 --input " + good + " --output " + out +
                                         " --precision int8 --calib " + dir_ + "/empty"),
                                 3, "holds no .png, .jpg or .jpeg images");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace splitinfer
