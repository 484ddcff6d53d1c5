// norm kernels (avx2): placeholder
