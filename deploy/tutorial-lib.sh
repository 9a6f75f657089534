# Shared helpers of the tutorial topology scripts (deploy/replication.sh,
# deploy/sentinel.sh): talking to a local node with redis-cli and bounded
# waits. Sourced, not run.

# cli <port> <args...>: redis-cli against 127.0.0.1:<port>.
cli() { local port=$1; shift; redis-cli -h 127.0.0.1 -p "$port" "$@"; }
# answers <port>: the node replies PONG.
answers() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }

# wait_until <seconds> <what> <command...>: polls every 0.1 s.
wait_until() {
  local limit=$(( $1 * 10 )) what=$2 i; shift 2
  for (( i = 0; i < limit; i++ )); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $what" >&2
  return 1
}
