// The link between two CPU elements, measured: a hand-off moves through the
// pipeline's queue from one core's worker to the other's without a copy (the
// copies into and out of a partition are part of its stage time), so what
// the link adds is the queue's wake-up latency, timed here by ping-pong.
#pragma once

#include "common/link.h"
#include "exec/element.h"

namespace splitinfer {

// Median one-way latency over `round_trips` ping-pongs between threads
// placed on the two elements; no per-byte cost (infinite bandwidth).
Link measure_queue_link(const Element& from, const Element& to, int round_trips = 200);

}  // namespace splitinfer
