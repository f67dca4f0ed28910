#include "exec/image_input.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

// clang-format off
#include <jpeglib.h>  // after <cstdio>: it needs FILE and size_t declared
#include <jerror.h>   // after jpeglib.h
#include <png.h>
// clang-format on

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/read_file.h"
#include "exec/tensor_file.h"

namespace splitinfer {

namespace {

constexpr uintmax_t kMaxImageFileBytes = uintmax_t{256} << 20;
constexpr int64_t kMaxPixels = 100'000'000;

// torchvision's ImageNet normalisation (float32, as torch applies it).

// A library message on one line.
std::string one_line(const char* message) {
  std::string s = message;
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

bool starts_with_png_signature(const std::string& bytes) {
  static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSignature, 8) == 0;
}

bool starts_with_jpeg_signature(const std::string& bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xff &&
         static_cast<unsigned char>(bytes[1]) == 0xd8 &&
         static_cast<unsigned char>(bytes[2]) == 0xff;
}

enum class DecodeResult { ok, corrupt, too_large, cmyk };

// ---- PNG (libpng). A libpng error longjmps back into decode_png_into, whose
// locals are all trivially destructible; what outlives the jump (the structs,
// the image, the message) belongs to its caller.

struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const unsigned char* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  char message[256] = {};
  ~PngState() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

void png_on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}  // libpng carries on; so do we

void png_read_from_memory(png_structp png, png_bytep out, size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > state->size - state->pos) png_error(png, "the file ends early");
  std::memcpy(out, state->data + state->pos, length);
  state->pos += length;
}

DecodeResult decode_png_into(PngState* s, Image8* out) {
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, png_on_error, png_on_warning);
  if (!s->png) return DecodeResult::corrupt;
  s->info = png_create_info_struct(s->png);
  if (!s->info) return DecodeResult::corrupt;
  if (setjmp(png_jmpbuf(s->png))) return DecodeResult::corrupt;
  png_set_read_fn(s->png, s, png_read_from_memory);
  png_read_info(s->png, s->info);
  const png_uint_32 width = png_get_image_width(s->png, s->info);
  const png_uint_32 height = png_get_image_height(s->png, s->info);
  if (static_cast<int64_t>(width) * height > kMaxPixels) return DecodeResult::too_large;
  const int bit_depth = png_get_bit_depth(s->png, s->info);
  const int color_type = png_get_color_type(s->png, s->info);
  // 8-bit samples as Pillow reads them: 16-bit ones keep their high byte,
  // palettes and 1/2/4-bit gray expand to 8 bits (a tRNS chunk becomes an
  // alpha channel, dropped later).
  if (bit_depth == 16) png_set_strip_16(s->png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(s->png);
  const int passes = png_set_interlace_handling(s->png);
  png_read_update_info(s->png, s->info);
  const int channels = png_get_channels(s->png, s->info);
  const size_t stride = png_get_rowbytes(s->png, s->info);
  if (channels < 1 || channels > 4 || stride != static_cast<size_t>(width) * channels)
    png_error(s->png, "unexpected pixel layout after expansion");
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  out->channels = channels;
  out->pixels.resize(stride * height);
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y)
      png_read_row(s->png, out->pixels.data() + y * stride, nullptr);
  return DecodeResult::ok;
}

// ---- JPEG (libjpeg-turbo). libjpeg's default error handler calls exit();
// this one longjmps back into decode_jpeg_into, and treats the warnings that
// mean damaged data (a truncated file among them) as errors.

struct JpegFailure {
  jpeg_error_mgr manager;  // first: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_on_error(j_common_ptr cinfo) {
  auto* failure = reinterpret_cast<JpegFailure*>(cinfo->err);
  cinfo->err->format_message(cinfo, failure->message);
  std::longjmp(failure->jump, 1);
}

void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace output
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:  // libjpeg would pad a truncated file with gray
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC: jpeg_on_error(cinfo);
    default: ++cinfo->err->num_warnings;  // e.g. extraneous bytes before a marker: harmless
  }
}

