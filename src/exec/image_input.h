// Images as model inputs: PNG (libpng) and JPEG (libjpeg-turbo) files decoded
// and turned into the model's NCHW float32 input the way torchvision's
// standard ImageNet evaluation transform does on a PIL image:
//
//   convert("RGB") (grayscale expanded, alpha dropped; convert("L") with
//   ITU-R 601-2 luma for a 1-channel input), Resize(round(max(H, W) * 256/224),
//   bilinear with PIL's antialiasing), CenterCrop(H, W), ToTensor() (x / 255),
//   Normalize(mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)).
//
// A 1-channel input (LeNet-5) gets luminance in [0, 1], not normalised: the
// scale the LeNet-5 digits model is trained on (train/digits.h). The resize,
// crop and conversions reproduce Pillow's integer arithmetic, so the tensor
// equals torchvision's for the same file (tests/exec/image_input_test.cpp
// compares them).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "graph/tensor.h"

namespace splitinfer {

// Mixed into calibration cache keys of image inputs: change it whenever the
// preprocessing changes.
inline constexpr std::string_view kImagePreprocessing =
    "image preprocessing 1: PIL bilinear resize 256/224, center crop, ImageNet mean/std";

// 8-bit pixels, row-major and interleaved; channels 1 (gray), 2 (gray+alpha),
// 3 (RGB) or 4 (RGBA).
struct Image8 {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;
};

// True for a path ending in .png, .jpg or .jpeg, in any letter case.
bool is_image_path(const std::string& path);

// The image files (is_image_path) directly in `dir`, sorted by name; an io
// Error when the directory cannot be listed.
std::vector<std::string> image_files_in(const std::string& dir);

// Decodes a PNG or JPEG (told apart by content, not name): gray, gray+alpha,
// RGB or RGBA, 16-bit samples reduced to their high byte, palettes expanded.
// An io Error for an unreadable file; invalid_input naming the file for a
// corrupt or truncated one; unsupported for a CMYK JPEG.
Image8 decode_image(const std::string& path);

// How an image becomes a 3-channel model input; the defaults are
// torchvision's ImageNet evaluation transform described above. A 1-channel
// input always takes luminance in [0, 1].
struct ImageNormalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // per RGB channel, of x / 255
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  // The shorter side before the center crop; 0: round(max(H, W) * 256 / 224)
  // of the model input's H x W. Must be at least the crop's longer side.
  int resize_shorter = 0;
};

// The preprocessed input for a model input of `shape` 1xCxHxW, C 1 or 3
// (invalid_input otherwise); `path` names the image in messages.
std::vector<float> preprocess_image(const Image8& image, const Shape& shape,
                                    const std::string& path,
                                    const ImageNormalization& normalization = {});

// decode_image + preprocess_image.
std::vector<float> read_image_input(const std::string& path, const Shape& shape,
                                    const ImageNormalization& normalization = {});

// A model input from a file: an image by its name (is_image_path), otherwise
// raw float32 NCHW (exec/tensor_file.h).
std::vector<float> read_input_file(const std::string& path, const Shape& shape);

// Encoders, used by tests to make images: channels 1-4 for PNG, 1 or 3 for
// JPEG (quality 1..100). An io Error when the file cannot be written.
void write_png(const std::string& path, const Image8& image);
void write_jpeg(const std::string& path, const Image8& image, int quality = 90);

}  // namespace splitinfer
