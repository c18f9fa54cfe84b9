#!/usr/bin/env bash
# The family page's browser tests (tests/family/test_family_browser.py) need Debian's chromium and axe-core.
# Called by .ci/run before the test suite. Playwright drives the system chromium: it never downloads a browser.
# axe-core goes to a cache directory outside the repository (never committed); the tests find it through
# FAMILY_AXE_DIR (default: ./var/axe-core).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
AXE_DIR="${FAMILY_AXE_DIR:-var/axe-core}"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$AXE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" axe-core@4
fi
echo "family browser setup: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), axe-core in $AXE_DIR"
