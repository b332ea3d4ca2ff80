#!/bin/bash
# All the GPU work of issues 6 and 7 in one command, THERE, on the GPU machine (nvcc, g++, python3 with
# torch; no Node, no network), from the kit prepare.sh made (carried as .device/kit).
#   bash scripts/device-kit/run.sh [--dry] [--budget SECONDS] SECTION...
# Sections (run in this order, whatever order they are named in):
#   bounds    torch: 1 GiB device-to-device copy bandwidth, 8192^3 bf16 matmul rate (the bounds' denominators)
#   build     the CUDA addon with packages/kernels-cuda/bench/build-on-device.sh (sm_90); if that fails,
#             the kit's cria_cuda.node.xz (built by prepare.sh's machine), when it has one
#   check     device.js check: op-conformance vs the CPU backend + large-shape device checks
#   e2e       every model fixture end to end on cuda (e2e.js: the golden suites' checks, heads included)
#   bench     cria bench on cuda, bf16: llama-3.2-1b and llama-2-7b, decode (prompt 128, 256 new) and
#             prefill (prompt 2048, 1 new); last, the 1b decode again with --separate-ops (the fused ops unfused)
#   perf      device.js perf: copy, matvec and GEMM rates, fused ops against the separate ops, decode op by op
#             and as a CUDA graph (with fused and with separate ops)
#   webgpu    Dawn on the NVIDIA Vulkan driver: loader debs, cria env, cria bench llama-3.2-1b f16
#             (prompt 128, 64 new), every fixture end to end on webgpu, then the bench with --separate-ops
#   memcheck  compute-sanitizer --tool memcheck over device.js check (slow; only when named)
#   cuda = bounds build check e2e bench perf;  all = cuda webgpu
# bench, perf and webgpu add bounds; check, e2e, bench, perf and memcheck add build.
# Every step has its own time limit and none starts past the budget (default 510 s, so one 10-minute
# device call survives a hang); a step that fails or times out does not stop the others.
# Output ($OUT there; .device/out here): summary.txt, summary.json and five logs (setup-build, cuda, bench,
# webgpu, memcheck). The summary is printed last.
# --dry: for a machine without a GPU (this one): the same command lines with cuda/webgpu benches on the cpu
# at the stories110M shape (prompt 4, 2 new), e2e on llama2c-260k only, the addon built only where nvcc
# is, no torch, and the debs unpacked into a scratch folder instead of /.
set -eu

root="$(cd "$(dirname "$0")/../.." && pwd)"
kit="${CRIA_KIT:-$root/.device/kit}"
work="${CRIA_KIT_WORK:-/tmp/cria-kit}"
out="${OUT:-$root/.device/out}"
budget=510
dry=0

usage() {
  sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
  echo "run.sh: $1" >&2
  exit 2
}

want_bounds=0 want_build=0 want_check=0 want_e2e=0 want_bench=0 want_perf=0 want_webgpu=0 want_memcheck=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry) dry=1 ;;
    --budget) [ $# -ge 2 ] || usage "--budget needs a number of seconds"; budget="$2"; shift ;;
    bounds) want_bounds=1 ;;
    build) want_build=1 ;;
    check) want_check=1 ;;
    e2e) want_e2e=1 ;;
    bench) want_bench=1 ;;
    perf) want_perf=1 ;;
    webgpu) want_webgpu=1 ;;
    memcheck) want_memcheck=1 ;;
    cuda) want_bounds=1 want_build=1 want_check=1 want_e2e=1 want_bench=1 want_perf=1 ;;
    all) want_bounds=1 want_build=1 want_check=1 want_e2e=1 want_bench=1 want_perf=1 want_webgpu=1 ;;
    *) usage "unknown section or flag '$1'" ;;
  esac
  shift
