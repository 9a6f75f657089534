# End-to-end tests of the list commands against a real server: LPUSH RPUSH
# LPUSHX RPUSHX LPOP RPOP (counts) LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
# LPOS LMOVE RPOPLPUSH LMPOP, exact replies in RESP2 and RESP3, the empty
# list disappearing, WRONGTYPE leaving values alone, a long list against a
# Python model, keyspace events, blocked clients that keep waiting when
# their key turns into another type, and RDB round trips (SAVE and restart,
# and a file written by redis-server). Replies are redis-server 7.0.15's.

import random
import re
import shutil
import socket
import subprocess
import time

import pytest

from harness import NIL, NIL_ARRAY, NULL3, OK, array, bulk, bulks, encode_command, err, integer

WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_INT = err("ERR value is not an integer or out of range")
SYNTAX = err("ERR syntax error")


def test_push_range_len(raw):
    assert raw.call("RPUSH", "l", "a", "b", "c") == integer(3)
    assert raw.call("LPUSH", "l", "x", "y") == integer(5)
    assert raw.call("LRANGE", "l", "0", "-1") == bulks("y", "x", "a", "b", "c")
    assert raw.call("LRANGE", "l", "-100", "1") == bulks("y", "x")
    assert raw.call("LRANGE", "l", "4", "2") == array()
    assert raw.call("LRANGE", "l", "9", "20") == array()
    assert raw.call("LRANGE", "nokey", "0", "-1") == array()
    assert raw.call("LRANGE", "l", "0", "x") == NOT_INT
    assert raw.call("LLEN", "l") == integer(5)
    assert raw.call("LPUSHX", "nokey", "a") == integer(0)
    assert raw.call("RPUSHX", "l", "z", "w") == integer(7)
    assert raw.call("EXISTS", "nokey") == integer(0)
    assert raw.call("TYPE", "l") == ("+", "list")
    assert raw.call("OBJECT", "ENCODING", "l") == bulk("quicklist")


def test_pop_counts_and_empty_lists_vanish(raw):
    raw.call("RPUSH", "l", "a", "b", "c", "d")
    assert raw.call("LPOP", "l") == bulk("a")
    assert raw.call("RPOP", "l", "2") == bulks("d", "c")
    assert raw.call("LPOP", "l", "0") == array()
    assert raw.call("LPOP", "l", "-1") == err("ERR value is out of range, must be positive")
    assert raw.call("LPOP", "l", "x") == err("ERR value is out of range, must be positive")
    assert raw.call("LPOP", "l", "1", "2") == err("ERR wrong number of arguments for 'lpop' command")
    assert raw.call("RPOP", "l", "5") == bulks("b")
    assert raw.call("EXISTS", "l") == integer(0)
    assert raw.call("LPOP", "l") == NIL
    assert raw.call("LPOP", "l", "0") == NIL_ARRAY
    assert raw.call("LPOP", "l", "3") == NIL_ARRAY


def test_resp3_null_shapes(raw):
    assert raw.call("HELLO", "3")[0] == "%"
    assert raw.call("LPOP", "nokey") == NULL3
    assert raw.call("RPOP", "nokey", "2") == NULL3
    assert raw.call("LINDEX", "nokey", "0") == NULL3
    assert raw.call("LPOS", "nokey", "a") == NULL3
    assert raw.call("LMPOP", "1", "nokey", "LEFT") == NULL3
    assert raw.call("LMOVE", "nokey", "d", "LEFT", "LEFT") == NULL3
    assert raw.call("BLPOP", "nokey", "0.01") == NULL3
    assert raw.call("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01") == NULL3
    raw.call("RPUSH", "l", "a")
    assert raw.call("LMPOP", "1", "l", "LEFT") == array(bulk("l"), bulks("a"))


