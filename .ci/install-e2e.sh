#!/usr/bin/env bash
# What the end-to-end journeys (tests/e2e) drive: Debian's Chromium, Playwright for Python, axe-core.
# Idempotent and quiet; run from anywhere: bash .ci/install-e2e.sh
# Playwright never downloads a browser of its own here: the tests launch /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
python=${PYTHON:-.venv/bin/python}
if ! "$python" -c "import playwright" 2>/dev/null; then
  "$python" -m pip install --quiet "playwright>=1.49"
fi
if [ ! -f tests/e2e/js/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/e2e/js --no-audit --no-fund --loglevel=error
fi
