# A six-node Troupe cluster on 127.0.0.1 built the way the tutorial's part 4
# builds one (issue 8): `redis-cli --cluster create --cluster-replicas 1`
# over the cluster bus (MEET, gossip, epochs), then MOVED and `redis-cli -c`,
# redis-py's RedisCluster over 10,000 keys, `--cluster check` / `info`,
# replicas that really replicate, the failure detector (PFAIL -> FAIL ->
# cleared), a node restarted from its nodes.conf rejoining with the same
# identity, cluster-wide PUBLISH, and bad input on the bus port.
import os
import re
import signal
import socket
import struct
import subprocess
import time

import pytest

import harness

REDIS_CLI = os.environ.get("REDIS_CLI", "/usr/bin/redis-cli")
NODE_TIMEOUT_MS = 2000
WAIT_S = 20.0


def _cluster_args(cport, timeout_ms=NODE_TIMEOUT_MS):
    # An explicit bus port: the harness picks any free client port, and
    # above 55535 the default bus port (port + 10000) would not exist.
    return ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(timeout_ms), "--cluster-port", str(cport))


def _start(workdir, name, cport=None):
    cport = cport or harness.free_port()
    srv = harness.ServerProcess(harness.troupe_server_path(), workdir=workdir, name=name,
                                extra_args=_cluster_args(cport))
    srv.cport = cport
    srv.start()
    return srv


