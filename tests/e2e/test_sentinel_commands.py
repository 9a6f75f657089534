# End-to-end tests of the SENTINEL command family and INFO / COMMAND in
# sentinel mode (actors/shard/commands/sentinel_family.cc), and of the
# sentinel config loader (actors/sentinel/sentinel_config.cc): a sentinel
# (`troupe-server <conf> --sentinel`) watching a master with one replica,
# queried over raw RESP and through redis-py's Sentinel client
# (discover_master / discover_slaves). Every wait is bounded; the servers
# are stopped by the fixtures. With TROUPE_SERVER=/usr/bin/redis-server the
# same tests run against redis-sentinel 7.0.15.

import subprocess
import time

import pytest
import redis.sentinel

import harness
from harness import err, integer, bulk

DISCOVERY_TIMEOUT_S = 20.0  # replica discovery needs one INFO round (10 s in Redis)


def wait_for(predicate, timeout, step=0.1):
    """Polls `predicate` until it is truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def fields(reply):
    """A flat field/value RESP2 array -> dict of str."""
    assert reply[0] == "*", reply
    items = [x[1].decode() for x in reply[1]]
    return dict(zip(items[::2], items[1::2]))


@pytest.fixture(scope="module")
def deployment(server_binary, tmp_path_factory):
    """A master, its replica and one sentinel watching the master."""
    started = []

    def start(name, *args, config=None):
        srv = harness.ServerProcess(server_binary, workdir=tmp_path_factory.mktemp(name),
                                    extra_args=args, name=name)
        if config is not None:
            srv.config_file = srv.dir / f"{name}.conf"
            srv.config_file.write_text(config)
        started.append(srv)
        return srv.start()

    try:
        master = start("master")
        replica = start("replica", "--replicaof", "127.0.0.1", str(master.port))
        conf = (f"sentinel monitor mymaster 127.0.0.1 {master.port} 1\n"
                "sentinel down-after-milliseconds mymaster 30000\n"
                "sentinel failover-timeout mymaster 60000\n")
        sentinel = start("sentinel", "--sentinel", config=conf)
        yield master, replica, sentinel
    finally:
        for srv in started:
            srv.stop()


def test_sentinel_mode_offers_only_sentinel_commands(deployment):
    _, _, sentinel = deployment
    c = sentinel.raw()
    assert c.call("GET", "x") == err("ERR unknown command 'GET', with args beginning with: 'x' ")
    assert c.call("SENTINEL") == err("ERR wrong number of arguments for 'sentinel' command")
    assert c.call("SENTINEL", "FOO") == err("ERR unknown subcommand 'FOO'. Try SENTINEL HELP.")
    info = c.call("COMMAND", "INFO", "sentinel")[1][0]
    assert info[1][:3] == [bulk("sentinel"), integer(-2), ("*", [("+", "admin")])]
    count = c.call("COMMAND", "COUNT")[1]
    names = {x[1].decode() for x in c.call("COMMAND", "LIST")[1]}
    assert "sentinel|get-master-addr-by-name" in names and "get" not in names
    assert len({n for n in names if "|" not in n}) == count
    assert c.call("SENTINEL", "PENDING-SCRIPTS") == ("*", [])


def test_master_shape_and_redis_py_discovery(deployment):
    master, _, sentinel = deployment
    c = sentinel.raw()
    m = fields(c.call("SENTINEL", "MASTER", "mymaster"))
    assert list(m)[:10] == ["name", "ip", "port", "runid", "flags", "link-pending-commands",
                            "link-refcount", "last-ping-sent", "last-ok-ping-reply",
                            "last-ping-reply"]
    assert list(m)[-10:] == ["down-after-milliseconds", "info-refresh", "role-reported",
                             "role-reported-time", "config-epoch", "num-slaves",
                             "num-other-sentinels", "quorum", "failover-timeout",
                             "parallel-syncs"]
    assert (m["name"], m["ip"], m["port"], m["quorum"]) == ("mymaster", "127.0.0.1",
                                                            str(master.port), "1")
    assert m["down-after-milliseconds"] == "30000" and m["failover-timeout"] == "60000"
    assert "master" in m["flags"].split(",")
    assert c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == (
        "*", [bulk("127.0.0.1"), bulk(str(master.port))])
    assert c.call("SENTINEL", "MASTER", "nosuch") == err("ERR No such master with that name")
    # RESP3: a map
    c.call("HELLO", "3")
    assert c.call("SENTINEL", "MASTER", "mymaster")[0] == "%"

    s = redis.sentinel.Sentinel([("127.0.0.1", sentinel.port)], socket_timeout=10)
    assert s.discover_master("mymaster") == ("127.0.0.1", master.port)
    with pytest.raises(redis.sentinel.MasterNotFoundError):
        s.discover_master("nosuch")
    state = s.sentinels[0].sentinel_master("mymaster")
    assert state["is_master"] and not state["is_sdown"] and state["port"] == master.port


def test_replica_discovery_and_redis_py(deployment):
    _, replica, sentinel = deployment
    c = sentinel.raw()
    listed = wait_for(lambda: c.call("SENTINEL", "REPLICAS", "mymaster")[1], DISCOVERY_TIMEOUT_S)
    assert listed, "the sentinel did not discover the replica"
    r = fields(listed[0])
    assert (r["ip"], r["port"], r["name"]) == ("127.0.0.1", str(replica.port),
                                               f"127.0.0.1:{replica.port}")
    assert list(r)[-7:] == ["master-link-down-time", "master-link-status", "master-host",
                            "master-port", "slave-priority", "slave-repl-offset",
                            "replica-announced"]
    slaves = c.call("SENTINEL", "SLAVES", "mymaster")[1]
    assert [fields(x)["name"] for x in slaves] == [r["name"]]
    s = redis.sentinel.Sentinel([("127.0.0.1", sentinel.port)], socket_timeout=10)
    assert s.discover_slaves("mymaster") == [("127.0.0.1", replica.port)]
    cache = c.call("SENTINEL", "INFO-CACHE", "mymaster")
    assert cache[1][0] == bulk("mymaster") and len(cache[1][1][1]) == 2


def test_info_sentinel_section(deployment):
    master, _, sentinel = deployment
    c = sentinel.raw()
    text = c.call("INFO", "sentinel")[1].decode()
    lines = text.split("\r\n")
    assert lines[:7] == ["# Sentinel", "sentinel_masters:1", "sentinel_tilt:0",
                         "sentinel_tilt_since_seconds:-1", "sentinel_running_scripts:0",
                         "sentinel_scripts_queue_length:0", "sentinel_simulate_failure_flags:0"]
    assert lines[7].startswith(f"master0:name=mymaster,status=ok,address=127.0.0.1:{master.port},")
    titles = [l for l in c.call("INFO")[1].decode().split("\r\n") if l.startswith("# ")]
    assert titles == ["# Server", "# Clients", "# Stats", "# CPU", "# Sentinel"]
    assert c.call("INFO", "memory") == ("$", b"")


def test_monitor_set_remove_rewrite_the_config(deployment):
    master, _, sentinel = deployment
    c = sentinel.raw()
    conf = sentinel.config_file
    assert c.call("SENTINEL", "MONITOR", "other", "127.0.0.1", str(master.port + 1), "0") == err(
        "ERR Quorum must be 1 or greater.")
    assert c.call("SENTINEL", "MONITOR", "other", "127.0.0.1", str(master.port + 1), "2") == ("+", "OK")
    assert f"sentinel monitor other 127.0.0.1 {master.port + 1} 2" in conf.read_text()
    assert c.call("SENTINEL", "SET", "other", "quorum", "1", "parallel-syncs", "3") == ("+", "OK")
    text = conf.read_text()
    assert f"sentinel monitor other 127.0.0.1 {master.port + 1} 1" in text
    assert "sentinel parallel-syncs other 3" in text
    assert c.call("SENTINEL", "SET", "other", "quorum", "x") == err(
        "ERR Invalid argument 'x' for SENTINEL SET 'quorum'")
    assert c.call("SENTINEL", "CKQUORUM", "other")[0] == "+"
    assert c.call("SENTINEL", "RESET", "oth*") == integer(1)
    assert c.call("SENTINEL", "REMOVE", "other") == ("+", "OK")
    assert "sentinel monitor other" not in conf.read_text()
    assert c.call("SENTINEL", "CONFIG", "SET", "announce-port", "70000") == err(
        "ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'")
    assert c.call("SENTINEL", "CONFIG", "GET", "resolve-hostnames") == (
        "*", [bulk("resolve-hostnames"), bulk("no")])
    assert c.call("SENTINEL", "FLUSHCONFIG") == ("+", "OK")
    text = conf.read_text()
    assert "sentinel myid " in text and "sentinel current-epoch " in text


@pytest.mark.parametrize("lines, line_no, reason", [
    ("sentinel monitor m 127.0.0.1 6379 0", 2, "Quorum must be 1 or greater."),
    ("sentinel down-after-milliseconds nosuch 100", 2, "No such master with specified name."),
    ("sentinel down-after-milliseconds m 100\nsentinel myid abc", 3,
     "Malformed Sentinel id in myid option."),
    ("sentinel frobnicate", 2, "Unrecognized sentinel configuration statement."),
])
def test_config_errors_are_fatal(server_binary, tmp_path, lines, line_no, reason):
    conf = tmp_path / "sentinel.conf"
    conf.write_text("port 0\n" + lines + "\n")
    proc = subprocess.run([str(server_binary), str(conf), "--sentinel"], cwd=str(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    bad = lines.split("\n")[line_no - 2]
    assert (f"*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            f"Reading the configuration file, at line {line_no}\n>>> '{bad}'\n{reason}") in out
