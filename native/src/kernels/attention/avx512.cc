// attention kernels (avx512): placeholder
