// softmax kernels (avx512): placeholder
