#!/bin/sh
# Bundles bench/device-e2e.ts (workspace packages from sources) into one file for a GPU machine without the workspace.
set -e
cd "$(dirname "$0")/.."
out=${1:-../../.device/device-e2e.mjs}
esbuild=$(node -e "console.log(require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsup')] }))" 2>/dev/null || true)
[ -n "$esbuild" ] || esbuild=$(ls -d ../../node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)
"$esbuild" bench/device-e2e.ts --bundle --platform=node --format=esm --target=node20 --conditions=@cria/source \
  --external:webgpu --outfile="$out" --log-level=warning
echo "wrote $out"
