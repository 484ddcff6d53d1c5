# Builds the flashlm addon. ISA-specific kernels live in their own static libraries so that
# only those translation units get -mavx2 / -mavx512*; everything else stays baseline x86-64
# (or armv8 + NEON), and the right table is chosen at load time (src/dispatch.cc).
{
  "variables": {
    "common_cflags": ["-O3", "-std=c++17", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14", "-O2", "-O0"],
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc": ["<@(common_cflags)", "-fexceptions"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno"],
    },
  },
  "targets": [
    {
      "target_name": "flashlm",
      "sources": [
        "src/addon.cc",
        "src/cpu_features.cc",
        "src/dispatch.cc",
        "src/threads.cc",
        "src/interrupt.cc",
        "src/args.cc",
        "src/bind/memory.cc",
        "src/bind/system.cc",
        "src/bind/gemm.cc",
        "src/bind/elementwise.cc",
        "src/bind/reduce.cc",
        "src/bind/softmax.cc",
        "src/bind/norm.cc",
        "src/bind/embedding.cc",
        "src/bind/attention.cc",
        "src/bind/scan.cc",
        "src/bind/optim.cc",
        "src/bind/rng.cc",
        "src/bind/ternary.cc",
        "src/bind/quant.cc",
        "src/bind/decode.cc",
        "src/bind/decode_model.cc",
        "src/bind/sampling.cc",
        "src/kernels/gemm/ref.cc",
        "src/kernels/gemm/driver.cc",
        "src/kernels/gemm/half.cc",
        "src/kernels/sampling/scan.cc",
        "src/kernels/elementwise/ref.cc",
        "src/kernels/reduce/ref.cc",
        "src/kernels/reduce/finite.cc",
        "src/kernels/reduce/dot.cc",
        "src/kernels/softmax/ref.cc",
        "src/kernels/norm/ref.cc",
        "src/kernels/embedding/ref.cc",
        "src/kernels/attention/ref.cc",
        "src/kernels/attention/driver.cc",
        "src/kernels/attention/decode.cc",
        "src/kernels/scan/ref.cc",
        "src/kernels/optim/ref.cc",
        "src/kernels/rng/ref.cc",
        "src/kernels/ternary/ref.cc",
        "src/kernels/ternary/driver.cc",
        "src/kernels/quant/ref.cc",
        "src/kernels/decode/block.cc",
        "src/kernels/decode/model.cc",
      ],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "dependencies": ["flashlm_avx2", "flashlm_avx512"],
          "defines": ["FLASHLM_HAVE_X86=1"],
        }],
        ["target_arch=='arm64'", {
          "dependencies": ["flashlm_neon"],
          "defines": ["FLASHLM_HAVE_NEON=1"],
        }],
        ["OS=='linux'", {
          # Keep the addon mapped after a worker_threads Worker that loaded it exits: our pool
          # threads outlive any one Worker (design §11: unloading under live threads segfaults).
          "ldflags": ["-Wl,-z,nodelete", "-pthread"],
          "cflags_cc": ["-pthread"],
        }],
      ],
    },
  ],
  "conditions": [
    # Only the target architecture's kernel libraries are declared: make builds every declared target,
    # and an arm64 compiler rejects -mavx2.
    ["target_arch=='x64' or target_arch=='ia32'", {
      "targets": [
        {
          "target_name": "flashlm_avx2",
          "type": "static_library",
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c", "-fPIC"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma", "-mf16c"] },
          "defines": ["FLASHLM_ISA_NS=avx2"],
          "sources": [
            "src/kernels/gemm/avx2.cc",
            "src/kernels/elementwise/avx2.cc",
            "src/kernels/reduce/avx2.cc",
            "src/kernels/softmax/avx2.cc",
            "src/kernels/norm/avx2.cc",
            "src/kernels/attention/avx2.cc",
            "src/kernels/scan/avx2.cc",
            "src/kernels/optim/avx2.cc",
            "src/kernels/ternary/avx2.cc",
          ],
        },
        {
          "target_name": "flashlm_avx512",
          "type": "static_library",
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni", "-mavx2", "-mfma", "-mf16c", "-fPIC"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni", "-mavx2", "-mfma"] },
          "defines": ["FLASHLM_ISA_NS=avx512"],
          "sources": [
            "src/kernels/gemm/avx512.cc",
            "src/kernels/elementwise/avx512.cc",
            "src/kernels/reduce/avx512.cc",
            "src/kernels/softmax/avx512.cc",
            "src/kernels/norm/avx512.cc",
            "src/kernels/attention/avx512.cc",
            "src/kernels/scan/avx512.cc",
            "src/kernels/optim/avx512.cc",
            "src/kernels/ternary/avx512.cc",
          ],
        },
      ],
    }],
    # NEON is baseline armv8-a: no extra -m flags, only a namespace of its own (FLASHLM_ISA_NS=neon).
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "flashlm_neon",
          "type": "static_library",
          "cflags_cc": ["-fPIC"],
          "defines": ["FLASHLM_ISA_NS=neon"],
          "sources": [
            "src/kernels/gemm/neon.cc",
            "src/kernels/elementwise/neon.cc",
            "src/kernels/reduce/neon.cc",
            "src/kernels/softmax/neon.cc",
            "src/kernels/norm/neon.cc",
            "src/kernels/attention/neon.cc",
            "src/kernels/scan/neon.cc",
            "src/kernels/optim/neon.cc",
            "src/kernels/ternary/neon.cc",
          ],
        },
      ],
    }],
  ],
}
