// reduce kernels (avx512): placeholder
