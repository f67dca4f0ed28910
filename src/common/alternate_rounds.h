// Two things measured side by side, taking turns: what `run` uses for its
// pipeline and data-parallel rounds and `run --sweep` for its rematch.
#pragma once

#include <functional>

namespace splitinfer {

// `rounds` rounds of `first` and `second`, `first` leading in even rounds
// and `second` in odd ones, so that neither always runs on a machine the
// other has just warmed; nothing starts once `stopped()` says so.
inline void alternate_rounds(int rounds, const std::function<bool()>& stopped,
                             const std::function<void()>& first,
                             const std::function<void()>& second) {
  for (int round = 0; round < rounds && !stopped(); ++round) {
    const bool first_leads = round % 2 == 0;
    (first_leads ? first : second)();
    if (!stopped()) (first_leads ? second : first)();
  }
}

}  // namespace splitinfer
