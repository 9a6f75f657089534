# The append-only file end to end (issue 4): Redis 7.0's multi-part layout
# (manifest, base, incremental files) checked by Debian's redis-check-aof,
# the command forms written for writes whose effect depends on time or
# chance, restarts, BGREWRITEAOF, CONFIG SET appendonly, truncated and
# corrupt files, kill -9 under appendfsync always / everysec, and AOF
# directories moving between Troupe and redis-server 7.0.15.
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import harness

REDIS_SERVER = shutil.which("redis-server")
REDIS_CHECK_AOF = shutil.which("redis-check-aof")
WAIT_S = 10.0


def aof_dir(srv):
    return Path(srv.dir) / "appendonlydir"


def parse_commands(data):
    """Commands in a RESP command stream (an .incr.aof file)."""
    out, pos = [], 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", data[pos:pos + 40]
        end = data.index(b"\r\n", pos)
        n = int(data[pos + 1:end])
        pos = end + 2
        args = []
        for _ in range(n):
            end = data.index(b"\r\n", pos)
            ln = int(data[pos + 1:end])
            pos = end + 2
            args.append(data[pos:pos + ln].decode())
            pos += ln + 2
        out.append(args)
    return out


def incr_commands(srv):
    files = sorted(aof_dir(srv).glob("*.incr.aof"))
    return [c for f in files for c in parse_commands(f.read_bytes())]


def contents(r):
    """Every key of the client's database with its type and value."""
    out = {}
    for k in r.keys("*"):
        t = r.type(k)
        t = t.decode() if isinstance(t, bytes) else t
        if t == "string":
            v = r.get(k)
        elif t == "list":
            v = r.lrange(k, 0, -1)
        elif t == "set":
            v = sorted(r.smembers(k))
        elif t == "zset":
            v = r.zrange(k, 0, -1, withscores=True)
        else:
            v = sorted(r.hgetall(k).items())
        out[k] = (t, v, r.ttl(k) > 0)
    return out


