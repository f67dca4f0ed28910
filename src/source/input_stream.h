// Model inputs read one after another from a path: every frame of a video
// (source/video_reader.h), one image, or every image of a directory (sorted
// by name), each preprocessed for the model's input as `infer --input
// IMAGE` preprocesses an image (exec/image_input.h: resize, center crop,
// ImageNet mean/std unless told otherwise; luminance for a 1-channel input).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/handoff.h"
#include "exec/image_input.h"
#include "graph/tensor.h"

namespace splitinfer {

class VideoReader;

class InputStream {
 public:
  // Opens `path` and reads its first frame, so that a missing, unreadable,
  // corrupt or empty source fails here with one Error naming it, before
  // anything runs: io for a missing path, invalid_input for a video with no
  // frames, a directory with no images, or a file that is neither a video
  // nor a PNG/JPEG image; and invalid_input for a model input an image
  // cannot feed (not 1x1xHxW or 1x3xHxW).
  InputStream(const std::string& path, const Shape& input_shape,
              const ImageNormalization& normalization = {});
  ~InputStream();

  // The next input, or none after the last. Errors as the constructor's,
  // naming the file and frame.
  std::optional<Handoff> next();

  uint64_t frames_read() const { return frames_; }

 private:
  std::optional<Handoff> read();

  std::string path_;
  Shape shape_;
  ImageNormalization normalization_;
  std::unique_ptr<VideoReader> video_;
  std::vector<std::string> images_;  // still to read, for an image or a directory
  size_t next_image_ = 0;
  std::optional<Handoff> first_;  // read by the constructor
  uint64_t frames_ = 0;
};

}  // namespace splitinfer
