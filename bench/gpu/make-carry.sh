#!/usr/bin/env bash
# Prepares what bench/gpu/run.sh needs on a GPU machine that has nothing installed and cannot reach
# any network, within the device tool's 64 MiB carry limit (see bench/gpu/README.md):
#   bench/gpu/carry/node.xz              this machine's Node binary, xz-compressed
#   bench/gpu/carry/onnxruntime.tar.xz   onnxruntime-node (linux x64 only) + onnxruntime-common
#   bench/gpu/carry/graphs/*.onnx        the bench bundle's fp32 graphs with every large float weight
#   bench/gpu/carry/graphs/layout.json   moved out to external data, and where each goes: run.sh
#                                        fills them with seeded N(0, 0.02) numbers (LangCell's
#                                        initialisation), so 1.1 GB of weights travel as ~1 MB
#   .gl/*.deb                            the Vulkan/EGL loaders (the device README's recipe), once
# Run from the repository root after making the bench bundle (bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-bench/bundles/langcell}
carry=bench/gpu/carry
rm -rf "$carry/graphs" "$carry/onnxruntime.tar.xz" && mkdir -p "$carry/graphs"
[ -f "$bundle/manifest.json" ] || { echo "no bench bundle at $bundle (bench/README.md)" >&2; exit 1; }

node_bin=$(readlink -f "$(command -v node)")
# Kept from an earlier run while the binary is unchanged (compressing it is the slow part).
if [ ! -s "$carry/node.xz" ] || [ "$node_bin" -nt "$carry/node.xz" ]; then
  xz -T2 -3 -c "$node_bin" > "$carry/node.xz.partial" && mv "$carry/node.xz.partial" "$carry/node.xz"
fi

ort=$(node -e "console.log(require('path').dirname(require.resolve('onnxruntime-node/package.json')))")
# onnxruntime-common exports no package.json: it sits beside onnxruntime-node (npm hoists it).
common=$(dirname "$ort")/onnxruntime-common
[ -f "$common/package.json" ] || common=$ort/node_modules/onnxruntime-common
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -r "$ort/dist" "$ort/package.json" "$stage/node_modules/onnxruntime-node/"
cp -r "$ort/bin/napi-v6/linux/x64" "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"
cp -r "$common" "$stage/node_modules/onnxruntime-common"
tar -C "$stage" -cf - node_modules | xz -T2 -3 > "$carry/onnxruntime.tar.xz"

/usr/bin/python3 bench/gpu/skeleton.py "$bundle" "$carry/graphs"

if ! ls .gl/*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null) ||
    echo "could not download the Vulkan loader debs: run.sh works only where the machine has libvulkan" >&2
fi
du -sh "$carry" "$carry"/* .gl 2>/dev/null
