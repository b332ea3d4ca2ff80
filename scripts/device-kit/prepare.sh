#!/bin/bash
# Builds the GPU kit into .device/kit/ (git-ignored), HERE, on the machine without a GPU, right before the
# device call: the GPU machine has nvcc, g++ and python3 with torch but no Node, no workspace and no network.
# Needs the npm registry (the app's external packages) and, if .gl/ lacks them, Debian's apt (the GL/Vulkan
# loader debs). Prints the kit's size; fails if kit + working tree exceed what one device call carries.
#   bash scripts/device-kit/prepare.sh
# Kit layout:
#   node.xz          the node binary (stripped), xz
#   app.tar.xz       app/: npm-installed cria + @cria/* + webgpu (linux-x64 Dawn only) from `pnpm pack` of
#                    this tree, and the bundles device.js, e2e.js, summary.js beside node_modules
#   fixtures.tar.xz  the model fixture folders e2e.js covers (e2e.js --list)
#   include/         node_api*.h, js_native_api*.h (from /usr/include/node), napi*.h (node-addon-api)
#   cria_cuda.node.xz  the addon built here, when it is as new as the native sources: run.sh's fallback if
#                    the device build fails
#   gl/*.deb         libvulkan1, libegl1, libglvnd0, libopengl0, libgl1, libglx0, libgles2 (amd64)
#   MANIFEST.txt     commit, date, versions, fixture list, sizes
set -eu

root="$(cd "$(dirname "$0")/../.." && pwd)"
kit="$root/.device/kit"
fixtures="${CRIA_FIXTURES:-$root/fixtures}"
# One device call carries at most 64 MiB: the working tree plus the carried kit.
carry_limit_bytes=$((64 * 1024 * 1024))
gl_packages="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
export TURBO_TELEMETRY_DISABLED=1

say() { printf '== %s\n' "$*"; }
die() { printf 'prepare.sh: %s\n' "$*" >&2; exit 1; }

for tool in node pnpm npm xz tar strip md5sum; do
  command -v "$tool" >/dev/null || die "'$tool' not found on PATH"
done
test -d "$fixtures/models" || die "fixtures folder $fixtures has no models/ (set CRIA_FIXTURES)"
cd "$root"
node_bin="$(node -p process.execPath)"
mkdir -p "$kit"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "build cria and what it depends on (turbo; the CUDA addon too where nvcc is)"
pnpm exec turbo run build --filter='cria...' --output-logs=errors-only

say "bundle device.js, e2e.js, summary.js (tsup, @cria/source)"
pnpm exec tsup --config scripts/device-kit/tsup.config.ts >/dev/null
bundles="$kit/bundles"
for b in device e2e summary; do test -s "$bundles/$b.js" || die "tsup did not write $bundles/$b.js"; done
# e2e.ts imports @cria/models/testing, whose vitest helpers drop out only while @cria/models is sideEffects-free.
if grep -qE 'from "vitest"|@vitest/' "$bundles/e2e.js"; then die "$bundles/e2e.js pulled in vitest (is @cria/models still \"sideEffects\": false?)"; fi

say "node headers for bench/build-on-device.sh"
addon_api="$root/packages/kernels-cuda/node_modules/node-addon-api"
test -f "$addon_api/napi.h" || die "$addon_api/napi.h missing: run pnpm install"
rm -rf "$kit/include" && mkdir -p "$kit/include"
node_include="$(dirname "$node_bin")/../include/node"
test -f "$node_include/node_api.h" || node_include=/usr/include/node
test -f "$node_include/node_api.h" || die "node_api.h not found (in $(dirname "$node_bin")/../include/node or /usr/include/node)"
cp "$node_include"/node_api*.h "$node_include"/js_native_api*.h "$addon_api"/napi*.h "$kit/include/"

say "fallback addon: the cria_cuda.node built here (sm_80, sm_90), if no native source is newer"
built_addon="$root/packages/kernels-cuda/build/Release/cria_cuda.node"
rm -f "$kit/cria_cuda.node.xz"
if [ -f "$built_addon" ] && [ -z "$(find "$root/packages/kernels-cuda/native" -newer "$built_addon" -type f | head -1)" ]; then
  xz -6 -T2 -c "$built_addon" >"$kit/cria_cuda.node.xz"
  echo "packed $built_addon"
else
  echo "none: $built_addon is missing or older than packages/kernels-cuda/native (run.sh then has only the device build)"
fi

say "node binary (stripped, xz; reused while node is unchanged)"
node_stamp="$(node --version) $(stat -c '%s %Y' "$node_bin")"
if [ -s "$kit/node.xz" ] && [ "$(cat "$kit/node.stamp" 2>/dev/null)" = "$node_stamp" ]; then
  echo "unchanged: $node_stamp"
else
  strip -o "$work/node" "$node_bin"
  xz -6 -T2 -c "$work/node" >"$kit/node.xz.part" && mv "$kit/node.xz.part" "$kit/node.xz"
  echo "$node_stamp" >"$kit/node.stamp"
fi

say "fixtures (the folders e2e.js covers)"
node "$bundles/e2e.js" --list --fixtures "$fixtures" >"$work/fixtures.txt"
fixture_dirs="$(cat "$work/fixtures.txt")"
test -n "$fixture_dirs" || die "e2e.js --list found no fixtures under $fixtures"
for d in $fixture_dirs; do
  size=$(du -sb "$fixtures/$d" | cut -f1)
  [ "$size" -le $((16 * 1024 * 1024)) ] || die "fixture $d is $size bytes: too large for the kit (16 MiB each at most)"
