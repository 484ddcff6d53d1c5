// embedding kernels (ref): placeholder
