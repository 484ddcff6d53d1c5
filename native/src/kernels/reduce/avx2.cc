// reduce kernels (avx2): placeholder