done
case "$budget" in '' | *[!0-9]*) usage "--budget must be whole seconds, got '$budget'" ;; esac
[ $((want_build + want_check + want_e2e + want_bench + want_perf + want_webgpu + want_memcheck + want_bounds)) -gt 0 ] ||
  usage "name at least one section"
[ $((want_bench + want_perf + want_webgpu)) -gt 0 ] && want_bounds=1
[ $((want_check + want_e2e + want_bench + want_perf + want_memcheck)) -gt 0 ] && want_build=1

for f in node.xz app.tar.xz fixtures.tar.xz include gl; do
  [ -e "$kit/$f" ] || usage "$kit/$f missing: run scripts/device-kit/prepare.sh here and carry .device/kit"
done

deadline=$(($(date +%s) + budget))
results="$work/results"
rm -rf "$work/app" "$work/fixtures" "$results"
mkdir -p "$work/bin" "$results" "$out"
(cd "$out" && rm -f summary.txt summary.json setup-build.log cuda.log bench.log webgpu.log memcheck.log)
: >"$results/steps.tsv"

# step NAME LOG LIMIT STDOUT CMD...: runs CMD, stderr (and stdout unless STDOUT is a file) appended to
# $out/LOG, killed after LIMIT seconds or at the budget's end; records NAME's status in steps.tsv and
# prints one line. Exit status 2 of the kit's programs means "cannot run here" (no device). A CMD that is
# a function of this script (setup, gl_loaders: short, no GPU work) runs in a subshell without the limit.
step() {
  local name="$1" log="$2" limit="$3" stdout="$4" left start rc status seconds
  shift 4
  left=$((deadline - $(date +%s)))
  if [ "$left" -lt 20 ]; then
    printf '%s\tskipped\t0\t%s\n' "$name" "$log" >>"$results/steps.tsv"
    printf '%-10s %4s s  %s (budget spent)\n' skipped 0 "$name"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit="$left"
  printf '\n==== %s (limit %s s): %s\n' "$name" "$limit" "$*" >>"$out/$log"
  start=$(date +%s)
  set +e
  if [ "$(type -t "$1")" = function ]; then
    (set -e; "$@") >>"$out/$log" 2>&1
  elif [ "$stdout" = - ]; then
    timeout -k 10 "$limit" "$@" >>"$out/$log" 2>&1
  else
    timeout -k 10 "$limit" "$@" >"$stdout" 2>>"$out/$log"
  fi
  rc=$?
  set -e
  seconds=$(($(date +%s) - start))
  case "$rc" in
    0) status=ok ;;
    2) status=cannot-run ;;
    124 | 137) status=timeout ;;
    *) status="failed-$rc" ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$seconds" "$log" >>"$results/steps.tsv"
  printf '%-10s %4s s  %s\n' "$status" "$seconds" "$name"
}

# ---- setup: node, the app (cria + bundles), the fixtures
setup() {
  xz -dc "$kit/node.xz" >"$work/bin/node"
  chmod +x "$work/bin/node"
  set -o pipefail
  xz -dc "$kit/app.tar.xz" | tar -C "$work" -xf -
  mkdir -p "$work/fixtures"
  xz -dc "$kit/fixtures.tar.xz" | tar -C "$work/fixtures" -xf -
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/app/node_modules/cria/dist/main.js" "$@"\n' "$work" "$work" >"$work/bin/cria"
  chmod +x "$work/bin/cria"
  "$work/bin/node" --version
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; else echo "no nvidia-smi"; fi
  if [ -f "$kit/MANIFEST.txt" ]; then head -3 "$kit/MANIFEST.txt"; fi
}
step setup setup-build.log 120 - setup
export PATH="$work/bin:$PATH" CRIA_FIXTURES="$work/fixtures"
app="$work/app"
addon="$work/cria_cuda.node"
export CRIA_CUDA_ADDON="$addon"

