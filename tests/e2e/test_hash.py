# End-to-end tests of the hash commands (HSET HSETNX HGET HMGET HMSET HDEL
# HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD
# HSCAN) against a running server: replies and error texts of redis-server
# 7.0.15 in RESP2 and RESP3, the listpack -> hashtable conversions OBJECT
# ENCODING reports, keyspace events compared with a real redis-server, and
# hashes moved both ways between Troupe and redis-server through RDB files
# (checked with redis-check-rdb). Every loop is bounded.

import os
from pathlib import Path

import pytest

import harness
from harness import OK, NIL, NULL3, err, integer, bulk, bulks, array

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")
SYNTAX = err("ERR syntax error")
NOT_INT = err("ERR value is not an integer or out of range")


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


def test_set_get_and_lengths(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", "a", "10") == 0
    assert r.hsetnx("h", "a", "x") == 0
    assert r.hsetnx("h", "c", "3") == 1
    assert r.execute_command("HMSET", "h", "d", "4") is True
    assert r.hget("h", "a") == b"10"
    assert r.hget("h", "nope") is None
    assert r.hmget("h", "a", "nope", "d") == [b"10", None, b"4"]
    assert r.hlen("h") == 4
    assert r.hstrlen("h", "a") == 2
    assert r.hexists("h", "b") is True
    assert r.hexists("h", "zz") is False
    assert r.hkeys("h") == [b"a", b"b", b"c", b"d"]       # listpack: insertion order
    assert r.hvals("h") == [b"10", b"2", b"3", b"4"]
    assert r.hgetall("h") == {b"a": b"10", b"b": b"2", b"c": b"3", b"d": b"4"}
    assert r.hdel("h", "a", "b", "zz") == 2
    assert r.hdel("h", "c", "d") == 2
    assert r.exists("h") == 0                              # emptied: deleted
    assert r.hgetall("h") == {}
    assert r.hlen("nokey") == 0


def test_errors_and_wrong_type(raw):
    assert raw.call("SET", "s", "v") == OK
    for args in (["HSET", "s", "f", "v"], ["HGET", "s", "f"], ["HGETALL", "s"],
                 ["HINCRBY", "s", "f", "1"], ["HRANDFIELD", "s"], ["HSCAN", "s", "0"],
                 ["HMGET", "s", "f"], ["HDEL", "s", "f"], ["HLEN", "s"]):
        assert raw.call(*args) == WRONGTYPE, args
    assert raw.call("GET", "s") == bulk("v")
    assert raw.call("HSET", "h", "f") == err("ERR wrong number of arguments for 'hset' command")
    assert raw.call("HMSET", "h", "f", "v", "g") == err(
        "ERR wrong number of arguments for 'hmset' command")
    assert raw.call("HGET", "h") == err("ERR wrong number of arguments for 'hget' command")
    assert raw.call("HSET", "h", "n", "9223372036854775807", "s", "abc", "f", "1.5") == integer(3)
    assert raw.call("HINCRBY", "h", "n", "1") == err("ERR increment or decrement would overflow")
    assert raw.call("HINCRBY", "h", "s", "1") == err("ERR hash value is not an integer")
    assert raw.call("HINCRBY", "h", "f", "1") == err("ERR hash value is not an integer")
    assert raw.call("HINCRBY", "h", "n", "x") == NOT_INT
    assert raw.call("HINCRBYFLOAT", "h", "s", "1") == err("ERR hash value is not a float")
    assert raw.call("HINCRBYFLOAT", "h", "f", "x") == err("ERR value is not a valid float")
    assert raw.call("HINCRBYFLOAT", "h", "f", "inf") == err("ERR value is NaN or Infinity")
    assert raw.call("HGET", "h", "n") == bulk("9223372036854775807")


def test_incr(raw):
    assert raw.call("HINCRBY", "h", "n", "5") == integer(5)
    assert raw.call("HINCRBY", "h", "n", "-8") == integer(-3)
    assert raw.call("HINCRBYFLOAT", "h", "x", "10.5") == bulk("10.5")
    assert raw.call("HINCRBYFLOAT", "h", "x", "0.1") == bulk("10.6")
    assert raw.call("HINCRBYFLOAT", "h", "x", "-5e0") == bulk("5.6")
    assert raw.call("HINCRBYFLOAT", "h", "n", "3") == bulk("0")
    assert raw.call("HINCRBYFLOAT", "h", "y", "5.0e3") == bulk("5000")
    assert raw.call("HGETALL", "h") == bulks("n", "0", "x", "5.6", "y", "5000")


def test_resp3_shapes(raw):
    assert raw.call("HELLO", "3")[0] == "%"
    assert raw.call("HSET", "h", "a", "1") == integer(1)
    assert raw.call("HGETALL", "h") == ("%", [(bulk("a"), bulk("1"))])
    assert raw.call("HGETALL", "nokey") == ("%", [])
    assert raw.call("HGET", "h", "zz") == NULL3
    assert raw.call("HRANDFIELD", "nokey") == NULL3
    assert raw.call("HRANDFIELD", "h", "1", "WITHVALUES") == array(bulks("a", "1"))
    assert raw.call("HRANDFIELD", "h", "-2", "WITHVALUES") == array(bulks("a", "1"),
                                                                   bulks("a", "1"))
    assert raw.call("HKEYS", "h") == bulks("a")
    assert raw.call("HSCAN", "h", "0") == array(bulk("0"), bulks("a", "1"))


def test_hrandfield(raw):
    fields = {f"f{i}": str(i) for i in range(10)}
    args = [x for kv in fields.items() for x in kv]
    assert raw.call("HSET", "h", *args) == integer(10)
    for _ in range(20):
        reply = raw.call("HRANDFIELD", "h")
        assert reply[0] == "$" and reply[1].decode() in fields
        got = raw.call("HRANDFIELD", "h", "4", "WITHVALUES")[1]
        pairs = [(got[i][1].decode(), got[i + 1][1].decode()) for i in range(0, len(got), 2)]
        assert len(pairs) == 4 and len({f for f, _ in pairs}) == 4
        assert all(fields[f] == v for f, v in pairs)
    assert len(raw.call("HRANDFIELD", "h", "-30")[1]) == 30
    assert len(raw.call("HRANDFIELD", "h", "100")[1]) == 10
    assert raw.call("HRANDFIELD", "h", "0") == array()
    assert raw.call("HRANDFIELD", "nokey", "5", "WITHVALUES") == array()
    assert raw.call("HRANDFIELD", "h", "1", "FOO") == SYNTAX
    assert raw.call("HRANDFIELD", "h", "x") == NOT_INT
    assert raw.call("HRANDFIELD", "h", "-9223372036854775808") == err(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert raw.call("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES") == err(
        "ERR value is out of range")


def test_encodings_follow_the_thresholds(raw):
    assert raw.call("HSET", "small", "f", "x" * 64) == integer(1)
    assert raw.call("OBJECT", "ENCODING", "small") == bulk("listpack")
    assert raw.call("HSET", "small", "g", "x" * 65) == integer(1)
    assert raw.call("OBJECT", "ENCODING", "small") == bulk("hashtable")
    args = []
    for i in range(512):
        args += [f"f{i}", "v"]
    assert raw.call("HSET", "many", *args) == integer(512)
    assert raw.call("OBJECT", "ENCODING", "many") == bulk("listpack")
    assert raw.call("HSET", "many", "one-more", "v") == integer(1)
    assert raw.call("OBJECT", "ENCODING", "many") == bulk("hashtable")
    assert raw.call("HLEN", "many") == integer(513)
    # The thresholds are CONFIG settings (and their old ziplist names).
    try:
        assert raw.call("CONFIG", "SET", "hash-max-ziplist-entries", "2") == OK
        assert raw.call("CONFIG", "GET", "hash-max-listpack-entries") == bulks(
            "hash-max-listpack-entries", "2")
        assert raw.call("HSET", "c", "a", "1", "b", "2") == integer(2)
        assert raw.call("OBJECT", "ENCODING", "c") == bulk("listpack")
        assert raw.call("HSET", "c", "c", "3") == integer(1)
        assert raw.call("OBJECT", "ENCODING", "c") == bulk("hashtable")
    finally:
        raw.call("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_hscan(raw):
    assert raw.call("HSET", "small", "a", "1", "b", "2", "c", "3") == integer(3)
    # listpack: everything in one call, cursor 0, COUNT ignored.
    assert raw.call("HSCAN", "small", "0", "COUNT", "1") == array(
        bulk("0"), bulks("a", "1", "b", "2", "c", "3"))
    assert raw.call("HSCAN", "small", "0", "MATCH", "[ab]") == array(
        bulk("0"), bulks("a", "1", "b", "2"))
    assert raw.call("HSCAN", "small", "0", "COUNT", "0") == SYNTAX
    assert raw.call("HSCAN", "small", "x") == err("ERR invalid cursor")
    assert raw.call("HSCAN", "nokey", "0") == array(bulk("0"), array())
    args = []
    for i in range(1000):
        args += [f"field:{i}", str(i)]
    assert raw.call("HSET", "big", *args) == integer(1000)
    seen, cursor, calls = {}, "0", 0
    while calls < 10000:
        reply = raw.call("HSCAN", "big", cursor, "COUNT", "50")
        cursor = reply[1][0][1].decode()
        items = [x[1].decode() for x in reply[1][1][1]]
        seen.update(zip(items[::2], items[1::2]))
        calls += 1
        if cursor == "0":
            break
    assert cursor == "0" and calls > 1
    assert seen == {f"field:{i}": str(i) for i in range(1000)}


def test_generic_commands_on_hashes(raw):
    assert raw.call("HSET", "h", "a", "1") == integer(1)
    assert raw.call("TYPE", "h") == ("+", "hash")
    assert raw.call("COPY", "h", "h2") == integer(1)
    assert raw.call("HSET", "h", "b", "2") == integer(1)
    assert raw.call("HGETALL", "h2") == bulks("a", "1")
    assert raw.call("RENAME", "h2", "h3") == OK
    assert raw.call("HGET", "h3", "a") == bulk("1")
    assert raw.call("MEMORY", "USAGE", "h")[0] == ":"
    assert raw.call("EXPIRE", "h", "100") == integer(1)
    assert raw.call("HSET", "h", "c", "3") == integer(1)
    ttl = raw.call("TTL", "h")
    assert ttl[0] == ":" and 0 < ttl[1] <= 100        # in-place writes keep the TTL


def test_keyspace_events_match_redis(server, redis_ref):
    commands = [["HSET", "h", "a", "1", "b", "2"], ["HSETNX", "h", "a", "x"],
                ["HSETNX", "h", "c", "3"], ["HMSET", "h", "d", "4"], ["HDEL", "h", "zz"],
                ["HINCRBY", "h", "n", "1"], ["HINCRBYFLOAT", "h", "n", "1.5"],
                ["HINCRBY", "h", "a", "x"], ["HDEL", "h", "a", "b"],
                ["HDEL", "h", "c", "d", "n"], ["HGET", "h", "a"]]
    got, want = harness.keyspace_events_both(server, redis_ref, commands)
    assert got == want
    assert ("__keyevent@0__:hdel", "h") in got and ("__keyevent@0__:del", "h") in got


def _contents(client, keys):
    return {k: (client.hgetall(k), client.object("encoding", k)) for k in keys}


def test_rdb_round_trip_both_ways(server_factory):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"no reference server at {REDIS_SERVER}")
    src = server_factory(name="hashsave")
    c = src.client()
    c.hset("small", mapping={"a": "1", "b": "-2", "int": "70000", "neg": "-9000000000",
                             "empty": "", "007": "x"})
    c.hset("long", mapping={"f": "y" * 100})
    c.hset("many", mapping={f"f{i}": str(i) for i in range(600)})
    c.hset("ttl", "f", "v")
    c.expire("ttl", 1000)
    keys = ["small", "long", "many", "ttl"]
    want = _contents(c, keys)
    assert want["small"][1] == b"listpack" and want["many"][1] == b"hashtable"
    assert c.save() is True
    c.close()
    src.stop()
    harness.rdb_check(src.dir / "dump.rdb")
    # Troupe's file in Redis: the same contents and encodings.
    with harness.ServerProcess(REDIS_SERVER, workdir=src.dir, name="redisload") as red:
        rc = red.client()
        assert _contents(rc, keys) == want
        assert 0 < rc.ttl("ttl") <= 1000
        rc.config_set("hash-max-listpack-value", "200")
        rc.hset("fromredis", mapping={"s": "z" * 150, "i": "123", "big": "9223372036854775807",
                                      "m": "-5000", "u": "300"})
        rc.config_set("hash-max-listpack-value", "64")
        want["fromredis"] = (rc.hgetall("fromredis"), b"listpack")
        assert rc.object("encoding", "fromredis") == b"listpack"
        assert rc.save() is True
        rc.close()
    # Redis's file (listpack with integer entries and a value over 64 bytes,
    # which loading keeps a listpack, as Redis does) in Troupe.
    with harness.ServerProcess(src.binary, workdir=src.dir, name="hashload") as back:
        bc = back.client()
        assert _contents(bc, keys + ["fromredis"]) == want
