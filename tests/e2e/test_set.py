# End-to-end tests of the set commands (SADD SREM SMEMBERS SISMEMBER
# SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE
# SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN) against a running server:
# replies and error texts of redis-server 7.0.15 in RESP2 and RESP3 (sets are
# RESP3 sets where Redis sends them so), the intset -> hashtable conversions
# OBJECT ENCODING reports, the count rules of SPOP and SRANDMEMBER, keyspace
# events compared with a real redis-server, and sets moved both ways between
# Troupe and redis-server through RDB files (checked with redis-check-rdb).
# Every loop is bounded.

import os
from pathlib import Path

import pytest

import harness
from harness import OK, NIL, NULL3, err, integer, bulk, bulks, array

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")
SYNTAX = err("ERR syntax error")


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


def members(reply):
    assert reply[0] in ("*", "~"), reply
    return sorted(x[1].decode() for x in reply[1])


def test_add_remove_query(r):
    assert r.sadd("s", "3", "1", "2", "1") == 3
    assert r.smembers("s") == {b"1", b"2", b"3"}
    assert r.scard("s") == 3
    assert r.sismember("s", "2") is True
    assert r.sismember("s", "9") is False
    assert r.smismember("s", "1", "9", "3") == [1, 0, 1]
    assert r.srem("s", "1", "9") == 1
    assert r.srem("s", "2", "3") == 2
    assert r.exists("s") == 0                  # emptied: deleted
    assert r.smembers("nokey") == set()
    assert r.scard("nokey") == 0


def test_encodings(raw):
    assert raw.call("SADD", "i", "1", "-70000", "9223372036854775807") == integer(3)
    assert raw.call("OBJECT", "ENCODING", "i") == bulk("intset")
    assert raw.call("SMEMBERS", "i") == bulks("-70000", "1", "9223372036854775807")  # sorted
    assert raw.call("SADD", "i", "abc") == integer(1)
    assert raw.call("OBJECT", "ENCODING", "i") == bulk("hashtable")
    assert raw.call("SREM", "i", "abc") == integer(1)
    assert raw.call("OBJECT", "ENCODING", "i") == bulk("hashtable")   # never back
    for m in ("007", "-0", "+1", "1.0", "9223372036854775808"):  # not integers to Redis
        raw.call("DEL", "t")
        assert raw.call("SADD", "t", m) == integer(1)
        assert raw.call("OBJECT", "ENCODING", "t") == bulk("hashtable"), m
    assert raw.call("SADD", "many", *[str(i) for i in range(512)]) == integer(512)
    assert raw.call("OBJECT", "ENCODING", "many") == bulk("intset")
    assert raw.call("SADD", "many", "512") == integer(1)
    assert raw.call("OBJECT", "ENCODING", "many") == bulk("hashtable")
    try:
        assert raw.call("CONFIG", "SET", "set-max-intset-entries", "2") == OK
        assert raw.call("SADD", "c", "1", "2") == integer(2)
        assert raw.call("OBJECT", "ENCODING", "c") == bulk("intset")
        assert raw.call("SADD", "c", "3") == integer(1)
        assert raw.call("OBJECT", "ENCODING", "c") == bulk("hashtable")
    finally:
        raw.call("CONFIG", "SET", "set-max-intset-entries", "512")


def test_wrong_type_and_errors(raw):
    assert raw.call("SET", "str", "v") == OK
    assert raw.call("SADD", "s", "a") == integer(1)
    for args in (["SADD", "str", "a"], ["SMEMBERS", "str"], ["SPOP", "str"],
                 ["SRANDMEMBER", "str", "2"], ["SINTER", "nokey", "str"],
                 ["SUNIONSTORE", "d", "s", "str"], ["SMOVE", "s", "str", "a"],
                 ["SINTERCARD", "2", "s", "str"], ["SSCAN", "str", "0"]):
        assert raw.call(*args) == WRONGTYPE, args
    assert raw.call("SMOVE", "nokey", "str", "a") == integer(0)
    assert raw.call("GET", "str") == bulk("v")
    assert raw.call("EXISTS", "d") == integer(0)
    assert raw.call("SPOP", "s", "-1") == err("ERR value is out of range, must be positive")
    assert raw.call("SPOP", "s", "1", "2") == SYNTAX
    assert raw.call("SRANDMEMBER", "s", "x") == err("ERR value is not an integer or out of range")
    assert raw.call("SINTERCARD", "0", "s") == err("ERR numkeys should be greater than 0")
    assert raw.call("SINTERCARD", "2", "s") == err(
        "ERR Number of keys can't be greater than number of args")
    assert raw.call("SINTERCARD", "1", "s", "LIMIT", "-1") == err("ERR LIMIT can't be negative")
    assert raw.call("SADD", "s") == err("ERR wrong number of arguments for 'sadd' command")


