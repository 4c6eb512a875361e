#!/usr/bin/env bash
# Runs the Python tests of the export tool with a python3 that has torch (Debian's first).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/model/find-python.sh
if [ -z "$PYTHON" ]; then
  echo "SKIPPED: python3-torch not installed (apt-get install python3-torch)"
  exit 0
fi
exec "$PYTHON" -m unittest discover -s tools/model/tests -t . "$@"
