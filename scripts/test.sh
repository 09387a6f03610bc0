#!/usr/bin/env bash
# The test command (README, .ci/run): a fresh virtual environment with secscan and
# every scanner it drives, Debian's Chromium for the HTML report test, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test.sh: install Debian's chromium package (sudo apt-get install chromium) for the HTML report test" >&2
  fi
fi
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[scanners,test]"
exec .venv/bin/python -m pytest "$@"
