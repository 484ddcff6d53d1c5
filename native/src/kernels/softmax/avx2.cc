// softmax kernels (avx2): placeholder
