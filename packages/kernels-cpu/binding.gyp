# The CPU addon. One kernel source (native/kernels.inc) is compiled once per instruction set, each as a static
# library with its own flags; native/dispatch.cc picks the best the processor runs at start. scripts/build-addon.mjs
# runs `node-gyp rebuild --nodedir=/usr` (offline headers) where a C++ compiler is found.
{
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
  },
  "targets": [
    {
      "target_name": "cria_cpu_generic",
      "type": "static_library",
      "sources": ["native/kernels_generic.cc"],
    },
    {
      "target_name": "cria_cpu_isa",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["native/kernels_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c"],
          "dependencies": ["cria_cpu_avx512"],
        }],
        ["target_arch=='arm64'", {
          "sources": ["native/kernels_neon.cc"],
        }],
      ],
    },
    {
      "target_name": "cria_cpu_avx512",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["native/kernels_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c",
                        # GCC 12's AVX-512 headers initialise registers from themselves (a known false positive).
                        "-Wno-uninitialized", "-Wno-maybe-uninitialized"],
        }],
      ],
    },
    {
      "target_name": "cria_cpu",
      "sources": ["native/addon.cc", "native/dispatch.cc"],
      "dependencies": ["cria_cpu_generic", "cria_cpu_isa"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["-fexceptions"],
      "libraries": ["-lpthread"],
    },
  ],
}
