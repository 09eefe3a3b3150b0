#!/usr/bin/env bash
# Debian's chromium, for the dashboard's browser test (test/e2e/dashboard.test.ts).
# playwright-core drives it; its own browser download cannot work offline.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium
chromium --version
