// rng kernels (ref): placeholder
