# One Troupe node with cluster-enabled yes (Troupe issue 8, first part: no
# cluster bus yet): slots assigned by hand turn the state "ok", keys route
# (CROSSSLOT, CLUSTERDOWN, SELECT refused), CLUSTER INFO/NODES/SLOTS/SHARDS
# have the shapes of a redis-server 7.0.15 node set up the same way, and
# nodes.conf survives restarts, is locked against a second process and is
# refused when corrupt.
import os
import re
import time
from pathlib import Path

import pytest

import harness

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
STATE_WAIT_S = 10.0  # Redis turns "ok" 2 s after start, or 5 s after a minority


def _cluster_args(cport):
    # An explicit bus port: the harness picks any free client port, and
    # above 55535 the default bus port (port + 10000) would not exist.
    return ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-port", str(cport))


def _start(binary, workdir, name):
    cport = harness.free_port()
    srv = harness.ServerProcess(binary, workdir=workdir, name=name, extra_args=_cluster_args(cport))
    srv.cport = cport
    srv.start()
    return srv


def _wait_state(raw, want="ok", timeout=STATE_WAIT_S):
    deadline = time.monotonic() + timeout
    info = ""
    while time.monotonic() < deadline:
        info = raw.call("CLUSTER", "INFO")[1].decode()
        if f"cluster_state:{want}\r\n" in info:
            return info
        time.sleep(0.1)
    raise AssertionError(f"cluster_state never became {want}: {info}")


def _mask(value, ids, ports):
    """Replaces node ids and ports (which differ between two servers)."""
    kind, v = value[0], value[1]
    if kind in ("*", "~", ">") and v is not None:
        return (kind, [_mask(x, ids, ports) for x in v])
    if kind == "%":
        return (kind, [(_mask(k, ids, ports), _mask(x, ids, ports)) for k, x in v])
    if kind == "=":  # RESP3 verbatim: (format, bytes)
        return (kind, (v[0], _mask(("$", v[1]), ids, ports)[1]))
    if kind == ":" and v in ports:
        return (kind, "<port>")
    if kind in ("$", "+", "=") and isinstance(v, (bytes, bytearray)):
        b = bytes(v)
        for i in ids:
            b = b.replace(i, b"<id>")
        for p in ports:
            b = b.replace(str(p).encode(), b"<port>")
        return (kind, b)
    return value


def _subcommands_sorted(args, reply):
    """Redis lists subcommands in its dict's order, seeded per process:
    compare COMMAND INFO/DOCS with CLUSTER's subcommands sorted."""
    if args[:2] == ("COMMAND", "INFO"):
        entries = reply[1]
        kind, fields = entries[0]
        fields = list(fields)
        fields[9] = ("*", sorted(fields[9][1], key=repr))
        return ("*", [(kind, fields)] + entries[1:])
    if args[:2] == ("COMMAND", "DOCS"):
        items = list(reply[1])
        kind, doc = items[1]
        doc = list(doc)
        i = doc.index(("$", b"subcommands"))
        subs = doc[i + 1][1]
        pairs = sorted(zip(subs[0::2], subs[1::2]), key=repr)
        doc[i + 1] = ("*", [x for pair in pairs for x in pair])
        items[1] = (kind, doc)
        return ("*", items)
    return reply


@pytest.fixture
def node(server_binary, tmp_path):
    srv = _start(server_binary, tmp_path / "t", "troupe")
    yield srv
    srv.stop()


@pytest.fixture
def ref(tmp_path):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"no reference server at {REDIS_SERVER}")
    srv = _start(REDIS_SERVER, tmp_path / "ref", "redis")
    yield srv
    srv.stop()


def test_slots_make_the_cluster_ok_and_keys_work(node):
    with node.raw() as c:
        assert c.call("SET", "foo", "bar") == ("-", "CLUSTERDOWN Hash slot not served")
        assert c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383") == ("+", "OK")
        info = _wait_state(c)
        assert "cluster_slots_assigned:16384\r\n" in info
        assert "cluster_known_nodes:1\r\ncluster_size:1\r\n" in info
        assert c.call("SET", "foo", "bar") == ("+", "OK")
        assert c.call("GET", "foo") == ("$", b"bar")
        assert c.call("MSET", "a", "1", "b", "2") == \
            ("-", "CROSSSLOT Keys in request don't hash to the same slot")
        assert c.call("MSET", "{u}a", "1", "{u}b", "2") == ("+", "OK")
        assert c.call("SELECT", "1") == ("-", "ERR SELECT is not allowed in cluster mode")
        assert c.call("SELECT", "0") == ("+", "OK")
        assert c.call("CLUSTER", "KEYSLOT", "a") == (":", 15495)
        assert c.call("CLUSTER", "COUNTKEYSINSLOT", "12182") == (":", 1)
        assert c.call("CLUSTER", "GETKEYSINSLOT", "12182", "10") == ("*", [("$", b"foo")])
        assert c.call("CLUSTER", "ADDSLOTS", "5") == ("-", "ERR Slot 5 is already busy")
        assert c.call("CLUSTER", "ADDSLOTS", "16384") == ("-", "ERR Invalid or out of range slot")
        assert c.call("INFO", "cluster")[1] == b"# Cluster\r\ncluster_enabled:1\r\n"
        # A transaction whose commands span two slots is refused at EXEC.
        assert c.call("MULTI") == ("+", "OK")
        assert c.call("SET", "a", "1") == ("+", "QUEUED")
        assert c.call("SET", "b", "1") == ("+", "QUEUED")
        assert c.call("EXEC") == ("-", "CROSSSLOT Keys in request don't hash to the same slot")
        assert c.call("EXEC") == ("-", "ERR EXEC without MULTI")
        # An unassigned slot: that key is not served, the others see a failed cluster.
        assert c.call("CLUSTER", "DELSLOTS", "12182") == ("+", "OK")
        assert c.call("GET", "foo") == ("-", "CLUSTERDOWN Hash slot not served")
        assert c.call("GET", "a") == ("-", "CLUSTERDOWN The cluster is down")
        assert c.call("CONFIG", "SET", "cluster-require-full-coverage", "no") == ("+", "OK")
        assert c.call("GET", "a") == ("$", None)  # never set: the MSET and EXEC were refused


