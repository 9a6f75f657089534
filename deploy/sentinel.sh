#!/usr/bin/env bash
# The tutorial's part 3 on 127.0.0.1: the master and two replicas of part 2
# (deploy/replication.sh) watched by three sentinels on 27001-27003, each in
# its own directory (s1 s2 s3) with the tutorial's sentinel.conf, started
# with troupe-sentinel in the background with a log file.
#
#   deploy/sentinel.sh up   [base-dir]   data nodes (replication.sh up), then s1..s3; waits until
#                                        every sentinel knows both replicas and the other two sentinels
#   deploy/sentinel.sh show [base-dir]   what each sentinel sees (SENTINEL MASTER / REPLICAS) and
#                                        INFO replication of the data nodes
#   deploy/sentinel.sh down [base-dir]   SHUTDOWN the sentinels, then the data nodes (files are kept)
#
# base-dir defaults to /tmp/troupe-tutorial (data nodes in <base>/7001..7003,
# sentinels in <base>/s1..s3). Environment:
#   PORTS="7001 7002 7003"             data node ports, master first (passed to replication.sh)
#   SENTINEL_PORTS="27001 27002 27003" the sentinels' ports
#   TROUPE_SERVER=path                 data node binary (default build/bin/troupe-server)
#   TROUPE_SENTINEL=path               sentinel binary (default build/bin/troupe-sentinel; a binary
#                                      whose name does not end in "sentinel", e.g.
#                                      /usr/bin/redis-server, is started with --sentinel)
# Kill the master (kill -9 $(cat <base>/7001/redis.pid)) and watch <base>/s1/sentinel.log.
# Every wait is bounded; `up` fails if a port already answers.
set -euo pipefail

usage() { echo "usage: $0 up|show|down [base-dir]" >&2; exit 2; }

action=${1:-}
base=${2:-/tmp/troupe-tutorial}
repo=$(cd "$(dirname "$0")/.." && pwd)
sentinel=${TROUPE_SENTINEL:-$repo/build/bin/troupe-sentinel}
read -r -a ports <<< "${PORTS:-7001 7002 7003}"
read -r -a sports <<< "${SENTINEL_PORTS:-27001 27002 27003}"
[ "${#ports[@]}" -eq 3 ] || { echo "PORTS must name three ports" >&2; exit 2; }
[ "${#sports[@]}" -eq 3 ] || { echo "SENTINEL_PORTS must name three ports" >&2; exit 2; }
master=${ports[0]}
name=mymaster

# shellcheck source=deploy/tutorial-lib.sh
. "$repo/deploy/tutorial-lib.sh"
replication() { PORTS="${ports[*]}" bash "$repo/deploy/replication.sh" "$@" "$base"; }


# fields <port> <subcommand...>: SENTINEL's flat field/value reply as "k=v" lines.
fields() { local port=$1; shift; cli "$port" sentinel "$@" | paste -d= - -; }
count_of() { cli "$1" sentinel "$2" "$name" | grep -c '^name$' || true; }
linked_replicas() { fields "$1" replicas "$name" | grep -c '^master-link-status=ok$' || true; }
# Every sentinel knows both replicas (and has their INFO) and both others.
discovered() {
  local port
  for port in "${sports[@]}"; do
    [ "$(linked_replicas "$port")" -ge 2 ] && [ "$(count_of "$port" sentinels)" -ge 2 ] || return 1
  done
}

# The tutorial's sentinel.conf, plus bind and what running in the
# background needs (daemonize, logfile, pidfile).
write_conf() {
  local port=$1 dir=$2
  cat > "$dir/sentinel.conf" <<EOF
port $port
sentinel announce-ip 127.0.0.1
sentinel monitor $name 127.0.0.1 $master 2
sentinel down-after-milliseconds $name 5000
sentinel failover-timeout $name 60000
dir "$dir"
bind 127.0.0.1
daemonize yes
logfile "$dir/sentinel.log"
pidfile "$dir/sentinel.pid"
EOF
}

up() {
  [ -x "$sentinel" ] || { echo "no sentinel binary at $sentinel (build it, or set TROUPE_SENTINEL)" >&2; exit 1; }
  local port i dir flag=()
  for port in "${sports[@]}"; do
    if answers "$port"; then echo "port $port already answers; run '$0 down $base' first" >&2; exit 1; fi
  done
  replication up
  case "$(basename "$sentinel")" in *sentinel) ;; *) flag=(--sentinel) ;; esac
  for i in 1 2 3; do
    port=${sports[$((i - 1))]}
    dir=$base/s$i
    mkdir -p "$dir"
    write_conf "$port" "$dir"
    (cd "$base" && "$sentinel" "$dir/sentinel.conf" "${flag[@]}")
  done
  for i in 1 2 3; do
    wait_until 15 "the sentinel on port ${sports[$((i - 1))]} (log: $base/s$i/sentinel.log)" \
      answers "${sports[$((i - 1))]}"
  done
  wait_until 30 "the sentinels to find both replicas and each other" discovered
  show
}

show() {
  local port
  for port in "${sports[@]}"; do
    echo "== sentinel 127.0.0.1:$port"
    if ! answers "$port"; then echo "not running"; continue; fi
    fields "$port" master "$name" |
      awk -F= '$1 ~ /^(name|ip|port|flags|num-slaves|num-other-sentinels|quorum|config-epoch)$/ {
                 printf "%s%s=%s", sep, $1, $2; sep=" " } END { print "" }'
    cli "$port" sentinel replicas "$name" | paste -d= - - |
      awk -F= '$1 == "name" { n=$2 } $1 == "flags" { f=$2 }
               $1 == "master-link-status" { printf "  replica %s flags=%s master-link-status=%s\n", n, f, $2 }'
    cli "$port" sentinel sentinels "$name" | paste -d= - - |
      awk -F= '$1 == "ip" { ip=$2 } $1 == "port" { p=$2 } $1 == "runid" { id=$2 }
               $1 == "flags" { printf "  sentinel %s:%s %s flags=%s\n", ip, p, id, $2 }'
  done
  replication show
}

down() {
  local port i status=0
  for i in 1 2 3; do
    port=${sports[$((i - 1))]}
    stop_node "$port" "sentinel 127.0.0.1:$port" || status=1
  done
  replication down || status=1
  return $status
}

case "$action" in
  up) up ;;
  show) show ;;
  down) down ;;
  *) usage ;;
esac