DecodeResult decode_jpeg_into(jpeg_decompress_struct* cinfo, JpegFailure* failure,
                              const std::string& bytes, Image8* out) {
  cinfo->err = jpeg_std_error(&failure->manager);
  failure->manager.error_exit = jpeg_on_error;
  failure->manager.emit_message = jpeg_on_message;
  if (setjmp(failure->jump)) return DecodeResult::corrupt;
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK)
    return DecodeResult::cmyk;
  if (static_cast<int64_t>(cinfo->image_width) * cinfo->image_height > kMaxPixels)
    return DecodeResult::too_large;
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(cinfo);
  const size_t stride = static_cast<size_t>(cinfo->output_width) * cinfo->output_components;
  out->width = static_cast<int>(cinfo->output_width);
  out->height = static_cast<int>(cinfo->output_height);
  out->channels = cinfo->output_components;
  out->pixels.resize(stride * cinfo->output_height);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = out->pixels.data() + static_cast<size_t>(cinfo->output_scanline) * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return DecodeResult::ok;
}

struct JpegDecompressor {
  jpeg_decompress_struct cinfo{};  // mem null until created: destroying is safe
  ~JpegDecompressor() { jpeg_destroy_decompress(&cinfo); }
};

// ---- Preprocessing: Pillow's arithmetic.

// Pillow's antialiased bilinear resampling along one axis: a triangle filter
// stretched by the scale when shrinking, weights normalised to sum 1 and
// stored in 22-bit fixed point; each output sample rounds and clamps to 8 bits.
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // [out][ksize]
};

constexpr int kWeightBits = 22;

Taps bilinear_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;  // the triangle reaches 1 either side
  const double inverse = 1.0 / filter_scale;
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.ksize, 0);
  std::vector<double> w(t.ksize);
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    // Pillow's bounds: +0.5 then truncation toward zero, as it computes them.
    // NOLINTBEGIN(bugprone-incorrect-roundings)
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    // NOLINTEND(bugprone-incorrect-roundings)
    const int n = hi - lo;
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const double d = std::abs((i + lo - center + 0.5) * inverse);
      w[i] = d < 1.0 ? 1.0 - d : 0.0;
      sum += w[i];
    }
    for (int i = 0; i < n; ++i) {
      const double v = (sum != 0.0 ? w[i] / sum : w[i]) * (1 << kWeightBits);
      t.weights[static_cast<size_t>(o) * t.ksize + i] =
          static_cast<int32_t>(v < 0 ? v - 0.5 : v + 0.5);
    }
    t.first[o] = lo;
    t.count[o] = n;
  }
  return t;
}

uint8_t clamp_fixed(int32_t acc) {
  return static_cast<uint8_t>(std::clamp(acc >> kWeightBits, 0, 255));
}

// Columns [first, first + count) of the image of C channels resized to
// `out_width`. The channels of a pixel accumulate together over its taps,
// so each tap's weight is read once per pixel, not once per channel.
template <int C>
Image8 resize_horizontal(const Image8& in, int out_width, int first, int count) {
  const Taps t = bilinear_taps(in.width, out_width);
  Image8 out{count, in.height, C, {}};
  out.pixels.resize(static_cast<size_t>(count) * in.height * C);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* row = in.pixels.data() + static_cast<size_t>(y) * in.width * C;
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * count * C;
    for (int x = 0; x < count; ++x, dst += C) {
      const int ox = first + x;
      const int32_t* k = t.weights.data() + static_cast<size_t>(ox) * t.ksize;
      const uint8_t* src = row + static_cast<size_t>(t.first[ox]) * C;
      std::array<int32_t, C> acc;
      acc.fill(1 << (kWeightBits - 1));
      for (int i = 0; i < t.count[ox]; ++i, src += C)
        for (size_t ch = 0; ch < C; ++ch) acc[ch] += src[ch] * k[i];
      for (size_t ch = 0; ch < C; ++ch) dst[ch] = clamp_fixed(acc[ch]);
    }
  }
  return out;
}

Image8 resize_horizontal(const Image8& in, int out_width, int first, int count) {
  switch (in.channels) {
    case 1: return resize_horizontal<1>(in, out_width, first, count);
    case 2: return resize_horizontal<2>(in, out_width, first, count);
    case 3: return resize_horizontal<3>(in, out_width, first, count);
    default: return resize_horizontal<4>(in, out_width, first, count);
  }
}