done
# shellcheck disable=SC2086
fixture_stamp="$( (cd "$fixtures" && find $fixture_dirs -type f -printf '%p %s %T@\n' | sort) | md5sum | cut -d' ' -f1)"
if [ -s "$kit/fixtures.tar.xz" ] && [ "$(cat "$kit/fixtures.stamp" 2>/dev/null)" = "$fixture_stamp" ]; then
  echo "unchanged: $(echo "$fixture_dirs" | wc -l) folders"
else
  # shellcheck disable=SC2086
  tar -C "$fixtures" -cf - $fixture_dirs | xz -6 -T2 >"$kit/fixtures.tar.xz.part"
  mv "$kit/fixtures.tar.xz.part" "$kit/fixtures.tar.xz"
  echo "$fixture_stamp" >"$kit/fixtures.stamp"
fi

say "GL/Vulkan loader debs (device README's headless-rendering recipe)"
missing=""
for p in $gl_packages; do ls "$root/.gl/${p}_"*_amd64.deb >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "downloading:$missing"
  grep -qx '/.gl/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gl/' >>"$root/.git/info/exclude"
  mkdir -p "$root/.gl" /tmp/amd64/partial
  apt_opts='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $apt_opts update >/dev/null
  # shellcheck disable=SC2086
  (cd "$root/.gl" && apt-get $apt_opts download $missing)
fi
rm -rf "$kit/gl" && mkdir -p "$kit/gl"
for p in $gl_packages; do
  deb="$(find "$root/.gl" -maxdepth 1 -name "${p}_*_amd64.deb" | sort | tail -1)"
  test -n "$deb" || die "no $p deb in $root/.gl"
  cp "$deb" "$kit/gl/"
done

say "app: pnpm pack of the workspace packages, npm install of the tarballs"
mkdir -p "$work/tgz" "$work/app"
for p in packages/core packages/config packages/tokenizer packages/convert packages/kernels-cpu packages/kernels-cuda \
  packages/kernels-webgpu packages/models apps/cli; do
  (cd "$root/$p" && pnpm pack --pack-destination "$work/tgz" >/dev/null) || die "pnpm pack failed in $p"
done
webgpu_version="$(node -p "require('$root/apps/cli/package.json').optionalDependencies.webgpu")"
printf '{ "name": "cria-device-app", "private": true, "type": "module" }\n' >"$work/app/package.json"
(cd "$work/app" && npm install --ignore-scripts --no-audit --no-fund --omit=dev --loglevel=error \
  "$work"/tgz/*.tgz "webgpu@$webgpu_version" >/dev/null) || die "npm install of the packed tarballs failed"
# Only Linux x64 runs there; the CUDA addon is built there (CRIA_CUDA_ADDON), never a copy built here.
dawn="$work/app/node_modules/webgpu/dist"
test -f "$dawn/linux-x64/dawn.node" || die "webgpu@$webgpu_version has no dist/linux-x64/dawn.node"
find "$dawn" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -rf "$work/app/node_modules/@cria/kernels-cuda/build"
test -f "$work/app/node_modules/cria/dist/main.js" || die "the app has no node_modules/cria/dist/main.js"
cp "$bundles"/device.js "$bundles"/e2e.js "$bundles"/summary.js "$work/app/"
(cd "$work/app" && node node_modules/cria/dist/main.js env >"$work/env.txt" 2>&1) || die "the app's 'cria env' failed here: $(cat "$work/env.txt")"
tar -C "$work" -cf - app | xz -6 -T2 >"$kit/app.tar.xz"

say "fixtures/ out of the travelling tree (the kit carries the folders the device needs)"
bash "$root/scripts/device-kit/fixtures-travel.sh" off

say "manifest and sizes"
tree_bytes=$(git -C "$root" ls-files -z --cached --others --exclude-standard | (cd "$root" && xargs -0 stat -c %s 2>/dev/null) | awk '{s += $1} END {print s + 0}')
{
  echo "commit $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- packages apps scripts || echo ' + uncommitted changes')"
  echo "prepared $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "node $(node --version); webgpu $webgpu_version"
  echo "fixtures:"; echo "$fixture_dirs" | sed 's/^/  /'
  echo "cria env here:"; sed 's/^/  /' "$work/env.txt"
  echo "sizes (bytes):"
  (cd "$kit" && du -sb node.xz app.tar.xz fixtures.tar.xz include gl bundles cria_cuda.node.xz 2>/dev/null | sed 's/^/  /')
} >"$kit/MANIFEST.txt"
kit_bytes=$(du -sb "$kit" | cut -f1)
total=$((kit_bytes + tree_bytes))
cat "$kit/MANIFEST.txt"
awk -v k="$kit_bytes" -v t="$tree_bytes" 'BEGIN { m = 1048576; printf "kit %.1f MiB + working tree %.1f MiB = %.1f MiB (a device call carries at most 64 MiB)\n", k / m, t / m, (k + t) / m }'
[ "$total" -le "$carry_limit_bytes" ] || die "too large to carry: $total bytes"
echo "ready: carry .device/kit; run: bash scripts/device-kit/run.sh <sections> (see scripts/device-kit/README.md);"
echo "afterwards, before any commit: bash scripts/device-kit/fixtures-travel.sh on"
