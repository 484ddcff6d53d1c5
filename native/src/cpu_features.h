// What the CPU can run, detected once. Only x86 needs detection: NEON is baseline on arm64.
#pragma once

namespace flashlm {

struct CpuFeatures {
  bool avx2_fma = false;     // AVX2 + FMA (+ OS support for YMM state)
  bool avx512 = false;       // AVX-512 F/BW/DQ/VL (+ OS support for ZMM state)
  bool avx512_vnni = false;  // VPDPBUSD, for int8 x ternary dot products
  bool neon = false;
};

const CpuFeatures& cpu_features();

}  // namespace flashlm
