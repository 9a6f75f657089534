#!/usr/bin/env bash
# Installs, with apt-get, everything Troupe needs to build, run and test on
# Debian 12. Idempotent: packages already present are not fetched again.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libcaf-dev                       # C++ Actor Framework 0.17
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  googletest libgtest-dev libgmock-dev
  redis-server redis-tools         # reference server, redis-cli, redis-benchmark
  python3 python3-redis python3-pytest
)
# Node.js and npm for the ioredis test (tests/e2e/clients, npm ci from the
# npm registry). Debian 12's nodejs (18) and npm are enough. A Node.js that is
# already there is kept: NodeSource's nodejs package bundles npm and conflicts
# with Debian's npm package, so asking for both would replace it.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's redis-server package may try to start a service on 6379;
  # nothing in Troupe depends on that port being free or taken.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
