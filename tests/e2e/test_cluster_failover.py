# Replica failover in a six-node Troupe cluster (3 masters, 3 replicas,
# cluster-node-timeout 2000): a master killed with -9 is replaced by its
# replica (election over the cluster bus, new config epoch, slots moved),
# clients following MOVED keep working and no write acknowledged by WAIT is
# lost, the old master returns as a replica of its successor; CLUSTER
# FAILOVER (default, FORCE, TAKEOVER) swaps roles on request.
import signal
import time

import pytest

import harness
from test_cluster import NODE_TIMEOUT_MS, _call, _cli, _nodes, _start, _state_ok, _wait


def _role(port):
    return _call(port, "ROLE")[0]


def _myself(port):
    return [f for f in _nodes(port) if "myself" in f[2]][0]


@pytest.fixture()
def cluster(tmp_path):
    servers = []
    try:
        for i in range(6):
            servers.append(_start(tmp_path / f"n{i}", f"n{i}"))
        out = _cli("--cluster", "create", *[f"127.0.0.1:{s.port}" for s in servers], "--cluster-replicas", "1",
                   "--cluster-yes", timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        for s in servers:
            _wait(f"cluster_state:ok on {s.port}", lambda s=s: _state_ok(s.port))
        for s in servers:
            if _role(s.port) == b"slave":
                _wait(f"replica {s.port} in sync",
                      lambda s=s: b"master_link_status:up" in _call(s.port, "INFO", "replication"))
        yield servers
    finally:
        for s in servers:
            s.cleanup()


def _pair(servers):
    """A replica and its master (server objects)."""
    by_id = {_call(s.port, "CLUSTER", "MYID").decode(): s for s in servers}
    for s in servers:
        me = _myself(s.port)
        if "slave" in me[2]:
            return s, by_id[me[3]]
    raise AssertionError("no replica")


def _write_keys(port, n, prefix, wait=True):
    """n keys through redis-py's RedisCluster; with `wait`, acknowledged by WAIT 1 on every master."""
    from redis.cluster import RedisCluster
    rc = RedisCluster(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        pipe = rc.pipeline()
        for i in range(n):
            pipe.set(f"{prefix}:{i}", str(i))
        assert all(pipe.execute())
        for node in rc.get_primaries() if wait else []:
            assert rc.execute_command("WAIT", 1, 5000, target_nodes=node) == 1
    finally:
        rc.close()


def _read_keys(port, n, prefix):
    from redis.cluster import RedisCluster
    rc = RedisCluster(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        pipe = rc.pipeline()
        for i in range(n):
            pipe.get(f"{prefix}:{i}")
        return pipe.execute()
    finally:
        rc.close()


def test_killed_master_is_replaced_by_its_replica(cluster):
    pytest.importorskip("redis")
    servers = cluster
    replica, master = _pair(servers)
    observer = [s for s in servers if s not in (replica, master)][0]
    _write_keys(observer.port, 3000, "before")
    rid = _call(replica.port, "CLUSTER", "MYID").decode()
    slots_before = _myself(master.port)[8:]
    t0 = time.monotonic()
    master.proc.send_signal(signal.SIGKILL)
    master.proc.wait(timeout=10)

    def promoted():
        me = _myself(replica.port)
        view = [f for f in _nodes(observer.port) if f[0] == rid]
        return "master" in me[2] and me[8:] == slots_before and view and view[0][8:] == slots_before
    _wait("the replica to take over the slots", promoted, timeout=NODE_TIMEOUT_MS / 1000 * 4 + 10)
    took = time.monotonic() - t0
    assert took < NODE_TIMEOUT_MS / 1000 * 4, took
    _wait("cluster_state:ok again", lambda: all(_state_ok(s.port) for s in servers if s is not master))
    assert _role(replica.port) == b"master"
    # Every acknowledged write survived; new writes go to the new master.
    assert _read_keys(observer.port, 3000, "before") == [str(i).encode() for i in range(3000)]
    _write_keys(observer.port, 1000, "after", wait=False)  # the new master has no replica yet
    # The old master returns as a replica of the node that replaced it.
    master.start()
    _wait("the old master to follow its successor",
          lambda: _myself(master.port)[3] == rid and b"master_link_status:up" in _call(master.port, "INFO", "replication"))
    assert _role(master.port) == b"slave"
    assert _read_keys(observer.port, 1000, "after") == [str(i).encode() for i in range(1000)]


def test_cluster_failover_default_force_takeover(cluster):
    pytest.importorskip("redis")
    servers = cluster
    replica, master = _pair(servers)
    _write_keys(servers[0].port, 2000, "mf")
    rid = _call(replica.port, "CLUSTER", "MYID").decode()
    mid = _call(master.port, "CLUSTER", "MYID").decode()

    def swapped(new_master, new_replica, new_master_id):
        return lambda: (_role(new_master.port) == b"master" and "master" in _myself(new_master.port)[2]
                        and _myself(new_replica.port)[3] == new_master_id
                        and all(_state_ok(s.port) for s in servers))
    # Default: the master stops writes, the replica catches up, then wins the vote.
    assert _call(replica.port, "CLUSTER", "FAILOVER") == "OK"
    _wait("the manual failover", swapped(replica, master, rid))
    assert _read_keys(servers[0].port, 2000, "mf") == [str(i).encode() for i in range(2000)]
    _wait("the old master to resync", lambda: b"master_link_status:up" in _call(master.port, "INFO", "replication"))
    # FORCE, from the old master (now a replica).
    assert _call(master.port, "CLUSTER", "FAILOVER", "FORCE") == "OK"
    _wait("the forced failover", swapped(master, replica, mid))
    _wait("resync", lambda: b"master_link_status:up" in _call(replica.port, "INFO", "replication"))
    # TAKEOVER: no vote at all.
    assert _call(replica.port, "CLUSTER", "FAILOVER", "TAKEOVER") == "OK"
    _wait("the takeover", swapped(replica, master, rid))
    # Errors as Redis's.
    assert str(_call(replica.port, "CLUSTER", "FAILOVER")) == "ERR You should send CLUSTER FAILOVER to a replica"
    assert _read_keys(servers[0].port, 2000, "mf") == [str(i).encode() for i in range(2000)]
