// Embedding gather / scatter-add kernels (contracts in embedding.h).
#include <cstring>

#include "kernels/embedding/embedding.h"

namespace flashlm {

void embedding_forward_ref(const float* table, const int32_t* ids, float* out, int64_t n0, int64_t n1, int64_t C) {
  for (int64_t i = n0; i < n1; i++)
    std::memcpy(out + i * C, table + static_cast<int64_t>(ids[i]) * C, static_cast<size_t>(C) * sizeof(float));
}

void embedding_backward_ref(const float* dout, const int32_t* ids, float* dtable, int64_t N, int64_t C, int64_t c0,
                            int64_t c1) {
  for (int64_t i = 0; i < N; i++) {
    const float* src = dout + i * C;
    float* dst = dtable + static_cast<int64_t>(ids[i]) * C;
    for (int64_t c = c0; c < c1; c++) dst[c] += src[c];
  }
}

}  // namespace flashlm