// Rows [first, first + count) of the image resized to `out_height`.
Image8 resize_vertical(const Image8& in, int out_height, int first, int count) {
  const Taps t = bilinear_taps(in.height, out_height);
  const size_t row_size = static_cast<size_t>(in.width) * in.channels;
  Image8 out{in.width, count, in.channels, {}};
  out.pixels.resize(row_size * count);
  std::vector<int32_t> acc(row_size);
  for (int y = 0; y < count; ++y) {
    const int oy = first + y;
    const int32_t* k = t.weights.data() + static_cast<size_t>(oy) * t.ksize;
    std::fill(acc.begin(), acc.end(), 1 << (kWeightBits - 1));
    // Row by row, so that the inner loop runs over contiguous pixels.
    for (int i = 0; i < t.count[oy]; ++i) {
      const uint8_t* src = in.pixels.data() + static_cast<size_t>(t.first[oy] + i) * row_size;
      const int32_t w = k[i];
      for (size_t j = 0; j < row_size; ++j) acc[j] += src[j] * w;
    }
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * row_size;
    for (size_t j = 0; j < row_size; ++j) dst[j] = clamp_fixed(acc[j]);
  }
  return out;
}

// The window [left, left + width) x [top, top + height) of the image, copied.
Image8 window(const Image8& in, int left, int top, int width, int height) {
  const int c = in.channels;
  Image8 out{width, height, c, std::vector<uint8_t>(static_cast<size_t>(width) * height * c)};
  for (int y = 0; y < height; ++y)
    std::copy_n(in.pixels.data() + (static_cast<size_t>(top + y) * in.width + left) * c,
                static_cast<size_t>(width) * c,
                out.pixels.data() + static_cast<size_t>(y) * width * c);
  return out;
}

// Image.resize to width x height followed by the crop at (left, top) of
// crop_w x crop_h, computing only the pixels the crop keeps (each with the
// full resize's taps, so the result is the same): the horizontal pass first,
// each pass only when its size changes, as Pillow does.
Image8 resize_and_crop(const Image8& image, int width, int height, int left, int top, int crop_w,
                       int crop_h) {
  const Image8 columns = width != image.width ? resize_horizontal(image, width, left, crop_w)
                                              : window(image, left, 0, crop_w, image.height);
  return height != image.height ? resize_vertical(columns, height, top, crop_h)
                                : window(columns, 0, top, crop_w, crop_h);
}

// convert("RGB") or convert("L"): alpha dropped, gray replicated, RGB to
// luma with Pillow's ITU-R 601-2 weights in 16-bit fixed point.
Image8 convert_channels(const Image8& in, int channels) {
  Image8 out{in.width, in.height, channels, {}};
  const size_t n = static_cast<size_t>(in.width) * in.height;
  out.pixels.resize(n * channels);
  const bool gray = in.channels <= 2;
  for (size_t p = 0; p < n; ++p) {
    const uint8_t* src = in.pixels.data() + p * in.channels;
    if (channels == 3) {
      for (int ch = 0; ch < 3; ++ch) out.pixels[p * 3 + ch] = gray ? src[0] : src[ch];
    } else {
      out.pixels[p] = gray ? src[0]
                           : static_cast<uint8_t>(
                                 (src[0] * 19595 + src[1] * 38470 + src[2] * 7471 + 0x8000) >> 16);
    }
  }
  return out;
}

}  // namespace