def wait_until(pred, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def restart(srv):
    srv.stop()
    srv.start()
    return srv.client(decode_responses=True)


def check_aof(srv):
    if REDIS_CHECK_AOF is None:
        return
    manifest = aof_dir(srv) / "appendonly.aof.manifest"
    res = subprocess.run([REDIS_CHECK_AOF, str(manifest)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "All AOF files and manifest are valid" in res.stdout


def test_layout_on_start_matches_redis(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-layout")
    r = srv.client(decode_responses=True)
    r.set("a", "1")
    names = sorted(p.name for p in aof_dir(srv).iterdir())
    assert names == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    assert (aof_dir(srv) / "appendonly.aof.manifest").read_text() == (
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    info = r.info("persistence")
    assert info["aof_enabled"] == 1 and info["aof_last_write_status"] == "ok"
    check_aof(srv)


def test_writes_are_recorded_in_replayable_forms(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-forms")
    r = srv.client(decode_responses=True)
    r.setex("ttl", 100, "v")
    r.set("k", "v")
    r.expire("k", 50)
    r.sadd("s", "only")
    assert r.spop("s") == "only"
    r.rpush("l", "x")
    assert r.blpop(["l"], timeout=1) == ("l", "x")
    r.set("f", "1")
    r.incrbyfloat("f", 0.5)
    r.hincrbyfloat("h", "fld", 2.5)
    r.publish("chan", "not in the aof")
    r.get("k")  # reads write nothing
    with r.pipeline(transaction=True) as p:
        p.set("m1", "1")
        p.set("m2", "2")
        p.execute()
    r.execute_command("SELECT", 2)  # a plain connection switch writes nothing by itself
    srv.client(db=2).set("in2", "x")
    cmds = [[c[0].upper()] + c[1:] for c in incr_commands(srv)]
    names = [c[0] for c in cmds]
    assert cmds[0] == ["SELECT", "0"]
    setex = next(c for c in cmds if c[0] == "SET" and c[1] == "ttl")
    assert setex[3] == "PXAT" and abs(int(setex[4]) - int(time.time() * 1000) - 100_000) < 5_000
    assert any(c[0] == "PEXPIREAT" and c[1] == "k" for c in cmds)
    assert ["SREM", "s", "only"] in cmds
    assert ["LPOP", "l"] in cmds and "BLPOP" not in names
    assert ["SET", "f", "1.5", "KEEPTTL"] in cmds
    assert ["HSET", "h", "fld", "2.5"] in cmds
    assert "PUBLISH" not in names and "GET" not in names
    i = names.index("MULTI")
    assert names[i:i + 4] == ["MULTI", "SET", "SET", "EXEC"]
    assert ["SELECT", "2"] in cmds and cmds[-1] == ["SET", "in2", "x"]
    check_aof(srv)


def test_restart_restores_every_type(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-restart")
    r = srv.client(decode_responses=True)
    r.set("s", "v")
    r.rpush("l", *range(300))
    r.sadd("set", *range(10))
    r.zadd("z", {"a": 1.5, "b": -2})
    r.hset("h", mapping={"f": "v", "g": "w"})
    r.set("ttl", "x", ex=100)
    srv.client(db=5).set("db5", "yes")
    before = {k: r.dump(k) for k in r.keys("*")}
    r = restart(srv)
    assert {k: r.dump(k) for k in r.keys("*")} == before
    assert 90 < r.ttl("ttl") <= 100
    assert srv.client(db=5, decode_responses=True).get("db5") == "yes"


def test_bgrewriteaof_compacts_and_reloads(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-rewrite")
    r = srv.client(decode_responses=True)
    for i in range(2000):
        r.set("counter", i)
    r.rpush("l", "a", "b")
    size_before = r.info("persistence")["aof_current_size"]
    assert r.bgrewriteaof() in (True, "Background append only file rewriting started")
    wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1 and
               r.info("persistence")["aof_rewrite_in_progress"] == 0, "the rewrite")
    r.set("after", "rewrite")
    names = sorted(p.name for p in aof_dir(srv).iterdir())
    assert names == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    assert r.info("persistence")["aof_current_size"] < size_before
    check_aof(srv)
    r = restart(srv)
    assert r.get("counter") == "1999" and r.get("after") == "rewrite" and r.lrange("l", 0, -1) == ["a", "b"]


def test_command_form_base_without_rdb_preamble(server_factory):
    srv = server_factory("--appendonly", "yes", "--aof-use-rdb-preamble", "no", name="aof-nopreamble")
    r = srv.client(decode_responses=True)
    r.rpush("l", *range(100))
    r.zadd("z", {"m": 0.1})
    r.hset("h", "f", "v")
    r.sadd("s", "a")
    r.set("t", "v", px=100000)
    r.bgrewriteaof()
    wait_until(lambda: r.info("persistence")["aof_rewrites"] == 1, "the rewrite")
    base = aof_dir(srv) / "appendonly.aof.2.base.aof"
    cmds = parse_commands(base.read_bytes())
    assert ["SELECT", "0"] == cmds[0]
    assert any(c[0] == "PEXPIREAT" and c[1] == "t" for c in cmds)
    # At most 64 elements per command, as Redis writes them.
    assert max(len(c) - 2 for c in cmds if c[0] == "RPUSH") == 64
    check_aof(srv)
    before = {k: r.dump(k) for k in r.keys("*")}
    r = restart(srv)
    assert {k: r.dump(k) for k in r.keys("*")} == before


def test_config_set_appendonly_at_run_time(server_factory):
    srv = server_factory(name="aof-runtime")
    r = srv.client(decode_responses=True)
    r.set("before", "1")
    assert r.config_set("appendonly", "yes")
    wait_until(lambda: (aof_dir(srv) / "appendonly.aof.manifest").exists() and
               r.info("persistence")["aof_rewrite_in_progress"] == 0, "the first base")
    r.set("after", "2")
    check_aof(srv)
    srv.extra_args += ["--appendonly", "yes"]
    r = restart(srv)
    assert r.get("before") == "1" and r.get("after") == "2"
    assert r.config_set("appendonly", "no")
    assert r.info("persistence")["aof_enabled"] == 0


def _truncate_tail(srv):
    incr = aof_dir(srv) / "appendonly.aof.1.incr.aof"
    good = incr.stat().st_size
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nset\r\n$4\r\nlost")
    return incr, good


def test_truncated_tail_loads_prefix_or_refuses(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-trunc")
    r = srv.client(decode_responses=True)
    r.set("kept", "1")
    srv.stop()
    incr, good = _truncate_tail(srv)
    srv.extra_args += ["--aof-load-truncated", "no"]
    with pytest.raises(harness.ServerError):
        srv.start(timeout=5)
    assert f"appendonly.aof.1.incr.aof at offset {good}" in srv.log()
    srv.extra_args += ["--aof-load-truncated", "yes"]
    srv.start()
    r = srv.client(decode_responses=True)
    assert r.get("kept") == "1" and r.get("lost") is None
    assert incr.stat().st_size == good
    assert f"Truncating the AOF appendonly.aof.1.incr.aof at offset {good}" in srv.log()


def test_corrupt_aof_refuses_to_start(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-corrupt")
    srv.client().set("a", "1")
    srv.stop()
    incr = aof_dir(srv) / "appendonly.aof.1.incr.aof"
    good = incr.stat().st_size
    with open(incr, "ab") as f:
        f.write(b"garbage that is not RESP\r\n*1\r\n$4\r\nPING\r\n")
    with pytest.raises(harness.ServerError):
        srv.start(timeout=5)
    assert f"Bad file format reading the append only file appendonly.aof.1.incr.aof at offset {good}" in srv.log()


def _write_load(srv, stop, acked):
    """Sets n -> n until stopped, recording every acknowledged n."""
    r = srv.client(socket_timeout=5)
    n = 0
    try:
        while not stop.is_set() and n < 1_000_000:
            r.set(f"k{n}", n)
            acked.append((n, time.monotonic()))
            n += 1
    except Exception:
        pass  # the server was killed under us


@pytest.mark.parametrize("policy", ["always", "everysec"])
def test_kill9_during_writes(server_factory, policy):
    srv = server_factory("--appendonly", "yes", "--appendfsync", policy, name=f"aof-kill-{policy}")
    stop, acked = threading.Event(), []
    t = threading.Thread(target=_write_load, args=(srv, stop, acked))
    t.start()
    wait_until(lambda: len(acked) > 2000, "a write load")
    os.kill(srv.proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    stop.set()
    t.join(timeout=WAIT_S)
    srv.stop()
    srv.start()
    r = srv.client(decode_responses=True)
    present = {int(k[1:]) for k in r.scan_iter(count=1000)}
    lost = [(n, at) for n, at in acked if n not in present]
    if policy == "always":
        assert lost == [], f"{len(lost)} acknowledged writes lost"
    else:
        # everysec: at most about the last second of acknowledged writes.
        assert all(killed_at - at < 2.0 for _, at in lost), lost[:5]


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server not installed")
def test_aof_moves_between_troupe_and_redis(server_factory, tmp_path):
    srv = server_factory("--appendonly", "yes", name="aof-interop")
    r = srv.client()
    r.set("s", "v")
    r.rpush("l", *range(10))
    r.zadd("z", {"a": 1})
    r.hset("h", "f", "v")
    r.sadd("set", "m")
    r.set("ttl", "x", ex=500)
    srv.client(db=3).set("d3", "x")
    want = contents(r)
    srv.stop()
    red = harness.ServerProcess(REDIS_SERVER, workdir=srv.dir, extra_args=["--appendonly", "yes"], name="redis")
    red.start()
    try:
        rr = red.client()
        assert contents(rr) == want
        assert red.client(db=3).get("d3") == b"x"
        rr.set("from_redis", "1")
        rr.bgrewriteaof()
        wait_until(lambda: rr.info("persistence")["aof_rewrites"] == 1 and
                   rr.info("persistence")["aof_rewrite_in_progress"] == 0, "redis's rewrite")
        rr.set("after_redis_rewrite", "2")
    finally:
        red.stop()
    srv.start()
    r = srv.client()
    assert r.get("from_redis") == b"1" and r.get("after_redis_rewrite") == b"2"
    got = contents(r)
    assert all(got[k] == v for k, v in want.items())
    assert 400 < r.ttl("ttl") <= 500


def test_bgsave_during_a_rewrite_is_refused_or_scheduled(server_factory):
    srv = server_factory("--appendonly", "yes", "--enable-debug-command", "yes", name="aof-bgsave")
    r = srv.client(decode_responses=True)
    r.execute_command("DEBUG", "POPULATE", 200000)
    saves = r.info("persistence")["rdb_saves"]
    # Sent in one pipeline: the rewrite child is certainly running when BGSAVE arrives.
    p = r.pipeline(transaction=False)
    p.execute_command("BGREWRITEAOF")
    p.execute_command("BGSAVE")
    p.execute_command("BGSAVE", "SCHEDULE")
    started, refused, scheduled = p.execute(raise_on_error=False)
    assert not isinstance(scheduled, Exception), scheduled
    assert started in (True, "Background append only file rewriting started")
    assert str(refused) == ("Another child process is active (AOF?): can't BGSAVE right now. "
                            "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
    assert scheduled in (True, "Background saving scheduled")
    wait_until(lambda: r.info("persistence")["rdb_saves"] > saves, "the scheduled BGSAVE")
    assert r.info("persistence")["aof_rewrites"] == 1


def test_kill9_during_a_rewrite_keeps_a_complete_aof(server_factory):
    # The manifest on disk must describe a complete dataset at every moment:
    # killed while the rewrite child writes the new base, the server restarts
    # on the old base plus both incremental files.
    srv = server_factory("--appendonly", "yes", name="aof-kill-rewrite")
    r = srv.client(decode_responses=True)
    # Real writes (DEBUG POPULATE is not written to the AOF, in Redis either).
    p = r.pipeline(transaction=False)
    for b in range(200):
        p.mset({f"key:{b}:{i}": i for i in range(1000)})
    p.execute()
    p = r.pipeline(transaction=False)
    p.execute_command("BGREWRITEAOF")
    p.set("written-during-rewrite", "yes")
    p.execute()
    assert r.info("persistence")["aof_rewrite_in_progress"] == 1
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.stop()
    check_aof(srv)
    srv.start()
    r = srv.client(decode_responses=True)
    assert r.dbsize() == 200001
    assert r.get("written-during-rewrite") == "yes"
