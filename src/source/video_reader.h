// Video files decoded frame by frame with FFmpeg's libraries (libavformat
// demuxes, libavcodec decodes on one thread, libswscale converts to RGB), as
// 8-bit RGB images at the video's own size; source/input_stream.h turns them
// into model inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "exec/image_input.h"

namespace splitinfer {

// True for a path ending in a common video container's extension (.mp4,
// .mov, .avi, .mkv, .webm, ...), in any letter case.
bool is_video_path(const std::string& path);

class VideoReader {
 public:
  // Opens the file's best video stream. An io Error when the file is
  // missing; invalid_input naming the file when it is not a video FFmpeg can
  // read or has no video stream.
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  // The next frame in decoding order, or none at the end of the stream. An
  // invalid_input Error naming the file and frame when a frame is corrupt.
  std::optional<Image8> next();

  uint64_t frames_read() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace splitinfer
