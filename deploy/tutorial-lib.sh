# Shared helpers of the tutorial topology scripts (deploy/replication.sh,
# deploy/sentinel.sh, deploy/cluster.sh): talking to a local node with
# redis-cli, bounded waits, stopping a node. Sourced, not run.
# shellcheck shell=bash

# cli <port> <args...>: redis-cli against 127.0.0.1:<port>.
cli() { local port=$1; shift; redis-cli -h 127.0.0.1 -p "$port" "$@"; }
# answers <port>: the node replies PONG. gone <port>: it does not.
answers() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }
gone() { ! answers "$1"; }

# wait_until <seconds> <what> <command...>: polls every 0.1 s, at most
# <seconds> x 10 times and for at most <seconds> of wall time.
wait_until() {
  local limit=$(( $1 * 10 )) deadline=$(( SECONDS + $1 )) what=$2 i; shift 2
  for (( i = 0; i < limit && SECONDS <= deadline; i++ )); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $what" >&2
  return 1
}

# stop_node <port> <label>: SHUTDOWN the node on <port> if it answers and
# wait (bounded) until it no longer does; prints "<label> stopped" or
# "<label> not running". Returns 1 if it is still answering after 20 s.
stop_node() {
  local port=$1 label=$2
  if ! answers "$port"; then echo "$label not running"; return 0; fi
  cli "$port" shutdown > /dev/null 2>&1 || true
  wait_until 20 "port $port to shut down" gone "$port" || return 1
  echo "$label stopped"
}

# stop_nodes <port>...: stop_node for each data node on 127.0.0.1; returns 1
# if any is still answering.
stop_nodes() {
  local port status=0
  for port in "$@"; do
    stop_node "$port" "127.0.0.1:$port" || status=1
  done
  return $status
}
