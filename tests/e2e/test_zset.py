# End-to-end tests of the sorted-set commands against a real troupe-server:
# redis-py usage, byte-exact RESP2 and RESP3 reply shapes (scores as "%.17g"
# bulk strings or RESP3 doubles, WITHSCORES as RESP3 pairs), Redis 7.0's
# error texts, listpack -> skiplist conversions (OBJECT ENCODING, CONFIG
# SET), ZSCAN over a skiplist, blocking BZPOPMIN/BZPOPMAX/BZMPOP (FIFO
# wake-ups across connections, timeouts, inside MULTI), keyspace events, and
# RDB round trips both ways with redis-server 7.0.15. Every loop is bounded.

import shutil
import socket
import subprocess
import time

import pytest

import harness
from harness import encode_command, err, integer, bulk, bulks, array

NULL_ARRAY = ("*", None)
WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")


def dbl(s):
    return (",", s)


def test_redis_py_basics(r):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3.5}) == 3
    assert r.zadd("z", {"a": 10}, xx=True, ch=True) == 1
    assert r.zrange("z", 0, -1, withscores=True) == [(b"b", 2.0), (b"c", 3.5), (b"a", 10.0)]
    assert r.zrangebyscore("z", "(2", "+inf") == [b"c", b"a"]
    assert r.zrevrangebyscore("z", 5, "-inf", withscores=True) == [(b"c", 3.5), (b"b", 2.0)]
    assert r.zincrby("z", -0.5, "c") == 3.0
    assert r.zrank("z", "c") == 1 and r.zrevrank("z", "c") == 1
    assert r.zscore("z", "nope") is None
    assert r.zcount("z", "-inf", "+inf") == 3
    assert r.zpopmin("z") == [(b"b", 2.0)]
    assert r.zcard("z") == 2


def test_resp2_replies(raw):
    assert raw.call("ZADD", "z", "0.1", "a", "2", "b", "inf", "c") == integer(3)
    assert raw.call("ZSCORE", "z", "a") == bulk("0.10000000000000001")
    assert raw.call("ZSCORE", "z", "c") == bulk("inf")
    assert raw.call("ZRANGE", "z", "0", "0", "WITHSCORES") == bulks("a", "0.10000000000000001")
    assert raw.call("ZPOPMAX", "z") == bulks("c", "inf")
    assert raw.call("ZMSCORE", "z", "b", "x") == bulks("2", None)
    assert raw.call("ZMPOP", "1", "z", "MIN", "COUNT", "1") == \
        array(bulk("z"), array(bulks("a", "0.10000000000000001")))
    assert raw.call("ZMPOP", "1", "nokey", "MIN") == NULL_ARRAY
    assert raw.call("ZPOPMIN", "nokey") == array()


def test_resp3_replies(raw):
    assert raw.call("HELLO", "3")[0] == "%"
    raw.call("ZADD", "z", "1", "a", "2.5", "b", "3", "c")
    assert raw.call("ZSCORE", "z", "b") == dbl("2.5")
    assert raw.call("ZRANGE", "z", "0", "1", "WITHSCORES") == \
        array(array(bulk("a"), dbl("1")), array(bulk("b"), dbl("2.5")))
    assert raw.call("ZUNION", "1", "z", "WITHSCORES")[1][2] == array(bulk("c"), dbl("3"))
    # A count beyond the size returns the whole set, highest score first.
    assert raw.call("ZRANDMEMBER", "z", "5", "WITHSCORES")[1][0] == array(bulk("c"), dbl("3"))
    assert raw.call("ZPOPMIN", "z") == array(bulk("a"), dbl("1"))          # flat without count
    assert raw.call("ZPOPMIN", "z", "1") == array(array(bulk("b"), dbl("2.5")))  # pairs with one
    assert raw.call("BZPOPMAX", "z", "0") == array(bulk("z"), bulk("c"), dbl("3"))
    assert raw.call("ZSCORE", "z", "a") == ("_", None)
    assert raw.call("ZMPOP", "1", "z", "MAX") == ("_", None)


