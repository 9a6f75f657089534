# Interoperability with redis-server 7.0.15 (the reference), end to end:
#   (a) Troupe fills every type in every encoding, in several databases, with
#       TTLs, and SAVEs: redis-check-rdb passes and redis-server, started on
#       a copy of the file, holds exactly the same keys (type, value, TTL
#       within a second, per database) — with rdbcompression yes and no;
#   (b) the reverse: redis-server writes a dump with every encoding it has
#       (forced with the *-max-listpack-* / set-max-intset-entries /
#       list-compress-depth configs) and Troupe loads identical contents;
#   (c) DUMP payloads move both ways for every type and encoding, and the
#       restored key is the same (value and OBJECT ENCODING) on both sides;
#   (d) a corrupted payload gets the checksum error, and payloads with a
#       valid checksum but corrupt contents never hurt the server.
# Plus RESTORE's options, errors, notifications and propagation compared
# with what redis-server answers and writes for the same commands.
#
# Every test skips (pytest.skip) when a Redis binary it needs is missing.
# Servers bind 127.0.0.1 on free ports in temp dirs and are always stopped.

import os
import random
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

import harness

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB", "/usr/bin/redis-check-rdb")

DBS = (0, 3, 9)
TTL_SLACK_MS = 1000
# Small thresholds, so that modest values take every encoding Redis has:
# listpack and hashtable hashes, intset and hashtable sets, listpack and
# skiplist zsets, multi-node quicklists with LZF-compressed inner nodes.
SMALL = ("--hash-max-listpack-entries", "4", "--hash-max-listpack-value", "16",
         "--set-max-intset-entries", "4", "--zset-max-listpack-entries", "4",
         "--zset-max-listpack-value", "16", "--list-max-listpack-size", "4",
         "--list-compress-depth", "1")


def need(path):
    if not Path(path).exists():
        pytest.skip(f"no {Path(path).name} at {path}")


@pytest.fixture
def started():
    """Starts servers of any binary in given dirs; stops them all afterwards."""
    procs = []

    def start(binary, workdir, *args, name="server"):
        srv = harness.ServerProcess(binary, workdir=workdir, extra_args=args, name=name)
        procs.append(srv)
        try:
            return srv.start()
        except harness.ServerError as e:
            pytest.fail(str(e), pytrace=False)

    yield start
    for srv in procs:
        srv.stop()


# ---------------------------------------------------------------------------
# Data: every type in every encoding, deterministic (seeded)
# ---------------------------------------------------------------------------

def fill(srv, dbs=DBS, seed=7):
    """Writes the same keys into each database of `srv`: strings (int,
    embstr, raw, compressible, incompressible, binary, empty, HLL), lists
    (small, multi-node), sets (intset, hashtable), hashes (listpack,
    hashtable by count and by value length), zsets (listpack, skiplist by
    count and by member length), some of each with a TTL."""
    rng = random.Random(seed)
    noise = bytes(rng.getrandbits(8) for _ in range(300))
    for db in dbs:
        c = srv.client(db=db)
        p = f"d{db}:"
        c.set(p + "int", 12345)
        c.set(p + "int64", 2 ** 62 + 3)
        c.set(p + "neg", -7)
        c.set(p + "embstr", "hello world")
        c.set(p + "raw", "abc" * 100)
        c.set(p + "noise", noise)
        c.set(p + "binary", b"\x00\xff\r\n\x01")
        c.set(p + "empty", "")
        c.set(p.encode() + b"\xff\x00key", "binary key")
        c.append(p + "appended", "grown")
        c.set(p + "str:ttl", "soon", ex=5000)
        c.pfadd(p + "hll", *range(200))
        c.rpush(p + "list:small", "a", "1", "-300", "x" * 70)
        c.rpush(p + "list:big", *[str(i) if i % 3 else f"el-{i}-" + "y" * (i % 50)
                                  for i in range(1500)])
        c.rpush(p + "list:ttl", "p", "q")
        c.expire(p + "list:ttl", 4000)
        c.sadd(p + "set:intset", 1, 2, -70000, 2 ** 40)
        c.sadd(p + "set:ints", *range(0, 6000, 7))
        c.sadd(p + "set:strings", "a", "b", "c")
        c.sadd(p + "set:ttl", 5, 6)
        c.pexpire(p + "set:ttl", 3_000_000)
        c.hset(p + "hash:small", mapping={"f1": "v1", "n": "22"})
        c.hset(p + "hash:longval", mapping={"f": "v" * 100})
        c.hset(p + "hash:big", mapping={f"f{i}": i * 3 for i in range(700)})
        c.hset(p + "hash:ttl", "a", "b")
        c.expire(p + "hash:ttl", 6000)
        c.zadd(p + "zset:small", {"a": 1.5, "b": -2, "c": 1e300, "inf": float("inf")})
        c.zadd(p + "zset:longmember", {"m" * 100: 1, "n": 2})
        c.zadd(p + "zset:big", {f"m{i}": i / 7 for i in range(300)})
        c.zadd(p + "zset:ttl", {"z": 0})
        c.expire(p + "zset:ttl", 7000)
        c.close()


