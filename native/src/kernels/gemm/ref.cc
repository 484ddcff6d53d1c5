// gemm kernels (ref): placeholder
