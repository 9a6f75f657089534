# End-to-end tests of the generic key commands: DEL, UNLINK, EXISTS, TYPE,
# KEYS, SCAN (MATCH/COUNT/TYPE), RANDOMKEY, RENAME, RENAMENX, MOVE, COPY,
# EXPIRE family with NX/XX/GT/LT, TTL/PTTL, EXPIRETIME/PEXPIRETIME, PERSIST,
# TOUCH and OBJECT, with the replies of redis-server 7.0.15.

import time

from harness import OK, NIL, err, integer, bulk, bulks, array, status

SYNTAX = err("ERR syntax error")
NOT_INT = err("ERR value is not an integer or out of range")


def test_del_unlink_exists(raw):
    assert raw.call("MSET", "a", "1", "b", "2", "c", "3") == OK
    assert raw.call("EXISTS", "a", "b", "nokey") == integer(2)
    assert raw.call("EXISTS", "a", "a", "a") == integer(3)
    assert raw.call("DEL", "a", "nokey") == integer(1)
    assert raw.call("DEL", "a") == integer(0)
    assert raw.call("UNLINK", "b", "c", "b") == integer(2)
    assert raw.call("EXISTS", "a", "b", "c") == integer(0)
    assert raw.call("DEL") == err("ERR wrong number of arguments for 'del' command")
    assert raw.call("EXISTS") == err("ERR wrong number of arguments for 'exists' command")


def test_type(raw):
    assert raw.call("SET", "s", "x") == OK
    assert raw.call("TYPE", "s") == status("string")
    assert raw.call("TYPE", "nokey") == status("none")


def test_keys(raw):
    assert raw.call("MSET", "hello", "1", "hallo", "2", "hxllo", "3", "hllo", "4",
                    "heeeello", "5", "a*b", "6") == OK
    def keys(pattern):
        reply = raw.call("KEYS", pattern)
        assert reply[0] == "*"
        return sorted(x[1].decode() for x in reply[1])
    assert keys("*") == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b"])
    assert keys("h?llo") == ["hallo", "hello", "hxllo"]
    assert keys("h*llo") == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello"])
    assert keys("h[ae]llo") == ["hallo", "hello"]
    assert keys("h[^e]llo") == ["hallo", "hxllo"]
    assert keys("h[a-b]llo") == ["hallo"]
    assert keys("a\\*b") == ["a*b"]
    assert keys("nomatch*") == []


def test_scan_full_iteration(raw):
    names = {f"key:{i}" for i in range(300)}
    args = []
    for n in names:
        args += [n, "v"]
    assert raw.call("MSET", *args) == OK
    assert raw.call("SET", "other", "x") == OK
    seen, cursor = set(), "0"
    for _ in range(10000):  # bounded: SCAN must finish long before this
        reply = raw.call("SCAN", cursor, "MATCH", "key:*", "COUNT", "50")
        assert reply[0] == "*" and len(reply[1]) == 2
        cursor = reply[1][0][1].decode()
        assert reply[1][1][0] == "*"
        seen.update(x[1].decode() for x in reply[1][1][1])
        if cursor == "0":
            break
    assert cursor == "0"
    assert seen == names


def test_scan_type_and_count(raw):
    assert raw.call("MSET", "a", "1", "b", "2", "c", "3") == OK
    reply = raw.call("SCAN", "0", "COUNT", "1000")
    assert reply[1][0] == bulk("0")
    assert sorted(x[1] for x in reply[1][1][1]) == [b"a", b"b", b"c"]
    reply = raw.call("SCAN", "0", "TYPE", "string", "COUNT", "1000")
    assert sorted(x[1] for x in reply[1][1][1]) == [b"a", b"b", b"c"]
    reply = raw.call("SCAN", "0", "TYPE", "hash", "COUNT", "1000")
    assert reply == array(bulk("0"), array())
    reply = raw.call("scan", "0", "match", "b", "count", "1000", "type", "string")
    assert reply == array(bulk("0"), bulks("b"))


