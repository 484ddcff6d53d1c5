// optim kernels (ref): placeholder