def value_of(c, key, kind):
    if kind == "string":
        return c.get(key)
    if kind == "list":
        return c.lrange(key, 0, -1)
    if kind == "set":
        return sorted(c.smembers(key))
    if kind == "hash":
        return sorted(c.hgetall(key).items())
    if kind == "zset":
        return c.zrange(key, 0, -1, withscores=True)
    raise AssertionError(f"unexpected type {kind} of {key!r}")


def snapshot(srv, db):
    """{key: (type, value, encoding, pttl)} of one database."""
    c = srv.client(db=db)
    out = {}
    for key in c.scan_iter(count=500):
        kind = c.type(key).decode()
        out[key] = (kind, value_of(c, key, kind), c.object("encoding", key), c.pttl(key))
    c.close()
    return out


def assert_same_data(a, b, dbs=DBS, encodings=True):
    """Every database of servers a and b holds the same keys with the same
    type, value, TTL (within a second) and, when asked, OBJECT ENCODING."""
    total = 0
    for db in range(16):
        sa, sb = snapshot(a, db), snapshot(b, db)
        assert sorted(sa) == sorted(sb), f"db {db}: keys differ"
        if db not in dbs:
            assert not sa, f"db {db} should be empty"
        for key, (kind, value, enc, pttl) in sa.items():
            kind_b, value_b, enc_b, pttl_b = sb[key]
            assert kind == kind_b, (db, key)
            assert value == value_b, (db, key)
            if encodings:
                assert enc == enc_b, (db, key, enc, enc_b)
            assert (pttl < 0) == (pttl_b < 0), (db, key, pttl, pttl_b)
            if pttl >= 0:
                assert abs(pttl - pttl_b) <= TTL_SLACK_MS, (db, key, pttl, pttl_b)
            total += 1
    assert total >= 25 * len(dbs)


