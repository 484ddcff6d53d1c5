// Embedding family: row gather (forward) and scatter-add (backward) for a (V, C) table and N int32 ids.
// Scalar only: both are memory-bound copies/adds that the compiler vectorises at the baseline ISA.
// Ids are validated by the binding before these run.
#pragma once
#include <cstdint>

namespace flashlm {

// out (N, C) = table[ids[i]] for i in [n0, n1).
void embedding_forward_ref(const float* table, const int32_t* ids, float* out, int64_t n0, int64_t n1, int64_t C);

// dtable[ids[i], c] += dout[i, c] for every i in [0, N) (in order), only for columns c in [c0, c1).
// The binding gives each thread its own column range, so threads never touch the same element and
// each element sums its rows in index order: the result equals the serial one bit for bit.
void embedding_backward_ref(const float* dout, const int32_t* ids, float* dtable, int64_t N, int64_t C, int64_t c0,
                            int64_t c1);

}  // namespace flashlm