if [ "$want_bounds" = 1 ]; then
  if [ "$dry" = 1 ]; then
    echo "dry: bounds need torch on a GPU: python3 $root/scripts/device-kit/bounds.py" >>"$out/bench.log"
  else
    step bounds bench.log 120 "$results/bounds.json" python3 "$root/scripts/device-kit/bounds.py"
    [ -s "$results/bounds.json" ] && cat "$results/bounds.json" >>"$out/bench.log"
  fi
fi
# The measured bf16 matmul rate in TFLOP/s, for cria bench and device.js perf to state prefill against.
tflops=""
if [ -s "$results/bounds.json" ]; then
  tflops="$(node -p "(JSON.parse(require('fs').readFileSync('$results/bounds.json', 'utf8')).bf16_matmul_flops_per_second / 1e12).toFixed(0)")" ||
    tflops=""
fi

if [ "$want_build" = 1 ]; then
  if [ "$dry" = 1 ] && [ ! -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then
    echo "dry: no nvcc, not building: sh packages/kernels-cuda/bench/build-on-device.sh $kit/include $addon" >>"$out/setup-build.log"
  else
    rm -f "$addon"
    step build-addon setup-build.log 300 - sh "$root/packages/kernels-cuda/bench/build-on-device.sh" "$kit/include" "$addon"
    if [ ! -s "$addon" ] && [ -f "$kit/cria_cuda.node.xz" ]; then
      use_prebuilt() { xz -dc "$kit/cria_cuda.node.xz" >"$addon"; echo "the device build failed: using the addon prepare.sh packed (built by node-gyp there, sm_80 + sm_90)"; }
      step addon-fallback setup-build.log 30 - use_prebuilt
    fi
  fi
fi

[ "$want_check" = 1 ] && step cuda-check cuda.log 240 - node "$app/device.js" check

if [ "$want_e2e" = 1 ]; then
  if [ "$dry" = 1 ]; then
    step e2e-cuda cuda.log 120 - node "$app/e2e.js" --device cpu --only llama2c-260k --json "$results/e2e-cuda.json"
  else
    step e2e-cuda cuda.log 180 - node "$app/e2e.js" --device cuda --json "$results/e2e-cuda.json"
  fi
fi

# bench LABEL DEVICE DTYPE SHAPE PROMPT NEW LIMIT LOG [FLAG...]: cria bench (which measures the backend's copy
# bandwidth and states decode against it; prefill against the torch-measured matmul rate), JSON into
# results/bench-LABEL.json; extra flags (--separate-ops) go to cria bench.
bench() {
  local label="$1" device="$2" dtype="$3" shape="$4" prompt="$5" new="$6" limit="$7" log="$8"
  shift 8
  if [ "$dry" = 1 ]; then device=cpu shape=stories110M prompt=4 new=2 limit=120; fi
  step "bench $label" "$log" "$limit" "$results/bench-$label.json" \
    cria bench --shape "$shape" --device "$device" --dtype "$dtype" --prompt-length "$prompt" --new-tokens "$new" ${tflops:+--matmul-tflops "$tflops"} "$@"
  [ -s "$results/bench-$label.json" ] && cat "$results/bench-$label.json" >>"$out/$log"
  return 0
}

if [ "$want_bench" = 1 ]; then
  bench cuda-1b-decode cuda bfloat16 llama-3.2-1b 128 256 180 bench.log
  bench cuda-7b-decode cuda bfloat16 llama-2-7b 128 256 300 bench.log
  bench cuda-1b-prefill2048 cuda bfloat16 llama-3.2-1b 2048 1 180 bench.log
  bench cuda-7b-prefill2048 cuda bfloat16 llama-2-7b 2048 1 300 bench.log
  # The same 1B decode with the ops the layers fuse run separately: what linearMany, linearSiluMul and addRmsNorm save.
  bench cuda-1b-decode-separate cuda bfloat16 llama-3.2-1b 128 256 180 bench.log --separate-ops
fi

if [ "$want_perf" = 1 ]; then
  step cuda-perf cuda.log 240 - node "$app/device.js" perf ${tflops:+--matmul-tflops=$tflops}
fi

if [ "$want_webgpu" = 1 ]; then
  # The device README's recipe: Debian's loaders unpacked into /, the driver's own ICD and EGL vendor files.
  gl_loaders() {
    local target=/
    if [ "$dry" = 1 ]; then target="$work/gl-root"; mkdir -p "$target"; fi
    for f in "$kit"/gl/*.deb; do dpkg -x "$f" "$target"; done
    if [ "$dry" = 1 ]; then echo "shared objects unpacked: $(find "$target" -name '*.so*' | wc -l)"; return 0; fi
    ldconfig
    ldconfig -p | grep -E 'libvulkan|libEGL' || true
    ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /usr/local/nvidia/share/glvnd/egl_vendor.d/ 2>&1 || true
  }
  step gl-loaders webgpu.log 60 - gl_loaders
  egl_vendor=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ "$dry" = 0 ] && [ -f "$egl_vendor" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl_vendor"
  # The driver's own ICD file first (the README's), then the usual places, then the loader's default search;
  # the first with which `cria env` says webgpu is available stays set for the bench and e2e.
  icds=""
  [ "$dry" = 0 ] && icds="/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json"
  webgpu_ok=0
  for icd in $icds default; do
    if [ "$icd" = default ]; then unset VK_DRIVER_FILES; else [ -f "$icd" ] || continue; export VK_DRIVER_FILES="$icd"; fi
    step "webgpu-env ($icd)" webgpu.log 60 "$results/env.txt" cria env
    cat "$results/env.txt" >>"$out/webgpu.log"
    if grep -q '^webgpu  *available' "$results/env.txt"; then webgpu_ok=1; break; fi
  done
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset} __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-unset}" >>"$out/webgpu.log"
  if [ "$webgpu_ok" = 0 ]; then
    step webgpu-loader-debug webgpu.log 60 - env VK_LOADER_DEBUG=error,warn,driver cria env
  fi
  bench webgpu-1b-decode webgpu float16 llama-3.2-1b 128 64 240 webgpu.log
  if [ "$dry" = 1 ]; then
    step e2e-webgpu webgpu.log 120 - node "$app/e2e.js" --device cpu --only llama2c-260k --json "$results/e2e-webgpu.json"
  else
    step e2e-webgpu webgpu.log 180 - node "$app/e2e.js" --device webgpu --json "$results/e2e-webgpu.json"
  fi
  # The same 1B decode with the fused ops run separately (dispatch count is what they save on WebGPU).
  bench webgpu-1b-decode-separate webgpu float16 llama-3.2-1b 128 64 180 webgpu.log --separate-ops
fi

if [ "$want_memcheck" = 1 ]; then
  cuda_home="${CUDA_HOME:-/usr/local/cuda}"
  sanitizer="$(command -v compute-sanitizer || true)"
  for candidate in "$cuda_home/bin/compute-sanitizer" "$cuda_home/compute-sanitizer/compute-sanitizer"; do
    [ -z "$sanitizer" ] && [ -x "$candidate" ] && sanitizer="$candidate"
  done
  if [ -n "$sanitizer" ]; then
    step memcheck memcheck.log 480 - "$sanitizer" --tool memcheck --target-processes all node "$app/device.js" check
  else
    step memcheck memcheck.log 10 - sh -c "echo 'compute-sanitizer not found (PATH, $cuda_home/bin)'; exit 2"
  fi
fi

deadline=$(($(date +%s) + 30))
echo
step summary setup-build.log 30 "$out/summary.txt" node "$app/summary.js" --results "$results" --logs "$out" --json "$out/summary.json"
if [ -s "$out/summary.txt" ]; then cat "$out/summary.txt"; else echo "no summary (see setup-build.log); steps:"; cat "$results/steps.tsv"; fi
