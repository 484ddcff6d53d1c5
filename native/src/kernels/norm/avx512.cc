// norm kernels (avx512): placeholder