def test_scan_errors(raw):
    assert raw.call("SCAN", "abc") == err("ERR invalid cursor")
    assert raw.call("SCAN", "18446744073709551616") == err("ERR invalid cursor")
    assert raw.call("SCAN", "0", "COUNT", "0") == SYNTAX
    assert raw.call("SCAN", "0", "COUNT", "-1") == SYNTAX
    assert raw.call("SCAN", "0", "COUNT", "abc") == NOT_INT
    assert raw.call("SCAN", "0", "MATCH") == SYNTAX
    assert raw.call("SCAN", "0", "FOO", "bar") == SYNTAX
    assert raw.call("SCAN") == err("ERR wrong number of arguments for 'scan' command")
    # an empty keyspace ends at once
    assert raw.call("SCAN", "0") == array(bulk("0"), array())


def test_randomkey(raw):
    assert raw.call("RANDOMKEY") == NIL
    assert raw.call("MSET", "a", "1", "b", "2") == OK
    for _ in range(20):
        assert raw.call("RANDOMKEY") in (bulk("a"), bulk("b"))


def test_rename_renamenx(raw):
    assert raw.call("SET", "a", "1", "EX", "100") == OK
    assert raw.call("RENAME", "a", "b") == OK
    assert raw.call("EXISTS", "a") == integer(0)
    assert raw.call("GET", "b") == bulk("1")
    assert 99 <= raw.call("TTL", "b")[1] <= 100  # TTL moves with the key
    assert raw.call("RENAME", "b", "b") == OK
    assert raw.call("RENAME", "nokey", "x") == err("ERR no such key")
    assert raw.call("RENAMENX", "nokey", "x") == err("ERR no such key")
    assert raw.call("SET", "c", "3") == OK
    assert raw.call("RENAME", "c", "b") == OK  # overwrites, dropping b's TTL
    assert raw.call("GET", "b") == bulk("3")
    assert raw.call("TTL", "b") == integer(-1)
    assert raw.call("SET", "d", "4") == OK
    assert raw.call("RENAMENX", "d", "b") == integer(0)
    assert raw.call("RENAMENX", "d", "e") == integer(1)
    assert raw.call("RENAMENX", "e", "e") == integer(0)
    assert raw.call("MGET", "b", "d", "e") == bulks("3", None, "4")
    assert raw.call("RENAME", "a") == err("ERR wrong number of arguments for 'rename' command")


def test_copy(raw):
    assert raw.call("SET", "a", "1", "EX", "100") == OK
    assert raw.call("COPY", "a", "b") == integer(1)
    assert raw.call("GET", "b") == bulk("1")
    assert 99 <= raw.call("TTL", "b")[1] <= 100
    assert raw.call("SET", "a", "2") == OK
    assert raw.call("COPY", "a", "b") == integer(0)
    assert raw.call("GET", "b") == bulk("1")
    assert raw.call("COPY", "a", "b", "REPLACE") == integer(1)
    assert raw.call("GET", "b") == bulk("2")
    assert raw.call("TTL", "b") == integer(-1)
    assert raw.call("COPY", "nokey", "b") == integer(0)
    assert raw.call("COPY", "a", "a") == err("ERR source and destination objects are the same")
    assert raw.call("COPY", "a", "a", "DB", "1") == integer(1)
    assert raw.call("COPY", "a", "x", "DB", "16") == err("ERR DB index is out of range")
    assert raw.call("COPY", "a", "x", "DB", "abc") == NOT_INT
    assert raw.call("COPY", "a", "x", "FOO") == SYNTAX
    assert raw.call("SELECT", "1") == OK
    assert raw.call("GET", "a") == bulk("2")
    assert raw.call("SELECT", "0") == OK


def test_move(raw):
    assert raw.call("SET", "a", "1", "EX", "100") == OK
    assert raw.call("MOVE", "a", "1") == integer(1)
    assert raw.call("EXISTS", "a") == integer(0)
    assert raw.call("MOVE", "a", "1") == integer(0)
    assert raw.call("SET", "a", "other") == OK
    assert raw.call("MOVE", "a", "1") == integer(0)  # target exists
    assert raw.call("GET", "a") == bulk("other")
    assert raw.call("MOVE", "a", "0") == err("ERR source and destination objects are the same")
    assert raw.call("MOVE", "a", "16") == err("ERR DB index is out of range")
    assert raw.call("MOVE", "a", "-1") == err("ERR DB index is out of range")
    assert raw.call("MOVE", "a", "x") == NOT_INT
    assert raw.call("SELECT", "1") == OK
    assert raw.call("GET", "a") == bulk("1")
    assert 99 <= raw.call("TTL", "a")[1] <= 100
    assert raw.call("SELECT", "0") == OK