def check_rdb(path):
    proc = subprocess.run([REDIS_CHECK_RDB, str(path)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "RDB looks OK" in proc.stdout, proc.stdout + proc.stderr
    return proc.stdout


# ---------------------------------------------------------------------------
# (a) Troupe's RDB in redis-server, (b) redis-server's RDB in Troupe
# ---------------------------------------------------------------------------

def keys_read(report):
    for line in report.splitlines():
        if line.startswith("[info]") and "keys read" in line:
            return int(line.split()[1])
    raise AssertionError(report)


def test_troupe_rdb_passes_check_and_loads_in_redis(server_factory, started, tmp_path):
    """With rdbcompression yes (the default) and no: redis-check-rdb reads
    every key, compression makes the file smaller, and redis-server loads
    either into the same data."""
    need(REDIS_SERVER)
    need(REDIS_CHECK_RDB)
    troupe = server_factory(name="rdbsrc")
    fill(troupe)
    c = troupe.client()
    total = sum(troupe.client(db=db).dbsize() for db in DBS)
    sizes = {}
    for compression in ("yes", "no"):
        c.config_set("rdbcompression", compression)
        assert c.save() is True
        rdb = troupe.dir / "dump.rdb"
        assert keys_read(check_rdb(rdb)) == total
        sizes[compression] = rdb.stat().st_size
        copy = tmp_path / f"redis-{compression}"
        copy.mkdir()
        shutil.copy(rdb, copy / "dump.rdb")
        redis = started(REDIS_SERVER, copy, name=f"redisload-{compression}")
        assert_same_data(troupe, redis)
        redis.stop()
    assert sizes["yes"] < sizes["no"] - 10_000, sizes


@pytest.mark.parametrize("config", ["default", "small"])
def test_redis_rdb_loads_in_troupe(server_binary, started, tmp_path, config):
    need(REDIS_SERVER)
    args = SMALL if config == "small" else ()
    redis = started(REDIS_SERVER, tmp_path / "redis", *args, name="redissave")
    fill(redis)
    # Redis wrote every encoding it has: check a few, so the test means it.
    rc = redis.client()
    if config == "small":
        encodings = {rc.object("encoding", k) for k in
                     ("d0:hash:small", "d0:hash:big", "d0:set:intset", "d0:set:ints",
                      "d0:zset:small", "d0:zset:big", "d0:list:big")}
        assert {b"listpack", b"hashtable", b"intset", b"skiplist", b"quicklist"} <= encodings
    assert rc.save() is True
    rc.close()
    assert keys_read(check_rdb(redis.dir / "dump.rdb")) == \
        sum(redis.client(db=db).dbsize() for db in DBS)
    dest = tmp_path / "troupe"
    dest.mkdir()
    shutil.copy(redis.dir / "dump.rdb", dest / "dump.rdb")
    troupe = started(server_binary, dest, *args, name="troupeload")
    assert_same_data(redis, troupe)


def test_rdb_round_trip_troupe_redis_troupe(server_factory, started, tmp_path):
    """Troupe's file through Redis and back: Troupe reads what Redis wrote
    from Troupe's data, with LZF strings on both legs."""
    need(REDIS_SERVER)
    first = server_factory(*SMALL, name="first")
    fill(first)
    assert first.client().save() is True
    mid = tmp_path / "mid"
    mid.mkdir()
    shutil.copy(first.dir / "dump.rdb", mid / "dump.rdb")
    redis = started(REDIS_SERVER, mid, *SMALL, name="mid")
    assert redis.client().save() is True
    last = tmp_path / "last"
    last.mkdir()
    shutil.copy(mid / "dump.rdb", last / "dump.rdb")
    troupe = started(first.binary, last, *SMALL, name="last")
    assert_same_data(first, troupe)


# ---------------------------------------------------------------------------
# (c) DUMP / RESTORE both ways
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["default", "small"])
def test_dump_payloads_move_both_ways(server_factory, started, tmp_path, config):
    need(REDIS_SERVER)
    args = SMALL if config == "small" else ()
    troupe = server_factory(*args, name="dumpsrc")
    redis = started(REDIS_SERVER, tmp_path / "redis", *args, name="redisdump")
    fill(troupe, dbs=(0,))
    fill(redis, dbs=(0,))
    t, r = troupe.client(), redis.client()
    keys = sorted(t.keys())
    assert keys == sorted(r.keys()) and len(keys) >= 25
    for key in keys:
        kind = t.type(key).decode()
        from_redis, from_troupe = r.dump(key), t.dump(key)
        t.restore(key + b":r", 0, from_redis)
        r.restore(key + b":t", 0, from_troupe)
        want = value_of(r, key, kind)
        assert value_of(t, key + b":r", kind) == want, key
        assert value_of(r, key + b":t", kind) == want, key
        # Restored values take the same encoding on both sides, and a
        # collection the one its source had (strings restore as fresh
        # values: an APPENDed "raw" string comes back "embstr").
        enc = t.object("encoding", key + b":r")
        assert enc == r.object("encoding", key + b":t"), key
        if kind != "string":
            assert enc == r.object("encoding", key) == t.object("encoding", key), key
        # A payload restores where it came from, too.
        t.restore(key + b":self", 0, from_troupe)
        r.restore(key + b":self", 0, from_redis)
        assert value_of(t, key + b":self", kind) == want == value_of(r, key + b":self", kind), key
    # Strings and small integers give byte-identical payloads.
    for key in (b"d0:int", b"d0:neg", b"d0:embstr", b"d0:binary", b"d0:empty", b"d0:int64"):
        assert t.dump(key) == r.dump(key), key
    assert t.dump("missing") is None and r.dump("missing") is None


def test_dump_honours_rdbcompression(server_factory):
    troupe = server_factory(name="compress")
    c = troupe.client()
    c.set("k", "z" * 5000)
    packed = c.dump("k")
    c.config_set("rdbcompression", "no")
    plain = c.dump("k")
    assert len(packed) < 200 < 5000 < len(plain)
    c.delete("k")
    c.restore("k", 0, packed)
    assert c.get("k") == b"z" * 5000


# ---------------------------------------------------------------------------
# (d) Corrupt payloads
# ---------------------------------------------------------------------------

def crc64(data):
    """CRC-64/Jones (reflected), as Redis computes DUMP checksums."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def with_footer(body, version=10):
    x = body + struct.pack("<H", version)
    return x + struct.pack("<Q", crc64(x))


def test_corrupted_payload_gets_the_checksum_error(server, started, tmp_path):
    need(REDIS_SERVER)
    redis = started(REDIS_SERVER, tmp_path / "redis", name="redisbad")
    t, r = server.client(), redis.client()
    for c in (t, r):
        c.flushall()
        c.rpush("l", *range(100))
    err = "DUMP payload version or checksum are wrong"
    for payload in (t.dump("l"), r.dump("l")):
        for pos in (0, len(payload) // 2, len(payload) - 11, len(payload) - 1):
            bad = bytearray(payload)
            bad[pos] ^= 0x40
            for c in (t, r):
                with pytest.raises(Exception, match=err):
                    c.restore("copy", 0, bytes(bad))
        for c in (t, r):
            for cut in (payload[:-1], payload[:9], b""):
                with pytest.raises(Exception, match=err):
                    c.restore("copy", 0, cut)
    assert t.exists("copy") == 0 and r.exists("copy") == 0


def test_corrupt_contents_with_valid_checksum_never_hurt(server, started, tmp_path):
    """Seeded corruptions of real payloads, re-footered so they pass the
    checksum: Troupe answers OK or 'Bad data format' (as Redis would for
    most) and keeps serving; bounded in count and time."""
    t = server.client()
    t.flushall()
    t.rpush("l", *[f"item{i}" for i in range(300)])
    t.hset("h", mapping={f"f{i}": "v" * i for i in range(20)})
    t.sadd("s", *range(50))
    t.zadd("z", {f"m{i}": i for i in range(200)})
    t.set("str", "q" * 500)
    bodies = [t.dump(k)[:-10] for k in ("l", "h", "s", "z", "str")]
    rng = random.Random(99)
    outcomes = {"ok": 0, "bad": 0}
    deadline = time.monotonic() + 60
    for i in range(400):
        assert time.monotonic() < deadline
        body = bytearray(rng.choice(bodies))
        for _ in range(rng.randint(1, 3)):
            what = rng.random()
            if what < 0.5 and body:
                body[rng.randrange(len(body))] = rng.getrandbits(8)
            elif what < 0.8:
                body.insert(rng.randrange(len(body) + 1), rng.getrandbits(8))
            elif body:
                del body[rng.randrange(len(body)):]
        try:
            t.restore(f"fz{i}", 0, with_footer(bytes(body)))
            outcomes["ok"] += 1
        except Exception as e:  # noqa: BLE001 - the reply text is checked
            assert "Bad data format" in str(e), e
            outcomes["bad"] += 1
    assert t.ping() is True
    assert outcomes["bad"] > 0
    t.flushall()


# ---------------------------------------------------------------------------
# RESTORE's options and errors, side by side with redis-server
# ---------------------------------------------------------------------------

def test_restore_replies_match_redis(server, started, tmp_path):
    need(REDIS_SERVER)
    redis = started(REDIS_SERVER, tmp_path / "redis", name="redisopts")
    payload = None
    results = []
    for srv in (server, redis):
        c = srv.client()
        c.flushall()
        c.set("src", "bar")
        payload = c.dump("src")
        c.set("taken", "x")
        c.set("old", "x")
        raw = srv.raw()
        far = str(int(time.time() * 1000) + 10_000_000)
        cases = [
            ("RESTORE", "k1", "0", payload),
            ("RESTORE", "k1", "0", payload),                       # BUSYKEY
            ("RESTORE", "taken", "0", payload, "REPLACE"),
            ("RESTORE", "k2", "100000", payload, "replace", "idletime", "5"),
            ("RESTORE", "k3", far, payload, "ABSTTL"),
            ("RESTORE", "k4", "1", payload, "ABSTTL"),             # past: nothing
            ("RESTORE", "old", "1", payload, "ABSTTL", "REPLACE"),  # past: deletes old
            ("RESTORE", "k5", "9223372036854775807", payload),     # wraps: nothing
            ("RESTORE", "k6", "-1", payload),
            ("RESTORE", "k6", "abc", payload),
            ("RESTORE", "taken", "abc", payload),                   # BUSYKEY comes first
            ("RESTORE", "k6", "0", payload, "IDLETIME", "5", "FREQ", "3"),
            ("RESTORE", "k6", "0", payload, "FREQ", "3", "IDLETIME", "5"),
            ("RESTORE", "k6", "0", payload, "FREQ", "256"),
            ("RESTORE", "k6", "0", payload, "FREQ", "-1"),
            ("RESTORE", "k6", "0", payload, "FREQ", "x"),
            ("RESTORE", "k6", "0", payload, "IDLETIME", "-1"),
            ("RESTORE", "k6", "0", payload, "IDLETIME"),
            ("RESTORE", "k6", "0", payload, "BOGUS"),
            ("RESTORE", "k6", "0"),
            ("RESTORE", "k7", "0", payload[:-10] + b"xyz" + payload[-10:]),  # bad checksum
            ("RESTORE", "k8", "0", with_footer(payload[:-10] + b"xyz")),    # extra bytes: OK
            ("RESTORE", "k9", "0", with_footer(payload[:-10], 9)),          # RDB 9: OK
            ("RESTORE", "k10", "0", with_footer(payload[:-10], 11)),        # RDB 11: refused
            ("RESTORE", "k11", "0", with_footer(b"\x08\x03bar")),           # no such type
            ("RESTORE", "k12", "0", with_footer(b"\x0f\x00")),              # a stream
            ("RESTORE", "k13", "0", with_footer(b"")),
            ("RESTORE", "k14", "0", with_footer(b"\x00\x03ba")),           # reads the footer
            ("DUMP",), ("DUMP", "a", "b"),
        ]
        replies = [raw.call(*cmd) for cmd in cases]
        state = {}
        for key in ("k1", "taken", "k2", "k3", "k4", "old", "k5", "k8", "k9", "k14"):
            state[key] = (c.get(key), (c.pttl(key) + 5000) // 10_000)
        results.append((replies, state))
        raw.close()
        c.close()
    (tr, ts), (rr, rs) = results
    for i, (a, b) in enumerate(zip(tr, rr)):
        assert a == b, (i, a, b)
    assert ts == rs


def test_restore_idletime_and_freq(server_factory, started, tmp_path):
    need(REDIS_SERVER)
    for policy in ("allkeys-lru", "allkeys-lfu"):
        troupe = server_factory("--maxmemory-policy", policy, name=policy)
        redis = started(REDIS_SERVER, tmp_path / policy, "--maxmemory-policy", policy,
                        name="r" + policy)
        for srv in (troupe, redis):
            c = srv.client()
            c.set("src", "v")
            payload = c.dump("src")
            c.restore("a", 0, payload, idletime=1000)
            c.restore("b", 0, payload, frequency=200)
            if policy == "allkeys-lru":
                assert 1000 <= c.object("idletime", "a") <= 1002
                assert c.object("idletime", "b") <= 2   # FREQ means nothing here
            else:
                assert c.object("freq", "b") == 200
                assert c.object("freq", "a") == 5      # a new key's counter
            c.close()


def test_restore_wakes_a_blocked_client(server):
    c = server.client()
    c.flushall()
    c.rpush("src", "a", "b")
    payload = c.dump("src")
    with server.raw() as waiter:
        waiter.send_command("BLPOP", "dst", "5")
        assert waiter.pending(wait_s=0.2) == b""   # parked
        c.restore("dst", 0, payload)
        assert harness.to_py(waiter.read()) == [b"dst", b"a"]
    assert c.lrange("dst", 0, -1) == [b"b"]


def test_restore_notifications_match_redis(server_factory, started, tmp_path):
    need(REDIS_SERVER)
    troupe = server_factory("--notify-keyspace-events", "KEA", name="notify")
    redis = started(REDIS_SERVER, tmp_path / "redis", "--notify-keyspace-events", "KEA",
                    name="rnotify")
    seen = []
    for srv in (troupe, redis):
        c = srv.client()
        c.set("src", "v")
        payload = c.dump("src")
        sub = srv.raw()
        sub.call("PSUBSCRIBE", "__key*__:*")
        c.restore("n1", 0, payload)
        c.restore("n1", 0, payload, replace=True)
        c.restore("n1", 1, payload, replace=True, absttl=True)   # past: deletes
        c.restore("n2", 1, payload, absttl=True)                  # past: nothing
        c.restore("n3", 50_000, payload)
        c.set("done", "1")
        events = []
        for _ in range(50):  # bounded: a handful of events is expected
            msg = harness.to_py(sub.read())
            events.append((msg[2], msg[3]))
            if events[-1] == (b"__keyevent@0__:set", b"done"):
                break
        seen.append(events)
        sub.close()
        c.close()
    assert seen[0] == seen[1]
    assert (b"__keyevent@0__:restore", b"n1") in seen[0]


def aof_commands(workdir):
    """The commands of the AOF's incr file(s) under `workdir`, parsed."""
    cmds = []
    for path in sorted(Path(workdir).glob("appendonlydir/*.incr.aof")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            assert data[pos:pos + 1] == b"*", data[pos:pos + 20]
            end = data.index(b"\r\n", pos)
            n = int(data[pos + 1:end])
            pos = end + 2
            argv = []
            for _ in range(n):
                end = data.index(b"\r\n", pos)
                size = int(data[pos + 1:end])
                argv.append(data[end + 2:end + 2 + size])
                pos = end + 2 + size + 2
            cmds.append(argv)
    return cmds


def test_restore_propagates_like_redis(server_factory, started, tmp_path):
    """A relative TTL is recorded as RESTORE key <unix ms> payload ... ABSTTL,
    an expired restore over an existing key as DEL, nothing otherwise."""
    need(REDIS_SERVER)
    troupe = server_factory("--appendonly", "yes", name="aof")
    if not list(troupe.dir.glob("appendonlydir/*.incr.aof")):
        pytest.skip("this build writes no AOF")
    redis = started(REDIS_SERVER, tmp_path / "redis", "--appendonly", "yes", name="raof")
    logs = []
    for srv in (troupe, redis):
        c = srv.client()
        c.set("src", "v")
        payload = c.dump("src")
        before = int(time.time() * 1000)
        c.restore("a", 100_000, payload)
        c.execute_command("RESTORE", "b", 100_000, payload, "REPLACE", "FREQ", "3")
        c.restore("c", 0, payload)
        c.set("d", "x")
        c.restore("d", 1, payload, replace=True, absttl=True)
        c.restore("e", 1, payload, absttl=True)
        c.execute_command("RESTORE", "f", 9223372036854775807, payload)
        c.set("end", "1")
        after = int(time.time() * 1000)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cmds = aof_commands(srv.dir)
            if cmds and [cmds[-1][0].upper(), cmds[-1][1]] == [b"SET", b"end"]:
                break
            time.sleep(0.05)
        shown = []
        for argv in cmds:
            name = argv[0].upper()
            if name in (b"SELECT", b"MULTI", b"EXEC"):
                continue
            argv = [name] + argv[1:]
            if name == b"RESTORE" and argv[-1] == b"ABSTTL" and argv[2] != b"1":
                assert before + 100_000 <= int(argv[2]) <= after + 100_000, argv
                argv[2] = b"<abs>"
            shown.append(argv)
        logs.append(shown)
        c.close()
    assert logs[0] == logs[1]
    assert [b"RESTORE", b"a", b"<abs>", payload, b"ABSTTL"] in logs[0]
    assert [b"RESTORE", b"b", b"<abs>", payload, b"REPLACE", b"FREQ", b"3", b"ABSTTL"] in logs[0]
    assert [b"DEL", b"d"] in logs[0]
