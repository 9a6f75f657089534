# Moving slots between Troupe cluster nodes with Redis's own tools: MIGRATE
# (with DUMP payloads, RESTORE-ASKING in cluster mode), ASK redirections
# while a slot is half moved, and `redis-cli --cluster reshard`,
# `add-node`, `rebalance`, `check` over a live cluster — every key stays
# readable through redis-py's RedisCluster.
import pytest

import harness
from test_cluster import _call, _cli, _nodes, _start, _state_ok, _wait


def _myid(port):
    return _call(port, "CLUSTER", "MYID").decode()


def _owned(port, node_id):
    """Slots `node_id` owns in `port`'s view."""
    line = [f for f in _nodes(port) if f[0] == node_id][0]
    owned = 0
    for rng in line[8:]:
        if rng.startswith("["):
            continue
        a, _, b = rng.partition("-")
        owned += int(b or a) - int(a) + 1
    return owned


def _check_ok(port):
    out = _cli("--cluster", "check", f"127.0.0.1:{port}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All nodes agree about slots configuration." in out.stdout
    assert "[OK] All 16384 slots covered." in out.stdout
    assert "open" not in out.stdout.split(">>> Check for open slots...")[1].split(">>>")[0], out.stdout


def _all_readable(port, n):
    from redis.cluster import RedisCluster
    rc = RedisCluster(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        pipe = rc.pipeline()
        for i in range(n):
            pipe.get(f"rk:{i}")
        return pipe.execute() == [str(i).encode() for i in range(n)]
    finally:
        rc.close()


@pytest.fixture()
def cluster(tmp_path):
    pytest.importorskip("redis")
    servers = []
    try:
        for i in range(4):
            servers.append(_start(tmp_path / f"n{i}", f"n{i}"))
        out = _cli("--cluster", "create", *[f"127.0.0.1:{s.port}" for s in servers[:3]], "--cluster-yes",
                   timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        for s in servers[:3]:
            _wait(f"cluster_state:ok on {s.port}", lambda s=s: _state_ok(s.port))
        from redis.cluster import RedisCluster
        rc = RedisCluster(host="127.0.0.1", port=servers[0].port, socket_timeout=10)
        pipe = rc.pipeline()
        for i in range(2000):
            pipe.set(f"rk:{i}", str(i))
        assert all(pipe.execute())
        rc.close()
        yield servers
    finally:
        for s in servers:
            s.cleanup()


def test_reshard_add_node_and_rebalance(cluster):
    a, b, c, spare = cluster
    ida, idb = _myid(a.port), _myid(b.port)
    out = _cli("--cluster", "reshard", f"127.0.0.1:{a.port}", "--cluster-from", ida, "--cluster-to", idb,
               "--cluster-slots", 1000, "--cluster-yes", timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    _wait("every node to see the moved slots", lambda: all(_owned(s.port, idb) == 5462 + 1000 for s in (a, b, c)))
    assert sum(_call(s.port, "DBSIZE") for s in (a, b, c)) == 2000
    assert _all_readable(c.port, 2000)
    _check_ok(a.port)
    # A fourth master joins and takes its share.
    out = _cli("--cluster", "add-node", f"127.0.0.1:{spare.port}", f"127.0.0.1:{a.port}", timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    _wait("the new node to be ok", lambda: _state_ok(spare.port))
    out = _cli("--cluster", "rebalance", f"127.0.0.1:{a.port}", "--cluster-use-empty-masters", timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    sid = _myid(spare.port)
    _wait("every node to see the rebalanced map", lambda: all(_owned(s.port, sid) > 3000 for s in cluster))
    assert _call(spare.port, "DBSIZE") > 200
    assert sum(_call(s.port, "DBSIZE") for s in cluster) == 2000
    assert _all_readable(spare.port, 2000)
    _check_ok(spare.port)


def test_ask_redirection_during_a_move(cluster):
    a, b, c, _ = cluster
    key = "rk:7"
    slot = _call(a.port, "CLUSTER", "KEYSLOT", key)
    src = [s for s in (a, b, c) if _call(s.port, "GET", key) == str(7).encode()][0]
    dst = [s for s in (a, b, c) if s is not src][0]
    assert _call(dst.port, "CLUSTER", "SETSLOT", slot, "IMPORTING", _myid(src.port)) == "OK"
    assert _call(src.port, "CLUSTER", "SETSLOT", slot, "MIGRATING", _myid(dst.port)) == "OK"
    # The key moves: MIGRATE in cluster mode sends RESTORE-ASKING.
    assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, key, 0, 5000) == "OK"
    assert str(_call(src.port, "GET", key)) == f"ASK {slot} 127.0.0.1:{dst.port}"
    assert str(_call(dst.port, "GET", key)).startswith("MOVED")  # without ASKING
    with harness.RawConn(dst.port) as conn:
        assert harness.to_py(conn.call("ASKING")) == "OK"
        assert harness.to_py(conn.call("GET", key)) == b"7"
    # redis-cli -c follows the ASK.
    out = _cli("-c", "-p", src.port, "GET", key)
    assert out.stdout.strip() == "7"
    # Finish the move as redis-cli does.
    for s in (src, dst, [s for s in (a, b, c) if s not in (src, dst)][0]):
        assert _call(s.port, "CLUSTER", "SETSLOT", slot, "NODE", _myid(dst.port)) == "OK"
    want = f"MOVED {slot} 127.0.0.1:{dst.port}"
    _wait("the slot's new owner everywhere",
          lambda: all(str(_call(s.port, "GET", key)) == want for s in (a, b, c) if s is not dst))
    assert _call(dst.port, "GET", key) == b"7"
    _check_ok(a.port)


def test_migrate_between_standalone_servers(tmp_path):
    src = harness.ServerProcess(harness.troupe_server_path(), workdir=tmp_path / "src", name="src")
    dst = harness.ServerProcess(harness.troupe_server_path(), workdir=tmp_path / "dst", name="dst")
    try:
        src.start()
        dst.start()
        _call(src.port, "SET", "k", "v", "PX", 100000)
        _call(src.port, "RPUSH", "l", "a", "b")
        _call(src.port, "SET", "copy", "1")
        assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, "k", 0, 5000) == "OK"
        assert _call(src.port, "EXISTS", "k") == 0
        assert _call(dst.port, "GET", "k") == b"v"
        assert 0 < _call(dst.port, "PTTL", "k") <= 100000
        assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, "", 3, 5000, "KEYS", "l", "nokey") == "OK"
        assert _call(dst.port, "SELECT", 3) == "OK"
        with harness.RawConn(dst.port) as conn:
            conn.call("SELECT", 3)
            assert harness.to_py(conn.call("LRANGE", "l", 0, -1)) == [b"a", b"b"]
        assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, "copy", 0, 5000, "COPY") == "OK"
        assert _call(src.port, "GET", "copy") == b"1" and _call(dst.port, "GET", "copy") == b"1"
        # The target has the key: BUSYKEY, unless REPLACE.
        err = str(_call(src.port, "MIGRATE", "127.0.0.1", dst.port, "copy", 0, 5000, "COPY"))
        assert err == "ERR Target instance replied with error: BUSYKEY Target key name already exists."
        assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, "copy", 0, 5000, "REPLACE") == "OK"
        assert _call(src.port, "MIGRATE", "127.0.0.1", dst.port, "gone", 0, 5000) == "NOKEY"
        dead = harness.free_port()
        _call(src.port, "SET", "x", "1")
        assert str(_call(src.port, "MIGRATE", "127.0.0.1", dead, "x", 0, 500)).startswith("IOERR")
        assert _call(src.port, "GET", "x") == b"1"  # nothing lost
        assert str(_call(src.port, "MIGRATE", "127.0.0.1", dst.port, "x", 0, 5000, "KEYS", "y")).startswith(
            "ERR When using MIGRATE KEYS option")
    finally:
        src.cleanup()
        dst.cleanup()