def test_index_set_insert(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    assert raw.call("LINDEX", "l", "0") == bulk("a")
    assert raw.call("LINDEX", "l", "-1") == bulk("c")
    assert raw.call("LINDEX", "l", "3") == NIL
    assert raw.call("LINDEX", "l", "x") == NOT_INT
    assert raw.call("LINDEX", "nokey", "x") == NIL
    assert raw.call("LSET", "l", "-2", "B") == OK
    assert raw.call("LSET", "l", "3", "B") == err("ERR index out of range")
    assert raw.call("LSET", "nokey", "0", "B") == err("ERR no such key")
    assert raw.call("LSET", "l", "x", "B") == NOT_INT
    assert raw.call("LINSERT", "l", "BEFORE", "B", "x") == integer(4)
    assert raw.call("LINSERT", "l", "after", "c", "y") == integer(5)
    assert raw.call("LINSERT", "l", "AFTER", "nope", "y") == integer(-1)
    assert raw.call("LINSERT", "l", "UNDER", "c", "y") == SYNTAX
    assert raw.call("LINSERT", "nokey", "BEFORE", "c", "y") == integer(0)
    assert raw.call("LRANGE", "l", "0", "-1") == bulks("a", "x", "B", "c", "y")


def test_rem_trim(raw):
    raw.call("RPUSH", "l", "a", "b", "a", "c", "a", "a")
    assert raw.call("LREM", "l", "1", "a") == integer(1)
    assert raw.call("LREM", "l", "-2", "a") == integer(2)
    assert raw.call("LRANGE", "l", "0", "-1") == bulks("b", "a", "c")
    assert raw.call("LREM", "l", "0", "zz") == integer(0)
    assert raw.call("LREM", "l", "x", "a") == NOT_INT
    assert raw.call("LTRIM", "l", "1", "-1") == OK
    assert raw.call("LRANGE", "l", "0", "-1") == bulks("a", "c")
    assert raw.call("LTRIM", "l", "1", "0") == OK
    assert raw.call("EXISTS", "l") == integer(0)
    assert raw.call("LTRIM", "nokey", "0", "1") == OK
    raw.call("RPUSH", "l", "a", "a")
    assert raw.call("LREM", "l", "0", "a") == integer(2)
    assert raw.call("EXISTS", "l") == integer(0)


def test_lpos(raw):
    raw.call("RPUSH", "l", "a", "b", "c", "a", "b", "c", "a")
    assert raw.call("LPOS", "l", "a") == integer(0)
    assert raw.call("LPOS", "l", "a", "RANK", "2") == integer(3)
    assert raw.call("LPOS", "l", "a", "RANK", "-1") == integer(6)
    assert raw.call("LPOS", "l", "a", "COUNT", "0") == array(integer(0), integer(3), integer(6))
    assert raw.call("LPOS", "l", "a", "COUNT", "2", "RANK", "-1") == array(integer(6), integer(3))
    assert raw.call("LPOS", "l", "a", "RANK", "2", "MAXLEN", "3") == NIL
    assert raw.call("LPOS", "l", "z") == NIL
    assert raw.call("LPOS", "l", "z", "COUNT", "1") == array()
    assert raw.call("LPOS", "l", "a", "RANK", "-9223372036854775808") == integer(6)
    assert raw.call("LPOS", "l", "a", "RANK", "0") == err(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")
    assert raw.call("LPOS", "l", "a", "COUNT", "-1") == err("ERR COUNT can't be negative")
    assert raw.call("LPOS", "l", "a", "MAXLEN", "x") == err("ERR MAXLEN can't be negative")
    assert raw.call("LPOS", "l", "a", "RANK") == SYNTAX
    assert raw.call("LPOS", "nokey", "a", "COUNT", "0") == array()


def test_moves(raw):
    raw.call("RPUSH", "src", "a", "b", "c")
    assert raw.call("LMOVE", "src", "dst", "LEFT", "RIGHT") == bulk("a")
    assert raw.call("RPOPLPUSH", "src", "dst") == bulk("c")
    assert raw.call("LRANGE", "dst", "0", "-1") == bulks("c", "a")
    assert raw.call("LMOVE", "src", "src", "LEFT", "RIGHT") == bulk("b")  # one element: stays
    assert raw.call("LRANGE", "src", "0", "-1") == bulks("b")
    assert raw.call("LMOVE", "dst", "dst", "RIGHT", "LEFT") == bulk("a")
    assert raw.call("LRANGE", "dst", "0", "-1") == bulks("a", "c")
    assert raw.call("LMOVE", "nokey", "dst", "LEFT", "LEFT") == NIL
    assert raw.call("LMOVE", "src", "dst", "UP", "LEFT") == SYNTAX
    raw.call("SET", "s", "x")
    assert raw.call("LMOVE", "src", "s", "LEFT", "LEFT") == WRONGTYPE
    assert raw.call("LRANGE", "src", "0", "-1") == bulks("b")  # nothing popped
    assert raw.call("LMOVE", "nokey", "s", "LEFT", "LEFT") == NIL


def test_lmpop(raw):
    raw.call("RPUSH", "b", "1", "2", "3")
    assert raw.call("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2") == array(bulk("b"), bulks("3", "2"))
    assert raw.call("LMPOP", "2", "a", "b", "LEFT", "COUNT", "9") == array(bulk("b"), bulks("1"))
    assert raw.call("EXISTS", "b") == integer(0)
    assert raw.call("LMPOP", "2", "a", "b", "LEFT") == NIL_ARRAY
    assert raw.call("LMPOP", "0", "a", "LEFT") == err("ERR numkeys should be greater than 0")
    assert raw.call("LMPOP", "2", "a", "LEFT") == SYNTAX
    assert raw.call("LMPOP", "1", "a", "LEFT", "COUNT", "0") == err("ERR count should be greater than 0")
    assert raw.call("LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1") == SYNTAX
    raw.call("SET", "s", "x")
    assert raw.call("LMPOP", "2", "a", "s", "LEFT") == WRONGTYPE


def test_wrong_type_changes_nothing(raw):
    raw.call("SET", "s", "v")
    for cmd in (("LPUSH", "s", "a"), ("RPUSHX", "s", "a"), ("LPOP", "s"), ("RPOP", "s", "0"),
                ("LLEN", "s"), ("LRANGE", "s", "0", "-1"), ("LINDEX", "s", "0"),
                ("LSET", "s", "0", "x"), ("LINSERT", "s", "BEFORE", "a", "b"),
                ("LREM", "s", "0", "a"), ("LTRIM", "s", "0", "1"), ("LPOS", "s", "a"),
                ("LMOVE", "s", "d", "LEFT", "LEFT"), ("BLPOP", "s", "0"),
                ("BLMPOP", "0", "1", "s", "LEFT")):
        assert raw.call(*cmd) == WRONGTYPE, cmd
    assert raw.call("GET", "s") == bulk("v")


def test_long_list_against_a_model(raw):
    """Seeded random operations on lists spanning many nodes (bounded)."""
    rng = random.Random(3)
    model = []
    values = ["a", "b", "", "x" * 100, "y" * 3000, "12", "-7"]
    for step in range(1500):
        op = rng.randrange(9)
        v = rng.choice(values)
        if op <= 1:
            vals = [rng.choice(values) for _ in range(rng.randint(1, 60))]
            if op == 0:
                raw.call("RPUSH", "l", *vals)
                model.extend(vals)
            else:
                raw.call("LPUSH", "l", *vals)
                model[:0] = reversed(vals)
        elif op == 2 and model:
            n = rng.randint(1, 5)
            raw.call("LPOP", "l", str(n))
            del model[:n]
        elif op == 3 and model:
            i = rng.randrange(len(model))
            assert raw.call("LSET", "l", str(i), v) == OK
            model[i] = v
        elif op == 4 and model:
            pivot = rng.choice(model)
            where = rng.choice(["BEFORE", "AFTER"])
            raw.call("LINSERT", "l", where, pivot, v)
            i = model.index(pivot) + (where == "AFTER")
            model.insert(i, v)
        elif op == 5 and model:
            count = rng.randint(-2, 2)
            got = raw.call("LREM", "l", str(count), v)[1]
            idx = [i for i, x in enumerate(model) if x == v]
            if count > 0:
                idx = idx[:count]
            elif count < 0:
                idx = idx[count:]
            for i in reversed(idx):
                del model[i]
            assert got == len(idx)
        elif op == 6 and model:
            i = rng.randrange(-len(model), len(model))
            assert raw.call("LINDEX", "l", str(i)) == bulk(model[i])
        elif op == 7 and len(model) > 300:
            start, stop = rng.randint(0, 50), rng.randint(-50, -1)
            raw.call("LTRIM", "l", str(start), str(stop))
            model = model[start:len(model) + stop + 1]
        if step % 100 == 0:
            assert raw.call("LLEN", "l") == integer(len(model))
            assert raw.call("LRANGE", "l", "0", "-1") == bulks(*model)
    assert raw.call("LRANGE", "l", "0", "-1") == bulks(*model)


def test_keyspace_events(server_factory):
    srv = server_factory("--notify-keyspace-events", "KEA")
    sub = srv.raw()
    assert sub.call("PSUBSCRIBE", "__keyevent@0__:*")[0] == "*"
    c = srv.raw()

    def events(*cmd):
        c.call(*cmd)
        data = b""
        for _ in range(20):  # bounded: events arrive right after the reply
            chunk = sub.pending(0.1)
            if not chunk:
                break
            data += chunk
        return [(e.decode(), k.decode()) for e, k in re.findall(
            rb"\$\d+\r\n__keyevent@0__:([a-z]+)\r\n\$\d+\r\n([^\r]*)\r\n", data)]

    assert events("RPUSH", "l", "a", "b", "c") == [("rpush", "l")]
    assert events("LPUSH", "l", "x") == [("lpush", "l")]
    assert events("LINSERT", "l", "BEFORE", "a", "y") == [("linsert", "l")]
    assert events("LSET", "l", "0", "z") == [("lset", "l")]
    assert events("LREM", "l", "0", "nope") == []
    assert events("LREM", "l", "1", "y") == [("lrem", "l")]
    assert events("LTRIM", "l", "0", "-1") == [("ltrim", "l")]
    assert events("LMOVE", "l", "m", "LEFT", "RIGHT") == [("rpush", "m"), ("lpop", "l")]
    assert events("RPOP", "m") == [("rpop", "m"), ("del", "m")]
    assert events("LMPOP", "1", "l", "RIGHT", "COUNT", "9") == [("rpop", "l"), ("del", "l")]


def _blocker(port, *args):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(encode_command(*args))
    return s


def _pending(s, wait_s):
    s.settimeout(wait_s)
    try:
        return s.recv(65536)
    except socket.timeout:
        return b""


def test_blocked_client_waits_while_its_key_has_another_type(server, raw):
    for cmd, served in ((("BLPOP", "k", "5"), b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"),
                        (("BLMOVE", "k", "d", "LEFT", "LEFT", "5"), b"$1\r\nv\r\n"),
                        (("BLMPOP", "5", "1", "k", "LEFT"), b"*2\r\n$1\r\nk\r\n*1\r\n$1\r\nv\r\n")):
        raw.call("DEL", "k", "d")
        s = _blocker(server.port, *cmd)
        time.sleep(0.05)
        assert raw.call("SET", "k", "x") == OK
        assert _pending(s, 0.2) == b"", cmd      # still blocked, no WRONGTYPE
        raw.call("DEL", "k")
        raw.call("RPUSH", "k", "v")
        assert _pending(s, 2) == served, cmd
        s.close()


def test_blmove_to_a_string_replies_wrongtype_and_keeps_the_element(server, raw):
    raw.call("SET", "d", "x")
    s = _blocker(server.port, "BLMOVE", "k", "d", "LEFT", "LEFT", "5")
    time.sleep(0.05)
    raw.call("RPUSH", "k", "v")
    assert _pending(s, 2) == b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    assert raw.call("LRANGE", "k", "0", "-1") == bulks("v")
    s.close()


def test_blocking_timeout_replies(raw):
    assert raw.call("BLMOVE", "a", "b", "LEFT", "LEFT", "0.01") == NIL_ARRAY  # as Redis 7.0
    assert raw.call("BRPOPLPUSH", "a", "b", "0.01") == NIL_ARRAY
    assert raw.call("BLMPOP", "0.01", "1", "a", "LEFT") == NIL_ARRAY
    assert raw.call("MULTI") == OK
    raw.call("BLMOVE", "a", "b", "LEFT", "LEFT", "0")
    raw.call("BRPOPLPUSH", "a", "b", "0")
    raw.call("BLPOP", "a", "0")
    assert raw.call("EXEC") == array(NIL, NIL, NIL_ARRAY)


def _fill_lists(r):
    rng = random.Random(5)
    vals = [b"", b"a", b"0", b"-1", b"127", b"128", b"-4096", b"4096", b"32768", b"8388608",
            b"2147483648", b"-9223372036854775808", b"9223372036854775807", b"007", b"1.5",
            b"x" * 64, b"y" * 5000, bytes(range(256))]
    want = {}
    for i in range(12):
        items = [rng.choice(vals) for _ in range(rng.choice([1, 3, 200, 3000]))]
        for j in range(0, len(items), 500):
            r.rpush(f"list:{i}", *items[j:j + 500])
        want[f"list:{i}".encode()] = items
    r.expire("list:0", 100000)
    return want


def _lists(r):
    return {k: r.lrange(k, 0, -1) for k in r.keys("list:*")}


def test_rdb_round_trip(server_factory):
    srv = server_factory()
    r = srv.client()
    want = _fill_lists(r)
    assert r.save()
    srv.stop()
    srv.start()
    r = srv.client()
    assert _lists(r) == want
    assert r.ttl("list:0") > 0


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_loads_an_rdb_written_by_redis(server_factory, tmp_path):
    port = None
    import harness
    port = harness.free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", str(tmp_path), "--list-compress-depth", "1",
                             "--list-max-listpack-size", "7"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis
        r = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        want = _fill_lists(r)
        r.save()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    srv = server_factory("--dbfilename", "dump.rdb", "--dir", str(tmp_path))
    assert _lists(srv.client()) == want
