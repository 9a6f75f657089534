#!/usr/bin/env bash
# The tutorial's part 4 on 127.0.0.1: a sharded cluster of six nodes (masters
# 7001-7003, replicas 8001-8003), each in its own directory with the
# tutorial's redis.conf (one template, sed 's/6379/<port>/g' per directory),
# started daemonized with troupe-server and joined with
# `redis-cli --cluster create --cluster-replicas 1`.
#
#   deploy/cluster.sh up   [base-dir]   create <base>/7001..8003, start, create the cluster, wait, show
#   deploy/cluster.sh show [base-dir]   CLUSTER NODES and CLUSTER INFO
#   deploy/cluster.sh down [base-dir]   SHUTDOWN all six (files are kept)
#
# base-dir defaults to /tmp/troupe-cluster. Environment:
#   PORTS="7001 7002 7003 8001 8002 8003"   the six ports, in redis-cli's order: the first three become
#                                           masters (the tutorial's); each also uses port + 10000 (the bus)
#   TROUPE_SERVER=path                      the server binary (default build/bin/troupe-server;
#                                           /usr/bin/redis-server works too)
# Every wait is bounded; `up` fails if a port already answers. `up` does not
# clear an existing base dir: run it on a fresh one, or delete the six
# directories first as the tutorial does (a nodes.conf left there is reloaded).
set -euo pipefail

usage() { echo "usage: $0 up|show|down [base-dir]" >&2; exit 2; }

action=${1:-}
base=${2:-/tmp/troupe-cluster}
repo=$(cd "$(dirname "$0")/.." && pwd)
server=${TROUPE_SERVER:-$repo/build/bin/troupe-server}
read -r -a ports <<< "${PORTS:-7001 7002 7003 8001 8002 8003}"
[ "${#ports[@]}" -eq 6 ] || { echo "PORTS must name six ports" >&2; exit 2; }
for port in "${ports[@]}"; do
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 55535 ]; then
    echo "bad port '$port' (1-55535: the cluster bus uses port + 10000)" >&2; exit 2
  fi
done
first=${ports[0]}

# shellcheck source=deploy/tutorial-lib.sh
. "$repo/deploy/tutorial-lib.sh"


# The tutorial's /tmp/redis.conf, with <base>/6379 for /tmp/6379, bind
# 127.0.0.1 for 0.0.0.0 and replica-announce-ip 127.0.0.1. One line more than
# the tutorial: a pidfile per instance (a daemonized server otherwise writes
# /var/run/redis.pid, the same file for all six).
write_template() {
  cat > "$1" <<EOF
port 6379
# 开启集群功能 (cluster mode on)
cluster-enabled yes
# 集群的配置文件名称，不需要我们创建，由redis自己维护 (written by the server itself)
cluster-config-file $base/6379/nodes.conf
# 节点心跳失败的超时时间 (node timeout, ms)
cluster-node-timeout 5000
# 持久化文件存放目录 (persistence dir)
dir $base/6379
# 绑定地址 (bind address)
bind 127.0.0.1
# 让redis后台运行 (run in the background)
daemonize yes
# 注册的实例ip (announced address)
replica-announce-ip 127.0.0.1
# 保护模式 (protected mode)
protected-mode no
# 数据库数量 (number of databases)
databases 1
# 日志 (log file)
logfile $base/6379/run.log
pidfile $base/6379/redis.pid
EOF
}

# bus_taken <port>: something accepts connections on the node's bus port.
bus_taken() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(( $1 + 10000 ))" 2> /dev/null; }

