#include "plan/link.h"

#include "common/error.h"

namespace splitinfer {

double transfer_ms(const Link& link, int64_t bytes) {
  return link.latency_ms + static_cast<double>(bytes) / (link.bandwidth_gb_s * 1e9) * 1e3;
}

LinkMode parse_link_mode(const std::string& name) {
  if (name == "direct") return LinkMode::direct;
  if (name == "indirect") return LinkMode::indirect;
  fail(ErrorKind::invalid_input, "link mode '" + name + "' is not direct or indirect");
}

TransferSplit charge_transfer(const Link& link, LinkMode mode, int64_t bytes) {
  const double hop = transfer_ms(link, bytes);
  if (mode == LinkMode::direct) return {hop, 0.0};
  return {hop, hop};  // element to host, then host to element
}

}  // namespace splitinfer
