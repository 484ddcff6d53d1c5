// elementwise kernels (avx2): placeholder
