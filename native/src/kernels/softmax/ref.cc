// softmax kernels (ref): placeholder
