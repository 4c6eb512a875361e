#!/usr/bin/env bash
# One short GPU measurement for a device machine (see bench/gpu/README.md), also runnable here, where
# it falls back to the CPU provider and says so. Prepare once with bench/gpu/make-carry.sh, then
# on the device machine (carry: bench/gpu/carry and .gl):
#   bash bench/gpu/run.sh            # full sizes (a few minutes on an H200)
#   bash bench/gpu/run.sh --quick    # tiny sizes: the CPU fallback check
# Writes gpu-bench.json / gpu-bench.md / nvidia-smi.csv / ort.log under $OUT (default /tmp/langcell-gpu-out).
set -euo pipefail
cd "$(dirname "$0")/../.."
carry=bench/gpu/carry
export OUT=${OUT:-/tmp/langcell-gpu-out}
mkdir -p "$OUT"
[ -f "$carry/graphs/layout.json" ] || { echo "bench/gpu/carry is missing: run bash bench/gpu/make-carry.sh first" >&2; exit 2; }

# Node: the carried binary where the machine has none (or an older one).
node=$(command -v node || true)
# LANGCELL_GPU_CARRIED=1 uses the carried Node and onnxruntime even where the machine has its own
# (how the unpacking is tested off the device machine).
if [ -f "$carry/node.xz" ] && { [ "${LANGCELL_GPU_CARRIED:-}" = 1 ] || [ -z "$node" ] || ! "$node" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; }; then
  mkdir -p /tmp/langcell-gpu-node
  xz -dc "$carry/node.xz" > /tmp/langcell-gpu-node/node
  chmod +x /tmp/langcell-gpu-node/node
  node=/tmp/langcell-gpu-node/node
fi
[ -n "$node" ] || { echo "no node binary and no $carry/node.xz" >&2; exit 2; }

# onnxruntime-node: the carried copy where the checkout has no node_modules.
modules=$PWD/node_modules
if { [ "${LANGCELL_GPU_CARRIED:-}" = 1 ] || [ ! -d "$modules/onnxruntime-node" ]; } && [ -f "$carry/onnxruntime.tar.xz" ]; then
  mkdir -p /tmp/langcell-gpu-ort
  tar -xJf "$carry/onnxruntime.tar.xz" -C /tmp/langcell-gpu-ort
  modules=/tmp/langcell-gpu-ort/node_modules
fi

# Vulkan: WebGPU drives the GPU through it. Only on a machine with an NVIDIA GPU (never here, where
# unpacking packages into / would change a shared machine): bring the loader where the machine
# lacks one, and point at the driver's ICD where it is installed outside the default search path.
provider=webgpu
why=()
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "no NVIDIA GPU here (nvidia-smi): running the CPU fallback" >&2
  provider=cpu
  why=(--why "no NVIDIA GPU on this machine (nvidia-smi)")
else
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && ls .gl/*.deb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  ldconfig -p | grep -q libvulkan.so.1 || echo "warning: no libvulkan.so.1 even after .gl/: WebGPU will not find the GPU" >&2
fi

# Whether it really runs on the GPU: sample utilisation and memory while the bench runs.
sampler=
if [ "$provider" = webgpu ]; then
  nvidia-smi --query-gpu=timestamp,name,utilization.gpu,memory.used --format=csv -lms 500 > "$OUT/nvidia-smi.csv" 2>&1 &
  sampler=$!
fi
echo "node $("$node" --version) ($node), onnxruntime-node from $modules, provider $provider" | tee "$OUT/setup.txt" >&2
status=0
ORT_MODULES=$modules "$node" bench/gpu/gpu-bench.mjs --provider "$provider" "${why[@]}" --out "$OUT" "$@" 2> >(tee "$OUT/ort.log" >&2) || status=$?
if [ -n "$sampler" ]; then
  kill "$sampler" 2>/dev/null || true
  peak=$(awk -F', ' 'NR > 1 { u = $3 + 0; m = $4 + 0; if (u > pu) pu = u; if (m > pm) pm = m } END { printf "%d %% utilisation, %d MiB", pu, pm }' "$OUT/nvidia-smi.csv")
  echo "GPU peak while running: $peak" | tee -a "$OUT/gpu-bench.md"
fi
# onnxruntime names nodes it could not place on the requested provider (they then run on the CPU).
if grep -qi "placed on \[CPUExecutionProvider\]\|not assigned to the preferred" "$OUT/ort.log"; then
  echo "note: some nodes ran on the CPU provider (see ort.log)" | tee -a "$OUT/gpu-bench.md"
fi
exit $status
