// The public FrameSource (include/splitinfer/splitinfer.h): an InputStream
// (source/input_stream.h) decoded ahead on its own thread by the runtime's
// source stage (runtime/prefetched_frames.h).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <memory>

#include "api/model_impl.h"
#include "common/statistics.h"
#include "runtime/prefetched_frames.h"
#include "source/input_stream.h"

namespace splitinfer::api {

struct FrameSource::Impl {
  Impl(const std::string& path, const Shape& shape, const FrameSourceOptions& o)
      : stream(std::make_unique<InputStream>(path, shape,
                                             ImageNormalization{o.mean, o.std, o.resize_shorter})),
        frames([s = stream.get()] { return s->next(); }, std::max<size_t>(o.prefetch, 1),
               decoding_core(o.element)) {}
  // Pins the decoding thread to the element's core at the idle scheduling
  // class, so that it decodes in the time the element's stage leaves idle
  // instead of taking turns with it (frames are decoded ahead; when none is
  // left the stage waits, and then the decoder runs). The name is checked
  // here, so that a bad one fails when the source is opened.
  static std::function<void()> decoding_core(const std::string& element_name) {
    if (element_name.empty()) return {};
    return [element = make_backend(element_name)->element()] {
      enter_element(element);
      const sched_param none{};
      // A thread may always lower its own scheduling class: no failure to report.
      pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
    };
  }
  std::unique_ptr<InputStream> stream;
  PrefetchedFrames frames;  // after `stream`: destroyed (joined) before it
  uint64_t taken = 0;       // frames handed to the caller
};

FrameSource::FrameSource(const std::string& path, const Model& model,
                         const FrameSourceOptions& options) {
  const Graph& graph = model.impl().graph;
  impl_ = std::make_unique<Impl>(path, graph.tensor(graph.inputs.at(0)).shape, options);
}
FrameSource::FrameSource(FrameSource&&) noexcept = default;
FrameSource& FrameSource::operator=(FrameSource&&) noexcept = default;
FrameSource::~FrameSource() = default;

std::optional<Tensor> FrameSource::next() {
  const Handoff* frame = impl_->frames.next();
  if (!frame) return std::nullopt;
  ++impl_->taken;
  return to_tensor(*frame);
}

uint64_t FrameSource::frames_read() const { return impl_->taken; }

double FrameSource::decode_ms_median() const {
  const std::vector<double> ms = impl_->frames.produce_ms();
  return ms.empty() ? 0.0 : median(ms);
}

}  // namespace splitinfer::api
