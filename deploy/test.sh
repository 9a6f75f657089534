#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs the whole
# test suite: GoogleTest (via CTest), then the end-to-end and differential
# pytest suites against real troupe-server and redis-server processes on
# 127.0.0.1. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
echo "== unit and actor tests (ctest)"
ctest --test-dir build --output-on-failure -j 2
echo "== end-to-end and differential tests (pytest)"
TROUPE_SERVER="$PWD/build/bin/troupe-server" /usr/bin/python3 -m pytest -q tests/e2e tests/diff
