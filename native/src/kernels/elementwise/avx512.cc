// elementwise kernels (avx512): placeholder
