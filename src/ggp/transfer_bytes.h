// What an element behind a link moves to and from the host for its share of
// a layer, shared by the integer costs and the geometric program so both
// price the same transfers.
#pragma once

#include "ggp/conv_layer.h"
#include "ggp/element_model.h"
#include "ggp/layer_partition.h"

namespace splitinfer::ggp {

// Bytes in and out, each as a fixed part and a part per unit of the share;
// for rows the input goes by the rows of the element's input slab.
struct TransferBytes {
  double in_fixed = 0.0, in_per_share = 0.0, in_per_slab_row = 0.0;
  double out_fixed = 0.0, out_per_share = 0.0;
};

// filters: the whole input in, its output channels back; channels: its input
// channels in, partial sums of every output back (at accumulator width, 4
// bytes, whatever the element computes in); rows: its input slab in, its
// output rows back.
TransferBytes transfer_bytes(const ConvLayer& layer, const ElementModel& element,
                             Technique technique);

inline double ms_per_byte(const Link& link) { return 1.0 / (link.bandwidth_gb_s * 1e6); }

}  // namespace splitinfer::ggp