def test_expire_options(raw):
    assert raw.call("SET", "k", "v") == OK
    assert raw.call("EXPIRE", "k", "100", "XX") == integer(0)
    assert raw.call("EXPIRE", "k", "100", "GT") == integer(0)  # no TTL counts as infinite
    assert raw.call("TTL", "k") == integer(-1)
    assert raw.call("EXPIRE", "k", "100", "NX") == integer(1)
    assert raw.call("EXPIRE", "k", "200", "NX") == integer(0)
    assert raw.call("EXPIRE", "k", "50", "GT") == integer(0)
    assert raw.call("EXPIRE", "k", "200", "GT") == integer(1)
    assert 199 <= raw.call("TTL", "k")[1] <= 200
    assert raw.call("EXPIRE", "k", "300", "LT") == integer(0)
    assert raw.call("EXPIRE", "k", "150", "LT") == integer(1)
    assert raw.call("EXPIRE", "k", "120", "XX") == integer(1)
    assert 119 <= raw.call("TTL", "k")[1] <= 120
    assert raw.call("PERSIST", "k") == integer(1)
    assert raw.call("PERSIST", "k") == integer(0)
    assert raw.call("EXPIRE", "k", "100", "LT") == integer(1)
    assert raw.call("PEXPIRE", "k", "5000", "lt") == integer(1)
    assert 4000 <= raw.call("PTTL", "k")[1] <= 5000
    assert raw.call("EXPIRE", "nokey", "100") == integer(0)
    assert raw.call("EXPIRE", "k", "10", "NX", "XX") == err(
        "ERR NX and XX, GT or LT options at the same time are not compatible")
    assert raw.call("EXPIRE", "k", "10", "GT", "LT") == err(
        "ERR GT and LT options at the same time are not compatible")
    assert raw.call("EXPIRE", "k", "10", "FOO") == err("ERR Unsupported option FOO")
    assert raw.call("EXPIRE", "k", "abc") == NOT_INT
    assert raw.call("EXPIRE", "k", "9223372036854775807") == err(
        "ERR invalid expire time in 'expire' command")
    assert raw.call("PEXPIRE", "k", "9223372036854775807") == err(
        "ERR invalid expire time in 'pexpire' command")
    assert raw.call("EXPIREAT", "k", "9223372036854775807") == err(
        "ERR invalid expire time in 'expireat' command")
    assert raw.call("EXPIRE", "k") == err("ERR wrong number of arguments for 'expire' command")


def test_expire_in_the_past_deletes(raw):
    assert raw.call("MSET", "a", "1", "b", "2", "c", "3", "d", "4") == OK
    assert raw.call("EXPIRE", "a", "-1") == integer(1)
    assert raw.call("PEXPIRE", "b", "0") == integer(1)
    assert raw.call("EXPIREAT", "c", "1") == integer(1)
    assert raw.call("PEXPIREAT", "d", "1000") == integer(1)
    assert raw.call("EXISTS", "a", "b", "c", "d") == integer(0)
    assert raw.call("DBSIZE") == integer(0)


def test_ttl_expiretime(raw):
    assert raw.call("TTL", "nokey") == integer(-2)
    assert raw.call("PTTL", "nokey") == integer(-2)
    assert raw.call("EXPIRETIME", "nokey") == integer(-2)
    assert raw.call("PEXPIRETIME", "nokey") == integer(-2)
    assert raw.call("SET", "k", "v") == OK
    assert raw.call("TTL", "k") == integer(-1)
    assert raw.call("PTTL", "k") == integer(-1)
    assert raw.call("EXPIRETIME", "k") == integer(-1)
    assert raw.call("PEXPIRETIME", "k") == integer(-1)
    at = int(time.time()) + 1000
    assert raw.call("EXPIREAT", "k", at) == integer(1)
    assert raw.call("EXPIRETIME", "k") == integer(at)
    assert raw.call("PEXPIRETIME", "k") == integer(at * 1000)
    assert raw.call("PEXPIREAT", "k", at * 1000 + 123) == integer(1)
    assert raw.call("PEXPIRETIME", "k") == integer(at * 1000 + 123)
    assert raw.call("EXPIRETIME", "k") == integer(at)  # rounded down
    assert raw.call("EXPIREAT", "k", at + 10, "GT") == integer(1)
    assert raw.call("EXPIREAT", "k", at, "GT") == integer(0)
    assert raw.call("PEXPIREAT", "k", at * 1000, "LT") == integer(1)


