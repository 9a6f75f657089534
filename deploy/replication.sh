#!/usr/bin/env bash
# The tutorial's part 2 on 127.0.0.1: one master and two replicas, each in
# its own directory with a copy of a full stock redis.conf edited by sed as
# the tutorial edits it, started with troupe-server and tied together with
# `slaveof` from redis-cli.
#
#   deploy/replication.sh up   [base-dir]   create <base>/7001..7003, start, replicate, wait, show
#   deploy/replication.sh show [base-dir]   INFO replication of all three
#   deploy/replication.sh down [base-dir]   SHUTDOWN all three (files are kept)
#
# base-dir defaults to /tmp/troupe-tutorial. Environment:
#   PORTS="7001 7002 7003"   the three ports, master first (the tutorial's)
#   TROUPE_SERVER=path       the server binary (default build/bin/troupe-server;
#                            /usr/bin/redis-server works too)
# Every wait is bounded; `up` fails if a port already answers.
set -euo pipefail

usage() { echo "usage: $0 up|show|down [base-dir]" >&2; exit 2; }

action=${1:-}
base=${2:-/tmp/troupe-tutorial}
repo=$(cd "$(dirname "$0")/.." && pwd)
server=${TROUPE_SERVER:-$repo/build/bin/troupe-server}
read -r -a ports <<< "${PORTS:-7001 7002 7003}"
[ "${#ports[@]}" -eq 3 ] || { echo "PORTS must name three ports" >&2; exit 2; }
master=${ports[0]}

# shellcheck source=deploy/tutorial-lib.sh
. "$repo/deploy/tutorial-lib.sh"


# The stock config the tutorial copies: a full 6.2/7.0 redis.conf.
stock_conf() {
  local f
  for f in "$repo/tests/node/testdata/redis-7.0-debian.conf" /etc/redis/redis.conf; do
    if [ -f "$f" ]; then echo "$f"; return; fi
  done
  echo "no stock redis.conf found (tests/node/testdata/ or /etc/redis/)" >&2
  exit 1
}

online_replicas() { cli "$master" info replication | tr -d '\r' | grep -c 'state=online' || true; }
both_online() { [ "$(online_replicas)" -eq 2 ]; }

up() {
  [ -x "$server" ] || { echo "no server binary at $server (build it, or set TROUPE_SERVER)" >&2; exit 1; }
  command -v redis-cli > /dev/null || { echo "redis-cli is needed (apt-get install redis-tools)" >&2; exit 1; }
  local conf port dir
  conf=$(stock_conf)
  for port in "${ports[@]}"; do
    if answers "$port"; then echo "port $port already answers; run '$0 down $base' first" >&2; exit 1; fi
  done
  for port in "${ports[@]}"; do
    dir=$base/$port
    mkdir -p "$dir"
    cp "$conf" "$dir/redis.conf"
    # The tutorial: sed -i -e 's/6379/7001/g' -e 's/dir ./dir \/tmp\/7001\//g' 7001/redis.conf
    # (its `dir .` pattern assumes 6.2's `dir ./`; anchored here so any
    # stock `dir` line is replaced), its RDB save points, AOF off, and, to
    # run in the background, daemonize / logfile / pidfile per instance.
    sed -i -e "s/6379/$port/g" \
           -e "s|^dir .*|dir $dir/|" \
           -e "s|^# save 3600 1 300 100 60 10000\$|save 3600 1\nsave 300 100\nsave 60 10000|" \
           -e "s|^appendonly .*|appendonly no|" \
           -e "s|^daemonize .*|daemonize yes|" \
           -e "s|^logfile .*|logfile $dir/redis.log|" \
           -e "s|^pidfile .*|pidfile $dir/redis.pid|" \
           "$dir/redis.conf"
    # The tutorial: sed -i '1a replica-announce-ip 192.168.150.101' 7001/redis.conf
    sed -i '1a replica-announce-ip 127.0.0.1' "$dir/redis.conf"
    grep -q "^port $port\$" "$dir/redis.conf" || { echo "$dir/redis.conf: no 'port $port' line" >&2; exit 1; }
  done
  for port in "${ports[@]}"; do
    (cd "$base" && "$server" "$base/$port/redis.conf")
  done
  for port in "${ports[@]}"; do
    wait_until 15 "the server on port $port (log: $base/$port/redis.log)" answers "$port"
  done
  for port in "${ports[@]:1}"; do
    echo "redis-cli -p $port slaveof 127.0.0.1 $master: $(cli "$port" slaveof 127.0.0.1 "$master")"
  done
  wait_until 60 "two online replicas on port $master" both_online
  cli "$master" info replication
}

show() {
  local port
  for port in "${ports[@]}"; do
    echo "== 127.0.0.1:$port"
    cli "$port" info replication
  done
}

down() { stop_nodes "${ports[@]}"; }

case "$action" in
  up) up ;;
  show) show ;;
  down) down ;;
  *) usage ;;
esac
