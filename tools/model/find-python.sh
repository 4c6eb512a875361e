# Sourced by the tool scripts: sets PYTHON to a python3 that can import torch and numpy (Debian's
# /usr/bin/python3 first: python3-torch installs there, while a pyenv python3 may shadow it on PATH).
# Leaves PYTHON empty when there is none.
PYTHON=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import torch, numpy" >/dev/null 2>&1; then
    PYTHON="$candidate"
    break
  fi
done
