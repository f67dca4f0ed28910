// The measured link between two CPU elements: the queue's latency, no
// per-byte cost.
#include "runtime/queue_link.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "plan/link.h"  // transfer_ms

namespace splitinfer {
namespace {

TEST(QueueLink, MeasuresAPositiveLatencyAndNoPerByteCost) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
  const Link link = measure_queue_link(parse_element("cpu0:int8"), parse_element("cpu1:fp32"), 50);
  EXPECT_EQ(link.basis, "measured");
  EXPECT_GT(link.latency_ms, 0.0);
  EXPECT_LT(link.latency_ms, 1000.0);
  EXPECT_TRUE(std::isinf(link.bandwidth_gb_s));
  EXPECT_DOUBLE_EQ(transfer_ms(link, 1 << 20), link.latency_ms);
}

}  // namespace
}  // namespace splitinfer
