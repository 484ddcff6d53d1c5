// reduce kernels (ref): placeholder
