#!/bin/sh
# Builds the addon on a GPU machine that has nvcc and g++ but no Node headers or node-gyp: the same sources
# and flags as binding.gyp (sm_90 only, for speed), headers from $1 (node_api.h, napi.h), output to $2.
# Usage: sh bench/build-on-device.sh <include-dir> <out.node>
set -eu
inc="$1"; out="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
cuda="${CUDA_HOME:-/usr/local/cuda}"
obj="$(mktemp -d)"
for f in "$here"/native/kernels/*.cu; do
  "$cuda/bin/nvcc" -std=c++17 -O3 --cudart=static -Xcompiler -fPIC -gencode arch=compute_90,code=sm_90 \
    -c "$f" -o "$obj/$(basename "$f" .cu).o" &
done
for f in "$here"/native/*.cc; do
  g++ -std=c++17 -O2 -fPIC -fexceptions -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -I"$inc" -I"$cuda/include" \
    -c "$f" -o "$obj/$(basename "$f" .cc).o" &
done
wait
for o in elementwise rows rope_kv linear attention addon context cublaslt; do test -f "$obj/$o.o" || { echo "missing $o.o"; exit 1; }; done
libdir="$cuda/lib64"; test -f "$libdir/libcudart_static.a" || libdir="$cuda/targets/x86_64-linux/lib"
g++ -shared -o "$out" "$obj"/*.o -L"$libdir" -lcudart_static -ldl -lrt -lpthread
echo "built $out"