field() { cli "$1" cluster info | tr -d '\r' | sed -n "s/^$2://p"; }
# Every node: cluster_state:ok, and its CLUSTER NODES lists six connected
# nodes, three masters with slots and three replicas (roles travel by gossip
# after the create); every replica has finished its first sync (with the
# default repl-diskless-sync-delay, 5 s after CLUSTER REPLICATE).
settled() {
  local port
  for port in "${ports[@]}"; do
    [ "$(field "$port" cluster_state)" = ok ] || return 1
    cli "$port" cluster nodes | awk '
      $8 == "connected" && $3 ~ /(^|,)master(,|$)/ && NF > 8 { m++ }
      $8 == "connected" && $3 ~ /(^|,)slave(,|$)/ { s++ }
      END { exit !(NR == 6 && m == 3 && s == 3) }' || return 1
    if [ "$(cli "$port" role | head -n 1)" = slave ]; then
      cli "$port" info replication | tr -d '\r' | grep -qx 'master_link_status:up' || return 1
    fi
  done
}

up() {
  [ -x "$server" ] || { echo "no server binary at $server (build it, or set TROUPE_SERVER)" >&2; exit 1; }
  command -v redis-cli > /dev/null || { echo "redis-cli is needed (apt-get install redis-tools)" >&2; exit 1; }
  case "$base" in
    *6379*) echo "base dir $base contains 6379, which the tutorial's sed would rewrite; pick another" >&2; exit 1 ;;
  esac
  local port dir addrs=()
  for port in "${ports[@]}"; do
    if answers "$port"; then echo "port $port already answers; run '$0 down $base' first" >&2; exit 1; fi
    if bus_taken "$port"; then echo "bus port $(( port + 10000 )) is already in use" >&2; exit 1; fi
  done
  mkdir -p "$base"
  # The tutorial: write /tmp/redis.conf, then
  #   echo 7001 7002 7003 8001 8002 8003 | xargs -t -n 1 cp redis.conf
  #   printf '%s\n' 7001 ... 8003 | xargs -I{} -t sed -i 's/6379/{}/g' {}/redis.conf
  write_template "$base/redis.conf"
  for port in "${ports[@]}"; do
    dir=$base/$port
    mkdir -p "$dir"
    cp "$base/redis.conf" "$dir/redis.conf"
    sed -i "s/6379/$port/g" "$dir/redis.conf"
  done
  # The tutorial: printf '%s\n' 7001 ... 8003 | xargs -I{} -t redis-server {}/redis.conf
  for port in "${ports[@]}"; do
    (cd "$base" && "$server" "$port/redis.conf")
  done
  for port in "${ports[@]}"; do
    wait_until 15 "the server on port $port (log: $base/$port/run.log)" answers "$port"
    addrs+=("127.0.0.1:$port")
  done
  # The tutorial answers "yes" to "Can I set the above configuration?".
  echo "redis-cli --cluster create --cluster-replicas 1 ${addrs[*]}"
  echo yes | timeout 120 redis-cli --cluster create --cluster-replicas 1 "${addrs[@]}" ||
    { echo "redis-cli --cluster create failed (logs: $base/*/run.log)" >&2; exit 1; }
  wait_until 60 "cluster_state:ok, 3 masters + 3 replicas on every node, replicas in sync" settled
  echo "== redis-cli -p $first cluster nodes"
  cli "$first" cluster nodes
}

show() {
  local port role any=
  for port in "${ports[@]}"; do
    if answers "$port"; then any=$port; break; fi
  done
  if [ -n "$any" ]; then
    echo "== CLUSTER NODES (127.0.0.1:$any)"
    cli "$any" cluster nodes
    echo "== CLUSTER INFO (127.0.0.1:$any)"
    cli "$any" cluster info | tr -d '\r'
  fi
  echo "== every node"
  for port in "${ports[@]}"; do
    if answers "$port"; then
      role=$(cli "$port" role | head -n 1)
      echo "127.0.0.1:$port $role cluster_state:$(field "$port" cluster_state)" \
           "cluster_known_nodes:$(field "$port" cluster_known_nodes)"
    else
      echo "127.0.0.1:$port not running"
    fi
  done
}

down() { stop_nodes "${ports[@]}"; }

case "$action" in
  up) up ;;
  show) show ;;
  down) down ;;
  *) usage ;;
esac
