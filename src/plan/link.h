// The link a hand-off crosses between two elements. Direct (peer-to-peer):
// the first stage writes into the second element's memory, so the whole
// transfer belongs to stage 1. Indirect: staged through host memory, so the
// element-to-host copy belongs to stage 1 and host-to-element to stage 2.
#pragma once

#include <cstdint>
#include <string>

#include "common/link.h"  // Link

namespace splitinfer {

enum class LinkMode { direct, indirect };

// "direct" or "indirect"; throws an invalid_input Error naming anything else.
LinkMode parse_link_mode(const std::string& name);

// Time of one transfer of `bytes` over one hop of the link.
double transfer_ms(const Link& link, int64_t bytes);

// The share of a cut's transfer time charged to the stage before and after
// it in `mode`.
struct TransferSplit {
  double sender_ms = 0.0;
  double receiver_ms = 0.0;
};
TransferSplit charge_transfer(const Link& link, LinkMode mode, int64_t bytes);

}  // namespace splitinfer