def test_algebra(raw):
    raw.call("SADD", "a", "1", "2", "3", "x")
    raw.call("SADD", "b", "2", "3", "4")
    raw.call("SADD", "c", "3", "x", "9")
    assert members(raw.call("SINTER", "a", "b", "c")) == ["3"]
    assert members(raw.call("SUNION", "a", "b", "nokey")) == ["1", "2", "3", "4", "x"]
    assert members(raw.call("SDIFF", "a", "b", "c")) == ["1"]
    assert raw.call("SINTER", "a", "nokey") == array()
    assert raw.call("SINTERCARD", "2", "a", "b") == integer(2)
    assert raw.call("SINTERCARD", "2", "a", "b", "LIMIT", "1") == integer(1)
    assert raw.call("SINTERSTORE", "d", "a", "b") == integer(2)
    assert raw.call("OBJECT", "ENCODING", "d") == bulk("intset")
    assert raw.call("SUNIONSTORE", "d", "d", "c") == integer(4)
    assert members(raw.call("SMEMBERS", "d")) == ["2", "3", "9", "x"]
    assert raw.call("SDIFFSTORE", "d", "a", "a") == integer(0)
    assert raw.call("EXISTS", "d") == integer(0)
    assert raw.call("EXPIRE", "a", "100") == integer(1)
    assert raw.call("SUNIONSTORE", "a", "a") == integer(4)
    assert raw.call("TTL", "a") == integer(-1)     # a STORE replaces the key and its TTL


def test_smove(raw):
    raw.call("SADD", "src", "1", "x")
    assert raw.call("SMOVE", "src", "dst", "1") == integer(1)
    assert raw.call("OBJECT", "ENCODING", "dst") == bulk("intset")
    assert raw.call("SMOVE", "src", "dst", "1") == integer(0)
    assert raw.call("SMOVE", "src", "src", "x") == integer(1)
    assert raw.call("SMOVE", "src", "dst", "x") == integer(1)
    assert raw.call("EXISTS", "src") == integer(0)
    assert members(raw.call("SMEMBERS", "dst")) == ["1", "x"]


def test_spop_srandmember(raw):
    all_members = [f"m{i}" for i in range(20)]
    raw.call("SADD", "s", *all_members)
    for _ in range(20):
        got = members(raw.call("SRANDMEMBER", "s", "5"))
        assert len(set(got)) == 5 and set(got) <= set(all_members)
        rep = members(raw.call("SRANDMEMBER", "s", "-30"))
        assert len(rep) == 30 and set(rep) <= set(all_members)
    assert members(raw.call("SRANDMEMBER", "s", "100")) == sorted(all_members)
    assert raw.call("SRANDMEMBER", "s", "0") == array()
    assert raw.call("SRANDMEMBER", "nokey") == NIL
    popped = members(raw.call("SPOP", "s", "3"))
    assert len(set(popped)) == 3
    one = raw.call("SPOP", "s")
    assert one[0] == "$" and one[1].decode() not in popped
    assert raw.call("SCARD", "s") == integer(16)
    rest = members(raw.call("SPOP", "s", "1000"))
    assert sorted(rest + popped + [one[1].decode()]) == sorted(all_members)
    assert raw.call("EXISTS", "s") == integer(0)
    assert raw.call("SPOP", "s") == NIL


