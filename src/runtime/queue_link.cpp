#include "runtime/queue_link.h"

#include <limits>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/statistics.h"
#include "exec/backend.h"
#include "exec/handoff.h"
#include "runtime/frame_queue.h"

namespace splitinfer {

Link measure_queue_link(const Element& from, const Element& to, int round_trips) {
  FrameQueue<Handoff> there(1), back(1);
  std::thread echo([&] {
    enter_element(to);
    while (auto h = there.pop()) back.push(std::move(*h));
  });
  enter_element(from);
  std::vector<double> half_trips;
  for (int i = 0; i < round_trips; ++i) {
    const auto start = SteadyClock::now();
    there.push(Handoff::from_floats({1}, {0.0f}));
    back.pop();
    half_trips.push_back(ms_since(start) / 2);
  }
  there.close();
  echo.join();
  return {"shared-memory queue", median(std::move(half_trips)),
          std::numeric_limits<double>::infinity(), "measured"};
}

}  // namespace splitinfer
