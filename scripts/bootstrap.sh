# Sourced by scripts/start and scripts/test: makes the Python environment and
# the JavaScript runtime on first use, and puts both first on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
EXTRAS="${ISUP_BOOTSTRAP_EXTRAS:-}"

python_bin() {
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info < (3, 13))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "IsUp needs Python 3.11 or 3.12 on PATH" >&2; exit 1
}

# Reinstall when pyproject.toml changes, not on every start.
stamp="$VENV/.isup-installed${EXTRAS:+-$EXTRAS}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "isup: creating the Python environment in .venv (first run only)"
  "$(python_bin)" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  echo "isup: installing Python packages"
  "$VENV/bin/pip" install -q -e "$ROOT${EXTRAS:+[$EXTRAS]}" 2>&1 | { grep -v "^WARNING: Location" || true; }
  touch "$stamp"
fi

# Reflex would download bun with a script from the web; the npm package ships
# the same binary.
if [ ! -x "$TOOLS/node_modules/.bin/bun" ]; then
  echo "isup: installing the bun runtime from npm into .tools (first run only)"
  mkdir -p "$TOOLS"
  npm install --no-fund --no-audit --silent --prefix "$TOOLS" bun@1.4.5
fi

export PATH="$VENV/bin:$TOOLS/node_modules/.bin:$PATH"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry)}"
export NPM_CONFIG_REGISTRY
cd "$ROOT"