def test_resp3_shapes(raw):
    assert raw.call("HELLO", "3")[0] == "%"
    raw.call("SADD", "s", "1", "2")
    assert raw.call("SMEMBERS", "s") == ("~", [bulk("1"), bulk("2")])
    assert raw.call("SMEMBERS", "nokey") == ("~", [])
    assert raw.call("SUNION", "s") == ("~", [bulk("1"), bulk("2")])
    assert raw.call("SPOP", "nokey", "3") == ("~", [])
    assert raw.call("SRANDMEMBER", "s", "5") == bulks("1", "2")   # an array, as in Redis
    assert raw.call("SMISMEMBER", "s", "1", "3") == array(integer(1), integer(0))
    assert raw.call("SPOP", "nokey") == NULL3
    popped = raw.call("SPOP", "s", "1")
    assert popped[0] == "~" and len(popped[1]) == 1


def test_sscan(raw):
    raw.call("SADD", "i", "1", "2", "10", "20")
    assert raw.call("SSCAN", "i", "0", "MATCH", "1*", "COUNT", "1") == array(
        bulk("0"), bulks("1", "10"))
    assert raw.call("SSCAN", "i", "0", "COUNT", "0") == SYNTAX
    assert raw.call("SSCAN", "nokey", "0") == array(bulk("0"), array())
    raw.call("SADD", "big", *[f"member:{i}" for i in range(1000)])
    seen, cursor, calls = set(), "0", 0
    while calls < 10000:
        reply = raw.call("SSCAN", "big", cursor, "COUNT", "40")
        cursor = reply[1][0][1].decode()
        seen.update(x[1].decode() for x in reply[1][1][1])
        calls += 1
        if cursor == "0":
            break
    assert cursor == "0" and calls > 1
    assert seen == {f"member:{i}" for i in range(1000)}


def test_keyspace_events_match_redis(server, redis_ref):
    commands = [["SADD", "a", "1", "2", "3"], ["SADD", "a", "1"], ["SREM", "a", "9"],
                ["SREM", "a", "1"], ["SMOVE", "a", "b", "2"], ["SMOVE", "a", "b", "3"],
                ["SADD", "c", "x"], ["SINTERSTORE", "d", "b", "c"], ["SUNIONSTORE", "d", "b", "c"],
                ["SDIFFSTORE", "d", "b", "c"], ["SINTERSTORE", "d", "b", "nokey"],
                ["SPOP", "c"], ["SADD", "e", "1", "2"], ["SPOP", "e", "0"], ["SPOP", "e", "5"],
                ["SADD", "f", "1", "2", "3"], ["SPOP", "f", "1"], ["SMEMBERS", "f"]]
    got, want = harness.keyspace_events_both(server, redis_ref, commands)
    assert got == want
    assert ("__keyevent@0__:spop", "e") in got and ("__keyevent@0__:sunionstore", "d") in got


def _contents(client, keys):
    return {k: (client.smembers(k), client.object("encoding", k)) for k in keys}


def test_rdb_round_trip_both_ways(server_factory):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"no reference server at {REDIS_SERVER}")
    src = server_factory(name="setsave")
    c = src.client()
    c.sadd("i16", "1", "-5", "300")
    c.sadd("i64", "1", "-70000", "9223372036854775807", "-9223372036854775808")
    c.sadd("strs", "a", "1", "", "007")
    c.sadd("bigint", *[str(i) for i in range(600)])
    keys = ["i16", "i64", "strs", "bigint"]
    want = _contents(c, keys)
    assert want["i64"][1] == b"intset" and want["bigint"][1] == b"hashtable"
    assert c.save() is True
    c.close()
    src.stop()
    harness.rdb_check(src.dir / "dump.rdb")
    with harness.ServerProcess(REDIS_SERVER, workdir=src.dir, name="redisload") as red:
        rc = red.client()
        assert _contents(rc, keys) == want
        rc.sadd("fromredis_int", "7", "-1", "100000")
        rc.sadd("fromredis_str", "x", "y", "3")
        keys += ["fromredis_int", "fromredis_str"]
        want = _contents(rc, keys)
        assert rc.save() is True
        rc.close()
    with harness.ServerProcess(src.binary, workdir=src.dir, name="setload") as back:
        bc = back.client()
        assert _contents(bc, keys) == want