bool is_image_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<std::string> image_files_in(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_image_path(it->path().string()))
      files.push_back(it->path().string());
  }
  if (ec) fail(ErrorKind::io, dir + ": cannot list the directory: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Image8 decode_image(const std::string& path) {
  const std::string bytes = read_regular_file(path, kMaxImageFileBytes, "an image");
  Image8 image;
  DecodeResult result;
  std::string format, message;
  if (starts_with_png_signature(bytes)) {
    format = "PNG";
    PngState state;
    state.data = reinterpret_cast<const unsigned char*>(bytes.data());
    state.size = bytes.size();
    result = decode_png_into(&state, &image);
    message = state.message[0] ? one_line(state.message) : "libpng could not start";
  } else if (starts_with_jpeg_signature(bytes)) {
    format = "JPEG";
    JpegFailure failure{};  // outlives the decompressor, which points at it
    JpegDecompressor decompressor;
    result = decode_jpeg_into(&decompressor.cinfo, &failure, bytes, &image);
    message = one_line(failure.message);
  } else {
    fail(ErrorKind::invalid_input, path + ": not a PNG or JPEG image (" +
                                       std::to_string(bytes.size()) + " bytes; neither signature)");
  }
  switch (result) {
    case DecodeResult::ok: return image;
    case DecodeResult::corrupt:
      fail(ErrorKind::invalid_input,
           path + ": corrupt or truncated " + format + " image (" + message + ")");
    case DecodeResult::too_large:
      fail(ErrorKind::invalid_input, path + ": the " + format + " image has more than " +
                                         std::to_string(kMaxPixels) + " pixels");
    case DecodeResult::cmyk:
      fail(ErrorKind::unsupported,
           path + ": CMYK JPEG images are not supported; convert it to RGB");
  }
  fail(ErrorKind::internal, path + ": unknown decode result");
}

std::vector<float> preprocess_image(const Image8& image, const Shape& shape,
                                    const std::string& path,
                                    const ImageNormalization& normalization) {
  if (shape.size() != 4 || shape[0] != 1 || (shape[1] != 1 && shape[1] != 3) || shape[2] < 1 ||
      shape[3] < 1 || shape[2] > 65536 || shape[3] > 65536)
    fail(ErrorKind::invalid_input, path +
                                       ": an image can feed a model input of 1x3xHxW or "
                                       "1x1xHxW only; this model's input is " +
                                       shape_to_string(shape));
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    fail(ErrorKind::invalid_input, path + ": the image holds no pixels");
  const int channels = static_cast<int>(shape[1]);
  const int crop_h = static_cast<int>(shape[2]);
  const int crop_w = static_cast<int>(shape[3]);

  // Resize(s): the shorter side to s, the longer to int(s * long / short);
  // s = round(max(H, W) * 256 / 224) (never a tie), so the crop always fits.
  const int s = normalization.resize_shorter > 0
                    ? normalization.resize_shorter
                    : static_cast<int>(std::lround(std::max(crop_h, crop_w) * 256.0 / 224.0));
  if (s < std::max(crop_h, crop_w))
    fail(ErrorKind::invalid_input, path + ": resizing the shorter side to " + std::to_string(s) +
                                       " leaves less than the " + std::to_string(crop_w) + "x" +
                                       std::to_string(crop_h) + " crop");
  for (int ch = 0; ch < 3; ++ch)
    if (!(normalization.std[static_cast<size_t>(ch)] > 0.0f))
      fail(ErrorKind::invalid_input, path + ": the normalization's std must be positive");
  const int w = image.width, h = image.height;
  const int64_t short_side = std::min(w, h), long_side = std::max(w, h);
  const double scaled_long_exact = static_cast<double>(s * long_side) / short_side;
  if (scaled_long_exact * s > static_cast<double>(kMaxPixels))
    fail(ErrorKind::invalid_input, path + ": a " + std::to_string(w) + "x" + std::to_string(h) +
                                       " image resized to a shorter side of " + std::to_string(s) +
                                       " would exceed " + std::to_string(kMaxPixels) + " pixels");
  const int scaled_long = static_cast<int>(scaled_long_exact);
  const int new_w = w <= h ? s : scaled_long;
  const int new_h = w <= h ? scaled_long : s;
  // CenterCrop: Python's round() (half to even) of the margins.
  const int top = static_cast<int>(std::nearbyint((new_h - crop_h) / 2.0));
  const int left = static_cast<int>(std::nearbyint((new_w - crop_w) / 2.0));
  // RGB to RGB and gray to gray are copies; only a change of channels converts.
  const bool converts = image.channels != channels;
  const Image8 converted = converts ? convert_channels(image, channels) : Image8{};
  const Image8 cropped =
      resize_and_crop(converts ? converted : image, new_w, new_h, left, top, crop_w, crop_h);

  std::vector<float> out(static_cast<size_t>(channels) * crop_h * crop_w);
  const size_t pixels = static_cast<size_t>(crop_h) * crop_w;
  for (int ch = 0; ch < channels; ++ch) {
    const float mean = channels == 3 ? normalization.mean[static_cast<size_t>(ch)] : 0.0f;
    const float deviation = channels == 3 ? normalization.std[static_cast<size_t>(ch)] : 1.0f;
    // Each of the 256 levels computed once, with the very same float
    // arithmetic, instead of two divisions per pixel.
    std::array<float, 256> level;
    for (size_t v = 0; v < level.size(); ++v) {
      const float unit = static_cast<float>(v) / 255.0f;  // ToTensor
      level[v] = (unit - mean) / deviation;               // Normalize
    }
    float* plane = out.data() + static_cast<size_t>(ch) * pixels;
    const uint8_t* src = cropped.pixels.data() + ch;
    for (size_t p = 0; p < pixels; ++p) plane[p] = level[src[p * channels]];
  }
  return out;
}