def _cli(*args, timeout=60, stdin=None):
    return subprocess.run([REDIS_CLI, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, input=stdin)


def _call(port, *args):
    with harness.RawConn(port) as c:
        return harness.to_py(c.call(*args))


def _nodes(port):
    text = _call(port, "CLUSTER", "NODES")
    text = text.decode() if isinstance(text, bytes) else text
    return [line.split(" ") for line in text.splitlines() if line]


def _wait(what, pred, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _slot_signature(port):
    """What redis-cli compares between nodes: every node's slots."""
    sig = []
    for f in _nodes(port):
        if len(f) > 8:
            sig.append(f[0] + ":" + ",".join(s for s in f[8:] if not s.startswith("[")))
    return sorted(sig)


def _state_ok(port):
    info = _call(port, "CLUSTER", "INFO")
    return b"cluster_state:ok" in info


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    servers = []
    try:
        for i in range(6):
            servers.append(_start(base / f"n{i}", f"n{i}"))
        addrs = [f"127.0.0.1:{s.port}" for s in servers]
        t0 = time.monotonic()
        out = _cli("--cluster", "create", *addrs, "--cluster-replicas", "1", "--cluster-yes", timeout=120)
        elapsed = time.monotonic() - t0
        assert out.returncode == 0, out.stdout + out.stderr
        for s in servers:
            _wait(f"cluster_state:ok on {s.port}", lambda s=s: _state_ok(s.port))
        yield {"servers": servers, "create": out.stdout, "create_s": elapsed, "base": base}
    finally:
        for s in servers:
            s.cleanup()


def test_create_output(cluster):
    out = cluster["create"]
    assert ">>> Performing hash slots allocation on 6 nodes..." in out
    assert "Master[0] -> Slots 0 - 5460" in out
    assert ">>> Sending CLUSTER MEET messages to join the cluster" in out
    assert "[OK] All nodes agree about slots configuration." in out
    assert "[OK] All 16384 slots covered." in out
    assert "[ERR]" not in out


def test_every_node_agrees_on_slots_and_roles(cluster):
    servers = cluster["servers"]
    ports = [s.port for s in servers]
    first = _slot_signature(ports[0])
    assert len(first) == 3
    _wait("the same slot map everywhere", lambda: all(_slot_signature(p) == first for p in ports))
    ids = {s.port: _call(s.port, "CLUSTER", "MYID").decode() for s in servers}

    def roles_converged():
        for p in ports:
            lines = _nodes(p)
            if len(lines) != 6:
                return False
            masters = [f for f in lines if "master" in f[2]]
            replicas = [f for f in lines if "slave" in f[2]]
            if len(masters) != 3 or len(replicas) != 3:
                return False
            if any(f[7] != "connected" for f in lines):
                return False
            if any(f[3] not in {m[0] for m in masters} for f in replicas):
                return False
            if any(("fail" in f[2]) or ("handshake" in f[2]) for f in lines):
                return False
        return True
    _wait("six connected nodes, 3 masters with a replica each, on every node", roles_converged)
    # Each node's own line: myself, its id, its address.
    for p in ports:
        me = [f for f in _nodes(p) if "myself" in f[2]][0]
        assert me[0] == ids[p]
        assert me[1] == f"127.0.0.1:{p}@{[s for s in servers if s.port == p][0].cport}"
    # Epochs: every master has its own config epoch.
    epochs = {f[0]: int(f[6]) for f in _nodes(ports[0]) if "master" in f[2]}
    assert len(set(epochs.values())) == 3


def test_replicas_replicate(cluster):
    servers = cluster["servers"]
    replicas = [s for s in servers if _call(s.port, "ROLE")[0] == b"slave"]
    assert len(replicas) == 3
    for r in replicas:
        _wait(f"replica {r.port} link up",
              lambda r=r: b"master_link_status:up" in _call(r.port, "INFO", "replication"))
    # Synced replicas are listed by CLUSTER SLOTS (Redis leaves out a replica
    # until it has a replication offset).
    def slots_list_replicas():
        slots = _call(servers[0].port, "CLUSTER", "SLOTS")
        return len(slots) == 3 and all(len(r) == 4 for r in slots)
    _wait("CLUSTER SLOTS to list a replica per range", slots_list_replicas)
    # A write on a master shows up on its replica.
    r = replicas[0]
    master_id = [f for f in _nodes(r.port) if "myself" in f[2]][0][3]
    master_port = int([f for f in _nodes(r.port) if f[0] == master_id][0][1].split(":")[1].split("@")[0])
    key = None
    for i in range(100000):
        k = f"k{i}"
        if _call(master_port, "CLUSTER", "KEYSLOT", k) in _owned_slots(master_port):
            key = k
            break
    assert key is not None
    assert _call(master_port, "SET", key, "v1") == "OK"
    assert _call(master_port, "WAIT", 1, 5000) == 1
    with harness.RawConn(r.port) as c:
        assert harness.to_py(c.call("READONLY")) == "OK"
        assert harness.to_py(c.call("GET", key)) == b"v1"
    # Without READONLY a replica redirects to its master.
    reply = _call(r.port, "GET", key)
    assert str(reply).startswith("MOVED ")


_owned_cache = {}


def _owned_slots(port):
    if port not in _owned_cache:
        me = [f for f in _nodes(port) if "myself" in f[2]][0]
        owned = set()
        for rng in me[8:]:
            if rng.startswith("["):
                continue
            a, _, b = rng.partition("-")
            owned.update(range(int(a), int(b or a) + 1))
        _owned_cache[port] = owned
    return _owned_cache[port]


def test_moved_and_redis_cli_c(cluster):
    servers = cluster["servers"]
    masters = [s for s in servers if _call(s.port, "ROLE")[0] == b"master"]
    slot = _call(masters[0].port, "CLUSTER", "KEYSLOT", "a")
    assert slot == 15495
    owner = [m for m in masters if 15495 in _owned_slots(m.port)][0]
    other = [m for m in masters if m is not owner][0]
    reply = _call(other.port, "SET", "a", "1")
    assert str(reply) == f"MOVED 15495 127.0.0.1:{owner.port}"
    out = _cli("-c", "-p", other.port, "set", "a", "1")
    assert out.stdout.strip() == "OK", out.stdout + out.stderr
    out = _cli("-c", "-p", other.port, "get", "a")
    assert out.stdout.strip() == "1"
    assert _call(owner.port, "GET", "a") == b"1"
    # Keys of two slots in one command.
    assert str(_call(owner.port, "MSET", "a", "1", "b", "2")).startswith("CROSSSLOT")


def test_redis_py_cluster_10000_keys(cluster):
    redis = pytest.importorskip("redis")
    from redis.cluster import RedisCluster
    rc = RedisCluster(host="127.0.0.1", port=cluster["servers"][0].port, socket_timeout=10)
    try:
        pipe = rc.pipeline()
        for i in range(10000):
            pipe.set(f"key:{i}", str(i))
        assert all(pipe.execute())
        pipe = rc.pipeline()
        for i in range(10000):
            pipe.get(f"key:{i}")
        values = pipe.execute()
        assert values == [str(i).encode() for i in range(10000)]
        assert rc.get("key:4242") == b"4242"
    finally:
        rc.close()
    # The keys are spread over the three masters.
    sizes = [_call(s.port, "DBSIZE") for s in cluster["servers"] if _call(s.port, "ROLE")[0] == b"master"]
    assert all(n > 2500 for n in sizes), sizes


def test_cluster_check_and_info(cluster):
    port = cluster["servers"][0].port
    out = _cli("--cluster", "check", f"127.0.0.1:{port}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All nodes agree about slots configuration." in out.stdout
    assert "[OK] All 16384 slots covered." in out.stdout
    out = _cli("--cluster", "info", f"127.0.0.1:{port}")
    assert out.returncode == 0
    assert len(re.findall(r"\(\w{8}\.\.\.\) -> \d+ keys \| \d+ slots \| 1 slaves\.", out.stdout)) == 3, out.stdout


def test_publish_reaches_every_node(cluster):
    servers = cluster["servers"]
    with harness.RawConn(servers[5].port) as sub:
        sub.call("SUBSCRIBE", "news")
        assert _call(servers[0].port, "PUBLISH", "news", "hello") == 0
        sub.settimeout(5)
        assert harness.to_py(sub.read()) == [b"message", b"news", b"hello"]


def test_cluster_links(cluster):
    links = _call(cluster["servers"][0].port, "CLUSTER", "LINKS")
    to = [l for l in links if dict(zip(l[::2], l[1::2]))[b"direction"] == b"to"]
    assert len(to) == 5


def test_garbage_on_the_bus_port_is_closed(cluster):
    srv = cluster["servers"][0]
    for junk in (b"GET / HTTP/1.1\r\n\r\n", struct.pack(">I", 100 << 20), struct.pack(">I", 5) + b"\xff" * 5):
        with socket.create_connection(("127.0.0.1", srv.cport), timeout=5) as s:
            s.sendall(junk)
            s.settimeout(5)
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
            assert data == b""  # closed, no answer
    assert _call(srv.port, "PING") == "PONG"
    assert _state_ok(srv.port)


def test_meet_a_dead_address(cluster):
    srv = cluster["servers"][0]
    dead = harness.free_port()
    assert _call(srv.port, "CLUSTER", "MEET", "127.0.0.1", dead, dead) == "OK"
    assert any("handshake" in f[2] for f in _nodes(srv.port))
    # The handshake expires after the node timeout (at least 1 s).
    _wait("the handshake to be dropped", lambda: not any("handshake" in f[2] for f in _nodes(srv.port)))
    assert len(_nodes(srv.port)) == 6


def test_failure_detection_and_restart_from_nodes_conf(cluster):
    servers = cluster["servers"]
    victim = [s for s in servers if _call(s.port, "ROLE")[0] == b"slave"][0]
    observer = [s for s in servers if s is not victim][0]
    vid = _call(victim.port, "CLUSTER", "MYID").decode()
    before = [f for f in _nodes(victim.port) if "myself" in f[2]][0]
    epoch_before = _call(victim.port, "CLUSTER", "INFO")
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(timeout=10)

    def flagged_fail():
        f = [x for x in _nodes(observer.port) if x[0] == vid]
        return bool(f) and "fail" in f[0][2].split(",")
    _wait("the others to agree the replica failed", flagged_fail, timeout=NODE_TIMEOUT_MS / 1000 * 5 + 10)
    # Restarted from its nodes.conf: same id, same master, FAIL cleared.
    victim.start()
    assert _call(victim.port, "CLUSTER", "MYID").decode() == vid
    after = [f for f in _nodes(victim.port) if "myself" in f[2]][0]
    assert after[3] == before[3]  # same master
    assert re.search(rb"cluster_current_epoch:(\d+)", epoch_before).group(1) == \
        re.search(rb"cluster_current_epoch:(\d+)", _call(victim.port, "CLUSTER", "INFO")).group(1)

    def back():
        f = [x for x in _nodes(observer.port) if x[0] == vid]
        return bool(f) and "fail" not in f[0][2] and f[0][7] == "connected"
    _wait("the replica to rejoin", back)
    _wait("the replica to resync", lambda: b"master_link_status:up" in _call(victim.port, "INFO", "replication"))
    _wait("its own state ok", lambda: _state_ok(victim.port))


def test_create_without_replicas(tmp_path):
    """redis-cli --cluster create with three masters only."""
    servers = []
    try:
        for i in range(3):
            servers.append(_start(tmp_path / f"m{i}", f"m{i}"))
        out = _cli("--cluster", "create", *[f"127.0.0.1:{s.port}" for s in servers], "--cluster-yes",
                   timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "[OK] All 16384 slots covered." in out.stdout
        for s in servers:
            _wait(f"cluster_state:ok on {s.port}", lambda s=s: _state_ok(s.port))
        assert all(len(_nodes(s.port)) == 3 for s in servers)
        assert all(sum(1 for f in _nodes(s.port) if "master" in f[2]) == 3 for s in servers)
        # The epochs redis-cli set (1, 2, 3) are what every node reports.
        epochs = sorted(int(f[6]) for f in _nodes(servers[0].port))
        assert epochs == [1, 2, 3]
    finally:
        for s in servers:
            s.cleanup()
