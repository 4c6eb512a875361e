#!/usr/bin/env bash
# Rebuilds the committed demo model bundle (seed/bundle) from scratch: writes the demo atlas with
# the same generator the database seeder uses, trains the small LangCell model on it and exports it
# with tools/model. Needs Debian's python3-torch and python3-numpy; OpenBLAS (libopenblas0-pthread)
# makes training several times faster than the reference BLAS torch falls back to. About 15 min on
# 2 cores. Deterministic for a given machine (fixed seeds), but BLAS builds differ in the last bits,
# so a retrained bundle gets a new id.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/model/find-python.sh
[ -n "$PYTHON" ] || { echo "python3 with torch and numpy is required: apt-get install python3-torch python3-numpy" >&2; exit 1; }
atlas=$(mktemp -d)
trap 'rm -rf "$atlas"' EXIT
npx tsx seed/write-atlas.ts --out "$atlas"
rm -rf seed/bundle
PYTHONPATH=. "$PYTHON" -m tools.model.train_demo --atlas "$atlas" --out seed/bundle "$@"
