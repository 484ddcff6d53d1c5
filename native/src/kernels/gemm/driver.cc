// gemm driver: placeholder
