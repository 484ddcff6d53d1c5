// norm kernels (ref): placeholder
