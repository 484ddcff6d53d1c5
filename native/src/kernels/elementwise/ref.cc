// elementwise kernels (ref): placeholder