std::vector<float> read_image_input(const std::string& path, const Shape& shape,
                                    const ImageNormalization& normalization) {
  return preprocess_image(decode_image(path), shape, path, normalization);
}

std::vector<float> read_input_file(const std::string& path, const Shape& shape) {
  return is_image_path(path) ? read_image_input(path, shape) : read_tensor_file(path, shape);
}

// ---- Encoders.

void write_png(const std::string& path, const Image8& image) {
  static constexpr png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                             PNG_FORMAT_RGBA};
  if (image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    fail(ErrorKind::invalid_input,
         path + ": cannot write a PNG of " + std::to_string(image.channels) + " channels");
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = kFormats[image.channels - 1];
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr))
    fail(ErrorKind::io, path + ": cannot encode the PNG image (" + one_line(png.message) + ")");
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, image.pixels.data(), 0, nullptr))
    fail(ErrorKind::io, path + ": cannot encode the PNG image (" + one_line(png.message) + ")");
  bytes.resize(size);
  write_file_atomically(path, bytes);
}

namespace {

struct JpegCompressor {
  jpeg_compress_struct cinfo{};
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  ~JpegCompressor() {
    jpeg_destroy_compress(&cinfo);
    std::free(buffer);
  }
};

bool encode_jpeg_into(JpegCompressor* c, JpegFailure* failure, const Image8& image, int quality) {
  c->cinfo.err = jpeg_std_error(&failure->manager);
  failure->manager.error_exit = jpeg_on_error;
  if (setjmp(failure->jump)) return false;
  jpeg_create_compress(&c->cinfo);
  jpeg_mem_dest(&c->cinfo, &c->buffer, &c->size);
  c->cinfo.image_width = static_cast<JDIMENSION>(image.width);
  c->cinfo.image_height = static_cast<JDIMENSION>(image.height);
  c->cinfo.input_components = image.channels;
  c->cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c->cinfo);
  jpeg_set_quality(&c->cinfo, quality, TRUE);
  jpeg_start_compress(&c->cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  while (c->cinfo.next_scanline < c->cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(image.pixels.data()) + c->cinfo.next_scanline * stride;
    jpeg_write_scanlines(&c->cinfo, &row, 1);
  }
  jpeg_finish_compress(&c->cinfo);
  return true;
}

}  // namespace

void write_jpeg(const std::string& path, const Image8& image, int quality) {
  if ((image.channels != 1 && image.channels != 3) || image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    fail(ErrorKind::invalid_input, path + ": a JPEG holds 1 or 3 channels of a non-empty image");
  JpegFailure failure{};  // outlives the compressor, which points at it
  JpegCompressor compressor;
  if (!encode_jpeg_into(&compressor, &failure, image, std::clamp(quality, 1, 100)))
    fail(ErrorKind::io,
         path + ": cannot encode the JPEG image (" + one_line(failure.message) + ")");
  write_file_atomically(path, {reinterpret_cast<const char*>(compressor.buffer), compressor.size});
}

}  // namespace splitinfer
