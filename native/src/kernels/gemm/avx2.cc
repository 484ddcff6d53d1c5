// gemm kernels (avx2): placeholder
