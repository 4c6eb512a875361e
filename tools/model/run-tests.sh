#!/usr/bin/env bash
# Runs the Python tests of the export tool with a python3 that has torch (Debian's first).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import torch, numpy" >/dev/null 2>&1; then
    PY="$candidate"
    break
  fi
done
if [ -z "$PY" ]; then
  echo "SKIPPED: python3-torch not installed (apt-get install python3-torch)"
  exit 0
fi

exec "$PY" -m unittest discover -s tools/model/tests -t . "$@"