def test_error_texts(raw):
    raw.call("ZADD", "z", "1", "a")
    raw.call("SET", "s", "x")
    cases = [
        (["ZADD", "z", "NX", "XX", "1", "a"], "ERR XX and NX options at the same time are not compatible"),
        (["ZADD", "z", "GT", "NX", "1", "a"],
         "ERR GT, LT, and/or NX options at the same time are not compatible"),
        (["ZADD", "z", "INCR", "1", "a", "1", "b"],
         "ERR INCR option supports a single increment-element pair"),
        (["ZADD", "z", "x", "a"], "ERR value is not a valid float"),
        (["ZADD", "z", "1"], "ERR wrong number of arguments for 'zadd' command"),
        (["ZADD", "z", "nx", "1"], "ERR syntax error"),
        (["ZRANGEBYSCORE", "z", "(x", "1"], "ERR min or max is not a float"),
        (["ZRANGEBYLEX", "z", "a", "+"], "ERR min or max not valid string range item"),
        (["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
         "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
        (["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
         "ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
        (["ZPOPMIN", "z", "-1"], "ERR value is out of range, must be positive"),
        (["ZMPOP", "0", "z", "MIN"], "ERR numkeys should be greater than 0"),
        (["ZMPOP", "1", "z", "MIN", "COUNT", "0"], "ERR count should be greater than 0"),
        (["ZUNIONSTORE", "d", "0", "z"], "ERR at least 1 input key is needed for 'zunionstore' command"),
        (["ZINTER", "1", "z", "WEIGHTS", "x"], "ERR weight value is not a float"),
        (["ZINTERCARD", "1", "z", "LIMIT", "-1"], "ERR LIMIT can't be negative"),
        (["ZRANDMEMBER", "z", "-9223372036854775808"],
         "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
        (["ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"], "ERR value is out of range"),
        (["ZSCAN", "z", "abc"], "ERR invalid cursor"),
        (["BZPOPMIN", "z", "-1"], "ERR timeout is negative"),
        (["BZPOPMIN", "z", "x"], "ERR timeout is not a float or out of range"),
        (["ZREMRANGEBYRANK", "z", "x", "1"], "ERR value is not an integer or out of range"),
        (["ZADD", "s", "1", "a"], WRONGTYPE[1]),
        (["ZRANGE", "s", "0", "1"], WRONGTYPE[1]),
        (["ZUNION", "2", "z", "s"], WRONGTYPE[1]),
    ]
    for args, text in cases:
        assert raw.call(*args) == err(text), args
    raw.call("ZADD", "z", "inf", "i")
    assert raw.call("ZINCRBY", "z", "-inf", "i") == err("ERR resulting score is not a number (NaN)")
    assert raw.call("ZSCORE", "z", "i") == bulk("inf")  # unchanged


def test_encodings_follow_config(raw):
    try:
        assert raw.call("CONFIG", "SET", "zset-max-listpack-entries", "4")[0] == "+"
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
        assert raw.call("OBJECT", "ENCODING", "z") == bulk("listpack")
        raw.call("ZADD", "z", "5", "e")
        assert raw.call("OBJECT", "ENCODING", "z") == bulk("skiplist")
        raw.call("ZREM", "z", "a", "b", "c")
        assert raw.call("OBJECT", "ENCODING", "z") == bulk("skiplist")  # never converts back
        assert raw.call("ZUNIONSTORE", "u", "1", "z") == integer(2)
        assert raw.call("OBJECT", "ENCODING", "u") == bulk("listpack")  # stores pick again
    finally:
        raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    assert raw.call("ZADD", "long", "1", "x" * 65) == integer(1)
    assert raw.call("OBJECT", "ENCODING", "long") == bulk("skiplist")


def test_big_set_ranks_and_scan(r):
    n = 5000
    r.zadd("big", {f"m{i:05d}": i for i in range(n)})
    assert r.object("encoding", "big") == b"skiplist"
    assert r.zrank("big", "m04000") == 4000
    assert r.zrevrank("big", "m04000") == n - 1 - 4000
    assert r.zrange("big", 2500, 2502) == [b"m02500", b"m02501", b"m02502"]
    assert r.zcount("big", "(100", "200") == 100
    assert r.zremrangebyrank("big", 0, 999) == 1000
    seen, cursor, calls = {}, 0, 0
    while True:
        cursor, items = r.zscan("big", cursor, count=100)
        seen.update(items)
        calls += 1
        assert calls < 10000
        if cursor == 0:
            break
    assert len(seen) == n - 1000
    assert seen[b"m04999"] == 4999.0


class Blocker:
    """A raw connection that sent one blocking command; its reply is read later."""

    def __init__(self, port, *args):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(encode_command(*args))
        self.reader = harness.RespReader(self.sock)

    def reply(self, timeout_s=5.0):
        self.sock.settimeout(timeout_s)
        return self.reader.read()[0]

    def has_reply(self, wait_s=0.1):
        self.sock.settimeout(wait_s)
        try:
            return bool(self.sock.recv(1, socket.MSG_PEEK))
        except (socket.timeout, BlockingIOError):
            return False

    def close(self):
        self.sock.close()


def test_bzpopmin_serves_blocked_clients_in_order(server, raw):
    first = Blocker(server.port, "BZPOPMIN", "q", "5")
    time.sleep(0.05)
    second = Blocker(server.port, "BZPOPMAX", "other", "q", "5")
    time.sleep(0.05)
    try:
        assert raw.call("ZADD", "q", "1", "a") == integer(1)
        assert first.reply() == bulks("q", "a", "1")
        assert not second.has_reply()
        raw.call("ZADD", "q", "7", "b", "8", "c")
        assert second.reply() == bulks("q", "c", "8")
        assert raw.call("ZRANGE", "q", "0", "-1") == bulks("b")
    finally:
        first.close()
        second.close()


def test_blocked_client_ignores_a_key_of_another_type(server, raw):
    # Redis serves a parked BZPOPMIN only from a sorted set: a string written
    # to the key keeps it waiting (only the first run answers WRONGTYPE).
    b = Blocker(server.port, "BZPOPMIN", "w", "5")
    time.sleep(0.05)
    try:
        assert raw.call("SET", "w", "x")[0] == "+"
        assert not b.has_reply(0.2)
        raw.call("DEL", "w")
        raw.call("ZADD", "w", "3", "m")
        assert b.reply() == bulks("w", "m", "3")
    finally:
        b.close()
    raw.call("SET", "w", "x")
    assert raw.call("BZPOPMIN", "w", "1") == WRONGTYPE


def test_bzmpop_wakes_with_count(server, raw):
    b = Blocker(server.port, "BZMPOP", "5", "2", "x", "y", "MIN", "COUNT", "2")
    time.sleep(0.05)
    try:
        raw.call("ZADD", "y", "3", "c", "1", "a", "2", "b")
        assert b.reply() == array(bulk("y"), array(bulks("a", "1"), bulks("b", "2")))
    finally:
        b.close()


def test_blocking_timeout_is_honoured(server):
    b = Blocker(server.port, "BZPOPMIN", "nokey", "0.2")
    start = time.monotonic()
    try:
        assert b.reply() == NULL_ARRAY
        elapsed = time.monotonic() - start
        assert 0.18 <= elapsed < 1.0, elapsed
    finally:
        b.close()


def test_blocking_inside_multi_does_not_block(raw):
    assert raw.call("MULTI")[0] == "+"
    assert raw.call("BZPOPMIN", "nokey", "0")[0] == "+"
    assert raw.call("BZMPOP", "0", "1", "nokey", "MAX")[0] == "+"
    assert raw.call("EXEC") == array(NULL_ARRAY, NULL_ARRAY)


def test_keyspace_events(server, raw):
    raw.call("CONFIG", "SET", "notify-keyspace-events", "Ezg")
    sub = server.raw()
    try:
        assert sub.call("PSUBSCRIBE", "__keyevent@0__:*")[0] == "*"
        raw.call("ZADD", "k", "1", "a", "2", "b")
        raw.call("ZADD", "k", "INCR", "1", "a")
        raw.call("ZADD", "k", "2", "b")          # no change: no event
        raw.call("ZREM", "k", "a")
        raw.call("ZUNIONSTORE", "u", "1", "k")
        raw.call("ZPOPMIN", "k")                 # empties k
        raw.call("ZINTERSTORE", "u", "1", "nokey")  # deletes u
        want = ["zadd", "zincr", "zrem", "zunionstore", "zpopmin", "del", "del"]
        got = []
        sub.settimeout(5)
        for _ in want:
            msg = sub.read()
            got.append(msg[1][2][1].decode().split(":", 1)[1])
        assert got == want
    finally:
        raw.call("CONFIG", "SET", "notify-keyspace-events", "")
        sub.close()


def _fill(r):
    r.zadd("small", {"a": 1, "b": 2.5, "c": float("-inf"), "d": 1e-300})
    r.zadd("big", {f"m{i}": i / 3 for i in range(300)})
    r.zadd("long", {"x" * 100: 1})
    return {k: r.zrange(k, 0, -1, withscores=True) for k in (b"small", b"big", b"long")}


def _dump(r):
    return {k: r.zrange(k, 0, -1, withscores=True) for k in sorted(r.keys())}


def test_rdb_round_trip(server_factory):
    srv = server_factory()
    r = srv.client()
    want = _fill(r)
    assert r.save()
    srv.stop()
    srv.start()
    r = srv.client()
    assert _dump(r) == want
    assert r.object("encoding", "small") == b"listpack"
    assert r.object("encoding", "big") == b"skiplist"


def _start_redis(port, d):
    return subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--dir", str(d)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _redis_client(port):
    import redis
    r = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            r.ping()
            return r
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_rdb_both_ways_with_redis(server_factory, tmp_path):
    # Redis writes small sets as listpacks (type 17), big ones as ZSET_2.
    port = harness.free_port()
    proc = _start_redis(port, tmp_path)
    try:
        want = _fill(_redis_client(port))
        _redis_client(port).save()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    srv = server_factory("--dbfilename", "dump.rdb", "--dir", str(tmp_path))
    r = srv.client()
    assert _dump(r) == want
    # And back: Troupe's file loads into redis-server with the same contents.
    r.zadd("extra", {"e": 5})
    want = _dump(r)
    assert r.save()
    srv.stop()
    check = subprocess.run(["redis-check-rdb", str(tmp_path / "dump.rdb")],
                           capture_output=True, text=True, timeout=30)
    assert "RDB looks OK" in check.stdout, check.stdout
    port = harness.free_port()
    proc = _start_redis(port, tmp_path)
    try:
        rr = _redis_client(port)
        assert _dump(rr) == want
        assert rr.object("encoding", "small") == b"listpack"
        assert rr.object("encoding", "big") == b"skiplist"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
