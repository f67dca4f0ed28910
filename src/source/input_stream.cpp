#include "source/input_stream.h"

#include <filesystem>

#include "common/error.h"
#include "exec/image_input.h"
#include "source/video_reader.h"

namespace splitinfer {

InputStream::InputStream(const std::string& path, const Shape& input_shape,
                         const ImageNormalization& normalization)
    : path_(path), shape_(input_shape), normalization_(normalization) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorKind::io, "cannot read source " + path + ": no such file");
  if (fs::is_directory(path, ec)) {
    images_ = image_files_in(path);
    if (images_.empty())
      fail(ErrorKind::invalid_input, "source " + path + " holds no PNG or JPEG images");
  } else if (is_video_path(path)) {
    video_ = std::make_unique<VideoReader>(path);
  } else if (is_image_path(path)) {
    images_ = {path};
  } else {
    fail(ErrorKind::invalid_input, "source " + path +
                                       " is neither a video (.mp4, .mkv, .avi, ...) nor a "
                                       "PNG/JPEG image nor a directory of images");
  }
  first_ = read();
  if (!first_) fail(ErrorKind::invalid_input, "video " + path + " has no frames");
}

InputStream::~InputStream() = default;

std::optional<Handoff> InputStream::next() {
  std::optional<Handoff> input = first_ ? std::move(first_) : read();
  first_.reset();
  if (input) ++frames_;
  return input;
}

std::optional<Handoff> InputStream::read() {
  if (video_) {
    const std::optional<Image8> frame = video_->next();
    if (!frame) return std::nullopt;
    const std::string name = path_ + " frame " + std::to_string(video_->frames_read() - 1);
    return Handoff::from_floats(shape_, preprocess_image(*frame, shape_, name, normalization_));
  }
  if (next_image_ == images_.size()) return std::nullopt;
  const std::string& image = images_[next_image_++];
  return Handoff::from_floats(shape_, read_image_input(image, shape_, normalization_));
}

}  // namespace splitinfer