def test_shapes_match_redis(node, ref):
    replies = {}
    for name, srv in (("troupe", node), ("redis", ref)):
        with srv.raw() as c:
            assert c.call("CLUSTER", "ADDSLOTSRANGE", "0", "5460", "5462", "16383") == ("+", "OK")
            _wait_state(c, "fail", 1)  # slot 5461 is missing
            assert c.call("CLUSTER", "ADDSLOTS", "5461") == ("+", "OK")
            _wait_state(c)
            myid = c.call("CLUSTER", "MYID")[1]
            ids, ports = [myid], [srv.port, srv.cport]
            got = {}
            for args in (("CLUSTER", "INFO"), ("CLUSTER", "NODES"), ("CLUSTER", "SLOTS"),
                         ("CLUSTER", "SHARDS"), ("CLUSTER", "LINKS"),
                         ("CLUSTER", "REPLICAS", myid), ("CLUSTER", "BUMPEPOCH"),
                         ("CLUSTER", "BUMPEPOCH"), ("CLUSTER", "SET-CONFIG-EPOCH", "3"),
                         ("CLUSTER", "COUNT-FAILURE-REPORTS", myid),
                         ("CLUSTER", "FORGET", myid), ("CLUSTER", "FORGET", "x" * 40),
                         ("CLUSTER", "REPLICATE", myid), ("CLUSTER", "FAILOVER"),
                         ("CLUSTER", "RESET", "sideways"), ("CLUSTER", "SETSLOT", "1", "stable"),
                         ("CLUSTER", "GETKEYSINSLOT", "1", "-1"), ("CLUSTER", "HELP"),
                         ("READONLY",), ("READWRITE",), ("ASKING",),
                         ("COMMAND", "INFO", "cluster", "readonly", "readwrite", "asking"),
                         ("COMMAND", "DOCS", "cluster", "readonly", "readwrite", "asking")):
                got[tuple(_mask(("$", a if isinstance(a, bytes) else a.encode()), ids, ports)[1]
                          for a in args)] = _mask(_subcommands_sorted(args, c.call(*args)), ids, ports)
            c.call("HELLO", "3")
            got["shards3"] = _mask(c.call("CLUSTER", "SHARDS"), ids, ports)
            got["slots3"] = _mask(c.call("CLUSTER", "SLOTS"), ids, ports)
            got["nodes-after"] = _mask(c.call("CLUSTER", "NODES"), ids, ports)
            replies[name] = got
    assert replies["troupe"].keys() == replies["redis"].keys()
    for key in replies["redis"]:
        assert replies["troupe"][key] == replies["redis"][key], key


def test_disabled_cluster_commands(server_factory):
    srv = server_factory(name="plain")
    with srv.raw() as c:
        for args in (("CLUSTER", "INFO"), ("READONLY",), ("ASKING",)):
            assert c.call(*args) == ("-", "ERR This instance has cluster support disabled")
        assert c.call("INFO", "cluster")[1] == b"# Cluster\r\ncluster_enabled:0\r\n"


def test_nodes_conf_survives_restart(node):
    with node.raw() as c:
        assert c.call("CLUSTER", "ADDSLOTSRANGE", "0", "100", "200", "300") == ("+", "OK")
        assert c.call("CLUSTER", "BUMPEPOCH") == ("+", "BUMPED 1")
        myid = c.call("CLUSTER", "MYID")[1]
    node.stop()
    node.start()
    with node.raw() as c:
        assert c.call("CLUSTER", "MYID")[1] == myid
        line = c.call("CLUSTER", "NODES")[1].decode()
        assert line == f"{myid.decode()} :{node.port}@{node.cport} myself,master - 0 0 1 " \
                       f"connected 0-100 200-300\n"
        info = c.call("CLUSTER", "INFO")[1].decode()
        assert "cluster_current_epoch:1\r\n" in info and "cluster_my_epoch:1\r\n" in info
    assert "Node configuration loaded, I'm " + myid.decode() in node.log()
    conf = (node.dir / "nodes.conf").read_text()
    assert conf.endswith("vars currentEpoch 1 lastVoteEpoch 0\n")


def test_second_process_on_the_same_file_is_refused(node, server_binary):
    second = harness.ServerProcess(server_binary, workdir=node.dir, name="second",
                                   extra_args=_cluster_args(harness.free_port()))
    with pytest.raises(harness.ServerError):
        second.start(timeout=5)
    assert second.wait_exit(5) == 1
    assert ("Sorry, the cluster configuration file nodes.conf is already used by a different "
            "Redis Cluster node. Please make sure that different nodes use different cluster "
            "configuration files.") in second.log()
    assert node.is_running()


def test_corrupt_nodes_conf_is_refused(server_binary, tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "nodes.conf").write_text("garbage line here\n")
    srv = harness.ServerProcess(server_binary, workdir=d, name="bad",
                                extra_args=_cluster_args(harness.free_port()))
    with pytest.raises(harness.ServerError):
        srv.start(timeout=5)
    assert srv.wait_exit(5) == 1
    assert "Unrecoverable error: corrupted cluster config file." in srv.log()
    assert (d / "nodes.conf").read_text() == "garbage line here\n"
