// One pass over a row of logits for the sampler (lib/generate/sampling.ts): what a JS loop over a 32K
// vocabulary spends ~100 µs a token on. Portable C++: the work is a compare per logit, and the
// candidates it leaves are few.
#pragma once
#include <cstdint>

namespace flashlm {

struct LogitScan {
  int64_t bad;     // index of the first NaN or +inf, or -1
  int64_t finite;  // how many logits are not -inf
  int64_t argmax;  // the largest finite logit, lowest index on ties (-1 when none is finite)
  float kth;       // the k-th largest finite logit (ties counted), or -inf when k <= 0 or k > finite
};

// Stops at the first NaN or +inf (the rest of the result is then meaningless).
LogitScan scan_logits(const float* x, int64_t n, int64_t k);

// idx[0..count) = the indices i, ascending, with x[i] != -inf and x[i] >= low (compared in double);
// returns count. idx holds n entries.
int64_t logits_at_least(const float* x, int64_t n, double low, int32_t* idx);

}  // namespace flashlm
