// optim kernels (avx512): placeholder
