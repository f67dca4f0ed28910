#include "source/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/error.h"

namespace splitinfer {

namespace {

std::string av_message(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

}  // namespace

bool is_video_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known :
       {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts", ".y4m"})
    if (ext == known) return true;
  return false;
}

struct VideoReader::State {
  std::string path;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* scaler = nullptr;
  int stream = -1;
  bool draining = false;  // the file has ended; the decoder is giving what it holds
  bool ended = false;
  uint64_t frames = 0;

  ~State() {
    sws_freeContext(scaler);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }

  [[noreturn]] void corrupt(const std::string& what, int code) const {
    fail(ErrorKind::invalid_input, "video " + path + ": " + what + " (" + av_message(code) + ")");
  }

  // The decoded frame as RGB, 8 bits per channel.
  Image8 to_rgb() {
    Image8 image{frame->width, frame->height, 3, {}};
    if (image.width <= 0 || image.height <= 0)
      fail(ErrorKind::invalid_input,
           "video " + path + ": frame " + std::to_string(frames) + " has no pixels");
    scaler = sws_getCachedContext(
        scaler, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
        frame->width, frame->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!scaler)
      fail(ErrorKind::unsupported, "video " + path + ": cannot convert its pixel format to RGB");
    image.pixels.resize(static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3);
    uint8_t* planes[1] = {image.pixels.data()};
    const int strides[1] = {image.width * 3};
    sws_scale(scaler, frame->data, frame->linesize, 0, frame->height, planes, strides);
    return image;
  }
};

VideoReader::VideoReader(const std::string& path) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  if (!std::filesystem::is_regular_file(path))
    fail(ErrorKind::io, "cannot read video " + path + ": no such file");
  av_log_set_level(AV_LOG_QUIET);  // errors reach the user as one line, from here
  if (const int code = avformat_open_input(&s.format, path.c_str(), nullptr, nullptr); code < 0)
    s.corrupt("not a video file splitinfer can read", code);
  if (const int code = avformat_find_stream_info(s.format, nullptr); code < 0)
    s.corrupt("its streams cannot be read", code);
  const AVCodec* decoder = nullptr;
  s.stream = av_find_best_stream(s.format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (s.stream < 0 || !decoder)
    fail(ErrorKind::invalid_input,
         "video " + path + ": " +
             (s.stream == AVERROR_DECODER_NOT_FOUND ? "no decoder for its video stream"
                                                    : "has no video stream"));
  s.codec = avcodec_alloc_context3(decoder);
  s.packet = av_packet_alloc();
  s.frame = av_frame_alloc();
  if (!s.codec || !s.packet || !s.frame) fail(ErrorKind::internal, "out of memory opening " + path);
  if (const int code =
          avcodec_parameters_to_context(s.codec, s.format->streams[s.stream]->codecpar);
      code < 0)
    s.corrupt("bad codec parameters", code);
  s.codec->thread_count = 1;  // decoding is one stage; the elements keep their cores
  if (const int code = avcodec_open2(s.codec, decoder, nullptr); code < 0)
    s.corrupt("cannot open its decoder", code);
}

VideoReader::~VideoReader() = default;

std::optional<Image8> VideoReader::next() {
  State& s = *state_;
  while (!s.ended) {
    const int got = avcodec_receive_frame(s.codec, s.frame);
    if (got == 0) {
      Image8 image = s.to_rgb();
      av_frame_unref(s.frame);
      ++s.frames;
      return image;
    }
    if (got == AVERROR_EOF) {
      s.ended = true;
      break;
    }
    if (got != AVERROR(EAGAIN)) s.corrupt("frame " + std::to_string(s.frames) + " is corrupt", got);
    if (s.draining) {
      s.ended = true;  // a decoder that neither gives a frame nor ends
      break;
    }
    // The decoder wants more: the next packet of the video stream.
    const int read = av_read_frame(s.format, s.packet);
    if (read == AVERROR_EOF) {
      s.draining = true;
      avcodec_send_packet(s.codec, nullptr);
      continue;
    }
    if (read < 0) s.corrupt("cannot read past frame " + std::to_string(s.frames), read);
    if (s.packet->stream_index == s.stream) {
      const int sent = avcodec_send_packet(s.codec, s.packet);
      av_packet_unref(s.packet);
      if (sent < 0 && sent != AVERROR(EAGAIN))
        s.corrupt("frame " + std::to_string(s.frames) + " is corrupt", sent);
    } else {
      av_packet_unref(s.packet);
    }
  }
  return std::nullopt;
}

uint64_t VideoReader::frames_read() const { return state_->frames; }

}  // namespace splitinfer
