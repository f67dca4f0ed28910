#include "runtime/queue_link.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>
#include <vector>

#include "exec/backend.h"
#include "exec/handoff.h"
#include "profile/timing.h"
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
    const auto start = std::chrono::steady_clock::now();
    there.push(Handoff::from_floats({1}, {0.0f}));
    back.pop();
    half_trips.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 2);
  }
  there.close();
  echo.join();
  std::sort(half_trips.begin(), half_trips.end());
  return {"shared-memory queue", percentile(half_trips, 0.5),
          std::numeric_limits<double>::infinity(), "measured"};
}

}  // namespace splitinfer
