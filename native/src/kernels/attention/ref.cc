// attention kernels (ref): placeholder
