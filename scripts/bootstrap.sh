#!/usr/bin/env bash
# Create or refresh .venv from uv.lock. Needs only a Python >= 3.12 somewhere on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
# Trust the system certificate store (corporate proxies, distro CA bundles).
export UV_NATIVE_TLS=${UV_NATIVE_TLS:-1}

find_python() {
  local candidate
  for candidate in "${BCT_PYTHON:-}" python3.14 python3.13 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  # pyenv installs that are not the active version
  for candidate in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

find_uv() {
  if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then command -v uv; return 0; fi
  if [ -x "$HOME/.local/bin/uv" ]; then echo "$HOME/.local/bin/uv"; return 0; fi
  return 1
}

PY=$(find_python) || { echo "bootstrap: Python >= 3.12 is required (set BCT_PYTHON=/path/to/python3.12)" >&2; exit 1; }
UV=$(find_uv) || {
  echo "bootstrap: installing uv with pip" >&2
  "$PY" -m pip install --quiet --user uv 2>/dev/null || "$PY" -m pip install --quiet uv
  UV=$(find_uv) || UV="$PY -m uv"
}
$UV sync --frozen --python "$PY" --quiet
touch .venv/.synced
