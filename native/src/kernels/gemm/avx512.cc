// gemm kernels (avx512): placeholder
