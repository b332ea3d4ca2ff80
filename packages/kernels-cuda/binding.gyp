# The CUDA addon. scripts/build-addon.mjs sets CRIA_CUDA_HOME / CRIA_CUDA_LIBDIR and runs
# `node-gyp rebuild --nodedir=/usr` (offline headers). .cu files go through nvcc (static cudart,
# sm_80 + sm_90 SASS and compute_90 PTX); .cc files through the host compiler.
{
  "variables": {
    "cuda_home%": "<!(node -p \"process.env.CRIA_CUDA_HOME || '/usr/local/cuda'\")",
    "cuda_libdir%": "<!(node -p \"process.env.CRIA_CUDA_LIBDIR || (process.env.CRIA_CUDA_HOME || '/usr/local/cuda') + '/lib64'\")",
  },
  "targets": [
    {
      "target_name": "cria_cuda",
      "sources": [
        "native/addon.cc",
        "native/context.cc",
        "native/cublaslt.cc",
        "native/kernels/elementwise.cu",
        "native/kernels/rows.cu",
        "native/kernels/rope_kv.cu",
        "native/kernels/linear.cu",
        "native/kernels/attention.cu",
        "native/kernels/block_weights.cu",
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(cuda_home)/include",
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
      "libraries": ["-L<(cuda_libdir)", "-lcudart_static", "-ldl", "-lrt", "-lpthread"],
      "rules": [
        {
          "rule_name": "nvcc",
          "extension": "cu",
          "inputs": ["<(RULE_INPUT_PATH)", "native/common.cuh", "native/kernels.h", "native/block_weights.h", "native/block_decode.cuh"],
          "outputs": ["<(INTERMEDIATE_DIR)/<(RULE_INPUT_ROOT).o"],
          "process_outputs_as_sources": 1,
          "action": [
            "<(cuda_home)/bin/nvcc", "-std=c++17", "-O3", "--cudart=static",
            "-Xcompiler", "-fPIC",
            "-gencode", "arch=compute_80,code=sm_80",
            "-gencode", "arch=compute_90,code=sm_90",
            "-gencode", "arch=compute_90,code=compute_90",
            "-c", "<(RULE_INPUT_PATH)", "-o", "<@(_outputs)",
          ],
          "message": "nvcc <(RULE_INPUT_PATH)",
        },
      ],
    },
  ],
}
