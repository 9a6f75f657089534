# End-to-end tests of the HyperLogLog commands (PFADD PFCOUNT PFMERGE PFDEBUG
# PFSELFTEST): replies and errors as redis-server 7.0.15 gives them, HLLs as
# plain strings byte-identical to Redis's (checked against a real
# redis-server when /usr/bin/redis-server exists), HLLs moved between the two
# servers with GET/SET and through RDB files, the cached cardinality,
# accuracy, TTLs, WATCH and keyspace notifications.

import os
import random
import time
from pathlib import Path

import pytest

import harness
from harness import OK, NIL, err, integer, bulk, status

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
NOT_HLL = err("WRONGTYPE Key is not a valid HyperLogLog string value.")
WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")
CORRUPTED = err("INVALIDOBJ Corrupted HLL object detected")
EMPTY_HLL = b"HYLL\x01\x00\x00\x00" + b"\x00" * 8 + b"\x7f\xff"
DENSE_SIZE = 12304


@pytest.fixture(scope="module")
def redis_ref(tmp_path_factory):
    """A real redis-server to compare with (skips when none is installed)."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"no reference server at {REDIS_SERVER}")
    srv = harness.ServerProcess(REDIS_SERVER, workdir=tmp_path_factory.mktemp("ref"),
                                name="redis")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def ref(redis_ref):
    c = redis_ref.client()
    c.flushall()
    c.config_set("hll-sparse-max-bytes", 3000)
    yield c
    c.close()


def elements(rng, n, space=10 ** 6):
    return [f"el:{rng.randrange(space)}" for _ in range(n)]


# ---------------------------------------------------------------------------
# Replies and errors

def test_pfadd_pfcount_basics(raw):
    assert raw.call("PFADD", "h", "a", "b", "c") == integer(1)
    assert raw.call("PFADD", "h", "a", "b") == integer(0)
    assert raw.call("PFADD", "h") == integer(0)
    assert raw.call("PFCOUNT", "h") == integer(3)
    assert raw.call("PFADD", "new") == integer(1)
    assert raw.call("GET", "new") == bulk(b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80\x7f\xff")
    assert raw.call("PFCOUNT", "new") == integer(0)
    assert raw.call("GET", "new") == bulk(EMPTY_HLL)   # the count is cached again
    assert raw.call("PFCOUNT", "nokey") == integer(0)
    assert raw.call("PFCOUNT", "h", "new", "nokey") == integer(3)
    assert raw.call("TYPE", "h") == status("string")
    assert raw.call("OBJECT", "ENCODING", "h") == bulk("raw")
    assert raw.call("PFADD") == err("ERR wrong number of arguments for 'pfadd' command")
    assert raw.call("PFCOUNT") == err("ERR wrong number of arguments for 'pfcount' command")
    assert raw.call("PFMERGE") == err("ERR wrong number of arguments for 'pfmerge' command")


def test_wrong_types_and_invalid_values(raw):
    assert raw.call("SET", "s", "not an hll at all") == OK
    assert raw.call("SET", "n", "12345") == OK
    for args in (["PFADD", "s", "x"], ["PFCOUNT", "s"], ["PFCOUNT", "nokey", "s"],
                 ["PFMERGE", "d", "s"], ["PFMERGE", "s"], ["PFADD", "n"],
                 ["PFDEBUG", "ENCODING", "s"]):
        assert raw.call(*args) == NOT_HLL, args
    assert raw.call("EXISTS", "d") == integer(0)
    # Dense values must be exactly 12304 bytes; the encoding byte 0 or 1.
    assert raw.call("SET", "d1", b"HYLL\x00" + b"\x00" * 100) == OK
    assert raw.call("SET", "e2", b"HYLL\x02" + b"\x00" * 20) == OK
    assert raw.call("PFCOUNT", "d1") == NOT_HLL
    assert raw.call("PFCOUNT", "e2") == NOT_HLL
    # Sparse opcodes covering too few registers.
    short = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80\x7f\xfe"
    assert raw.call("SET", "bad", short) == OK
    assert raw.call("PFCOUNT", "bad") == CORRUPTED
    assert raw.call("PFCOUNT", "bad", "nokey") == CORRUPTED
    assert raw.call("PFMERGE", "d", "bad") == CORRUPTED
    assert raw.call("PFDEBUG", "TODENSE", "bad") == CORRUPTED
    assert raw.call("GET", "bad") == bulk(short)
    # The first key that fails decides the error.
    assert raw.call("PFCOUNT", "bad", "s") == CORRUPTED
    assert raw.call("PFCOUNT", "s", "bad") == NOT_HLL


def test_wrongtype_for_other_types(raw, list_key):
    assert raw.call("PFADD", list_key, "x") == WRONGTYPE
    assert raw.call("PFCOUNT", list_key) == WRONGTYPE
    assert raw.call("PFCOUNT", "nokey", list_key) == WRONGTYPE
    assert raw.call("PFMERGE", "dest", list_key) == WRONGTYPE
    assert raw.call("PFMERGE", list_key, "nokey") == WRONGTYPE


def test_pfmerge(raw):
    assert raw.call("PFADD", "a", *[f"a{i}" for i in range(100)]) == integer(1)
    assert raw.call("PFADD", "b", *[f"a{i}" for i in range(50, 150)]) == integer(1)
    assert raw.call("PFMERGE", "u", "a", "b") == OK
    assert raw.call("PFCOUNT", "u") == raw.call("PFCOUNT", "a", "b")
    count = raw.call("PFCOUNT", "u")[1]
    assert abs(count - 150) <= 3
    assert raw.call("PFMERGE", "u") == OK                   # merging with itself
    assert raw.call("PFCOUNT", "u") == integer(count)
    assert raw.call("PFMERGE", "fresh") == OK               # creates an empty HLL
    assert raw.call("GET", "fresh") == bulk(b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 +
                                            b"\x80\x7f\xff")
    assert raw.call("PFMERGE", "u", "nokey1", "nokey2") == OK


def test_pfcount_of_several_keys_modifies_none(raw):
    raw.call("PFADD", "a", "x", "y")
    raw.call("PFADD", "b", "y", "z")
    before = raw.call("GET", "a"), raw.call("GET", "b")
    assert raw.call("PFCOUNT", "a", "b") == integer(3)
    assert (raw.call("GET", "a"), raw.call("GET", "b")) == before
    assert raw.call("PFCOUNT", "a") == integer(2)
    assert raw.call("GET", "a") != before[0]               # cache written


def test_ttl_kept(raw):
    raw.call("PFADD", "h", "a")
    raw.call("EXPIRE", "h", "1000")
    raw.call("PFADD", "h", *[f"x{i}" for i in range(3000)])  # promoted to dense
    raw.call("PFMERGE", "h", "nokey")
    raw.call("PFCOUNT", "h")
    assert raw.call("PFDEBUG", "ENCODING", "h") == status("dense")
    ttl = raw.call("TTL", "h")[1]
    assert 990 <= ttl <= 1000


def test_pfdebug(raw):
    raw.call("PFADD", "h", "a", "b", "c")
    assert raw.call("PFDEBUG", "ENCODING", "h") == status("sparse")
    assert raw.call("PFDEBUG", "DECODE", "h") == bulk(
        "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603")
    regs = raw.call("PFDEBUG", "GETREG", "h")                # converts to dense
    assert regs[0] == "*" and len(regs[1]) == 16384
    assert sorted(r[1] for r in regs[1])[-3:] == [1, 1, 2]
    assert raw.call("STRLEN", "h") == integer(DENSE_SIZE)
    assert raw.call("PFDEBUG", "TODENSE", "h") == integer(0)
    assert raw.call("PFDEBUG", "DECODE", "h") == err("ERR HLL encoding is not sparse")
    raw.call("PFADD", "h2", "a")
    assert raw.call("PFDEBUG", "TODENSE", "h2") == integer(1)
    assert raw.call("PFDEBUG", "encoding", "h2") == status("dense")
    assert raw.call("PFDEBUG", "FOO", "h") == err("ERR Unknown PFDEBUG subcommand 'FOO'")
    assert raw.call("PFDEBUG", "GETREG", "nokey") == err("ERR The specified key does not exist")
    assert raw.call("PFDEBUG", "GETREG") == err(
        "ERR wrong number of arguments for 'pfdebug' command")


def test_pfselftest(raw):
    t0 = time.monotonic()
    assert raw.call("PFSELFTEST") == OK
    assert time.monotonic() - t0 < 10


# ---------------------------------------------------------------------------
# Accuracy, promotion

def test_accuracy_100k(r):
    rng = random.Random(3)
    base = rng.randrange(1 << 40)
    pipe = r.pipeline(transaction=False)
    for start in range(0, 100_000, 1000):
        pipe.pfadd("big", *[f"{base}:{i}" for i in range(start, start + 1000)])
    pipe.execute()
    count = r.pfcount("big")
    assert abs(count - 100_000) / 100_000 < 0.0081 * 3   # 3 standard errors
    assert r.execute_command("PFDEBUG", "ENCODING", "big") == b"dense"


def test_sparse_to_dense_at_configured_size(r):
    for i in range(5000):
        r.pfadd("h", f"m{i}")
        if r.strlen("h") == DENSE_SIZE:
            break
    assert r.strlen("h") == DENSE_SIZE
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    r.config_set("hll-sparse-max-bytes", 0)
    try:
        r.pfadd("tiny", "a")
        assert r.strlen("tiny") == DENSE_SIZE
    finally:
        r.config_set("hll-sparse-max-bytes", 3000)


# ---------------------------------------------------------------------------
# Byte equality with redis-server, and HLLs moved between the servers

def test_bytes_identical_to_redis(r, ref):
    rng = random.Random(11)
    for trial in range(40):                      # bounded: 40 keys
        key = f"h{trial}"
        target = rng.choice([1, 10, 100, 600, 2000, 8000])
        added = 0
        while added < target:
            batch = elements(rng, rng.randint(1, 200))
            if rng.random() < 0.05:
                batch.append(bytes(rng.randrange(256) for _ in range(rng.randint(0, 9))))
            added += len(batch)
            assert r.pfadd(key, *batch) == ref.pfadd(key, *batch)
            if rng.random() < 0.1:
                assert r.pfcount(key) == ref.pfcount(key)
        assert r.get(key) == ref.get(key), key
        assert r.pfcount(key) == ref.pfcount(key)
        assert r.get(key) == ref.get(key), key
    keys = [f"h{i}" for i in range(40)]
    for i in range(20):
        srcs = rng.sample(keys, rng.randint(1, 4))
        dest = rng.choice(keys + [f"m{i}"])
        assert r.pfmerge(dest, *srcs) == ref.pfmerge(dest, *srcs)
        assert r.get(dest) == ref.get(dest), (dest, srcs)
        assert r.pfcount(*srcs) == ref.pfcount(*srcs)


def test_sparse_max_bytes_identical_to_redis(r, ref):
    rng = random.Random(5)
    try:
        for limit in (0, 50, 700):
            r.config_set("hll-sparse-max-bytes", limit)
            ref.config_set("hll-sparse-max-bytes", limit)
            for step in range(30):
                batch = elements(rng, rng.randint(1, 30), space=5000)
                assert r.pfadd(f"l{limit}", *batch) == ref.pfadd(f"l{limit}", *batch)
            assert r.get(f"l{limit}") == ref.get(f"l{limit}")
    finally:
        r.config_set("hll-sparse-max-bytes", 3000)


def test_hlls_copied_from_redis(r, ref):
    rng = random.Random(21)
    for key, n in (("small", 20), ("mid", 800), ("dense", 20000)):
        ref.pfadd(key, *elements(rng, n))
        r.set(key, ref.get(key))
    ref.pfadd("other", *elements(rng, 500))
    r.set("other", ref.get("other"))
    for key in ("small", "mid", "dense"):
        assert r.pfcount(key) == ref.pfcount(key)
    assert r.pfcount("small", "mid", "dense") == ref.pfcount("small", "mid", "dense")
    assert r.pfmerge("u", "small", "mid", "other") == ref.pfmerge("u", "small", "mid", "other")
    assert r.get("u") == ref.get("u")
    more = elements(rng, 300)
    assert r.pfadd("mid", *more) == ref.pfadd("mid", *more)
    assert r.get("mid") == ref.get("mid")
    # And back: Troupe's HLL in Redis.
    r.pfadd("t", *elements(rng, 1500))
    ref.set("t", r.get("t"))
    assert ref.pfcount("t") == r.pfcount("t")
    assert ref.get("t") == r.get("t")


def test_command_info_and_docs_match_redis(raw, redis_ref):
    with redis_ref.raw() as ref_raw:
        for name in ("pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"):
            for sub in ("INFO", "DOCS"):
                assert raw.call("COMMAND", sub, name) == ref_raw.call("COMMAND", sub, name), \
                    (sub, name)


def _save_and_wait(client):
    assert client.save() is True


def test_rdb_round_trip_both_ways(server_factory, tmp_path):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"no reference server at {REDIS_SERVER}")
    rng = random.Random(8)
    src = server_factory(name="hllsave")
    c = src.client()
    c.pfadd("sparse", *elements(rng, 200))
    c.pfadd("dense", *elements(rng, 20000))
    c.pfcount("dense")
    want = {k: c.get(k) for k in ("sparse", "dense")}
    _save_and_wait(c)
    c.close()
    src.stop()
    # Troupe's file in Redis.
    with harness.ServerProcess(REDIS_SERVER, workdir=src.dir, name="redisload") as red:
        rc = red.client()
        assert {k: rc.get(k) for k in want} == want
        assert abs(rc.pfcount("sparse") - 200) <= 4
        want["sparse"] = rc.get("sparse")          # the count is cached now
        rc.pfadd("fromredis", *elements(rng, 3000))
        want["fromredis"] = rc.get("fromredis")
        _save_and_wait(rc)
        rc.close()
    # Redis's file in Troupe.
    back = harness.ServerProcess(src.binary, workdir=src.dir, name="hllload")
    with back:
        bc = back.client()
        assert {k: bc.get(k) for k in want} == want
        assert bc.pfcount("fromredis") > 2900


# ---------------------------------------------------------------------------
# The cache write is a write: WATCH, notifications

def test_pfcount_cache_update_touches_watch(server):
    a, b = server.client(), server.client()
    try:
        a.flushall()
        a.pfadd("h", "x", "y")
        with a.pipeline() as p:
            p.watch("h")
            b.pfcount("h")                 # recomputes and stores the count
            p.multi()
            p.get("h")
            with pytest.raises(Exception) as e:
                p.execute()
            assert "WatchError" in type(e.value).__name__
        with a.pipeline() as p:
            p.watch("h")
            b.pfcount("h")                 # cached now: no write
            b.pfadd("h", "x")              # nothing new: no write
            p.multi()
            p.get("h")
            assert p.execute()[0] == a.get("h")
    finally:
        a.close()
        b.close()


def test_keyspace_notifications(server):
    c = server.client()
    sub = server.client()
    try:
        c.flushall()
        c.config_set("notify-keyspace-events", "E$")
        ps = sub.pubsub()
        ps.subscribe("__keyevent@0__:pfadd")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            m = ps.get_message(timeout=0.5)
            if m and m["type"] == "subscribe":
                break
        c.pfadd("h", "a")
        c.pfadd("h", "a")                  # no change, no event
        c.pfmerge("m", "h")                # PFMERGE reports "pfadd" too
        c.pfcount("h")                     # no event
        got = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(got) < 2:
            m = ps.get_message(timeout=0.5)
            if m and m["type"] == "message":
                got.append(m["data"])
        assert got == [b"h", b"m"]
        assert ps.get_message(timeout=0.3) is None
        ps.close()
    finally:
        c.config_set("notify-keyspace-events", "")
        c.close()
        sub.close()
