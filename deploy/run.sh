#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and starts
# troupe-server in the foreground on 127.0.0.1:6379 with its embedded
# default config. Extra arguments go to troupe-server (e.g. --port 7000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
exec build/bin/troupe-server "$@"
