// optim kernels (avx2): placeholder
