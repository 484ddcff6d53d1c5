// scan kernels (ref): placeholder