def test_touch(raw):
    assert raw.call("MSET", "a", "1", "b", "2") == OK
    assert raw.call("TOUCH", "a", "b", "nokey") == integer(2)
    assert raw.call("TOUCH", "nokey") == integer(0)


def test_object(raw):
    assert raw.call("SET", "int", "12345") == OK
    assert raw.call("SET", "neg", "-1") == OK
    assert raw.call("SET", "big", "12345678901234567890") == OK
    assert raw.call("SET", "lead0", "01") == OK
    assert raw.call("SET", "short", "abc") == OK
    assert raw.call("SET", "long", "x" * 45) == OK
    assert raw.call("SET", "edge", "x" * 44) == OK
    assert raw.call("OBJECT", "ENCODING", "int") == bulk("int")
    assert raw.call("OBJECT", "ENCODING", "neg") == bulk("int")
    assert raw.call("OBJECT", "ENCODING", "big") == bulk("embstr")
    assert raw.call("OBJECT", "ENCODING", "lead0") == bulk("embstr")
    assert raw.call("OBJECT", "ENCODING", "short") == bulk("embstr")
    assert raw.call("OBJECT", "ENCODING", "edge") == bulk("embstr")
    assert raw.call("OBJECT", "ENCODING", "long") == bulk("raw")
    assert raw.call("APPEND", "short", "d") == integer(4)
    assert raw.call("OBJECT", "ENCODING", "short") == bulk("raw")
    assert raw.call("OBJECT", "encoding", "nokey") == NIL
    assert raw.call("OBJECT", "REFCOUNT", "long") == integer(1)
    assert raw.call("OBJECT", "REFCOUNT", "nokey") == NIL
    idle = raw.call("OBJECT", "IDLETIME", "short")
    assert idle[0] == ":" and 0 <= idle[1] <= 2
    assert raw.call("OBJECT", "IDLETIME", "nokey") == NIL
    assert raw.call("OBJECT", "FREQ", "short") == err(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU "
        "data will take some time to adjust.")
    assert raw.call("OBJECT", "FOO", "short") == err(
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
    assert raw.call("OBJECT", "ENCODING") == err(
        "ERR wrong number of arguments for 'object|encoding' command")
    assert raw.call("OBJECT", "ENCODING", "a", "b") == err(
        "ERR wrong number of arguments for 'object|encoding' command")
    assert raw.call("OBJECT") == err("ERR wrong number of arguments for 'object' command")
    help_reply = raw.call("OBJECT", "HELP")
    assert help_reply[0] == "*" and len(help_reply[1]) > 4
    assert all(x[0] == "+" for x in help_reply[1])


def test_object_shared_integer_refcount(raw):
    # redis-server shares the integers 0..9999 (refcount INT_MAX); Troupe
    # mimics what clients can observe.
    assert raw.call("SET", "k", "100") == OK
    assert raw.call("OBJECT", "REFCOUNT", "k") == integer(2147483647)


def test_object_freq_with_lfu(raw):
    assert raw.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == OK
    try:
        assert raw.call("SET", "k", "v") == OK
        freq = raw.call("OBJECT", "FREQ", "k")
        assert freq[0] == ":" and 0 <= freq[1] <= 255
        assert raw.call("OBJECT", "IDLETIME", "k") == err(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. "
            "Please note that when switching between policies at runtime LRU and "
            "LFU data will take some time to adjust.")
    finally:
        assert raw.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == OK


def test_keys_via_redis_py(r):
    r.mset({"x": 1, "y": 2})
    assert sorted(r.scan_iter(match="*", count=10)) == [b"x", b"y"]
    assert r.expire("x", 100, gt=True) is False
    assert r.expire("x", 100, nx=True) is True
    assert r.copy("x", "z") is True
    assert r.rename("z", "w") is True
    assert r.type("w") == b"string"
    assert r.object("encoding", "w") == b"int"
