// attention kernels (avx2): placeholder
