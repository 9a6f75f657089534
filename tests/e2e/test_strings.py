# End-to-end tests of the string commands: GET/SET with every option, SETNX,
# SETEX, PSETEX, MGET/MSET/MSETNX, GETSET, GETDEL, GETEX, APPEND, STRLEN,
# INCR/DECR family, INCRBYFLOAT, GETRANGE/SUBSTR, SETRANGE and LCS, with the
# exact replies and error strings of redis-server 7.0.15.

import time

from harness import OK, NIL, err, integer, bulk, bulks, array

NOT_INT = err("ERR value is not an integer or out of range")
NOT_FLOAT = err("ERR value is not a valid float")
SYNTAX = err("ERR syntax error")
WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")


# -- GET / SET ---------------------------------------------------------------

def test_get_set_basic(raw):
    assert raw.call("GET", "k") == NIL
    assert raw.call("SET", "k", "v") == OK
    assert raw.call("GET", "k") == bulk("v")
    assert raw.call("SET", "k", "") == OK
    assert raw.call("GET", "k") == bulk("")
    binary = bytes(range(256))
    assert raw.call("SET", "bin", binary) == OK
    assert raw.call("GET", "bin") == bulk(binary)


def test_set_ex_px_exat_pxat(raw):
    assert raw.call("SET", "k", "v", "EX", "100") == OK
    assert 99 <= raw.call("TTL", "k")[1] <= 100
    assert raw.call("SET", "k", "v", "PX", "100000") == OK
    assert 99000 <= raw.call("PTTL", "k")[1] <= 100000
    now = int(time.time())
    assert raw.call("SET", "k", "v", "EXAT", now + 100) == OK
    assert 98 <= raw.call("TTL", "k")[1] <= 101
    assert raw.call("EXPIRETIME", "k") == integer(now + 100)
    now_ms = int(time.time() * 1000)
    assert raw.call("SET", "k", "v", "PXAT", now_ms + 100000) == OK
    assert raw.call("PEXPIRETIME", "k") == integer(now_ms + 100000)
    # lower-case options are accepted too
    assert raw.call("set", "k", "v", "ex", "5") == OK
    assert 4 <= raw.call("TTL", "k")[1] <= 5
    # a plain SET clears the TTL
    assert raw.call("SET", "k", "v") == OK
    assert raw.call("TTL", "k") == integer(-1)


def test_set_expire_errors(raw):
    for opt in ("EX", "PX", "EXAT", "PXAT"):
        assert raw.call("SET", "k", "v", opt, "0") == err("ERR invalid expire time in 'set' command")
        assert raw.call("SET", "k", "v", opt, "-5") == err("ERR invalid expire time in 'set' command")
        assert raw.call("SET", "k", "v", opt, "abc") == NOT_INT
        assert raw.call("SET", "k", "v", opt, "1.5") == NOT_INT
        assert raw.call("SET", "k", "v", opt) == SYNTAX
    assert raw.call("SET", "k", "v", "EX", "9223372036854775807") == err("ERR invalid expire time in 'set' command")
    assert raw.call("SET", "k", "v", "EX", "10", "PX", "100") == SYNTAX
    assert raw.call("SET", "k", "v", "KEEPTTL", "EX", "10") == SYNTAX
    assert raw.call("SET", "k", "v", "NX", "XX") == SYNTAX
    assert raw.call("SET", "k", "v", "FOO") == SYNTAX
    assert raw.call("EXISTS", "k") == integer(0)
    # repeating the same option is accepted (the last value wins)
    assert raw.call("SET", "k", "v", "EX", "10", "EX", "20") == OK
    assert 19 <= raw.call("TTL", "k")[1] <= 20


def test_set_nx_xx(raw):
    assert raw.call("SET", "k", "1", "XX") == NIL
    assert raw.call("EXISTS", "k") == integer(0)
    assert raw.call("SET", "k", "1", "NX") == OK
    assert raw.call("SET", "k", "2", "NX") == NIL
    assert raw.call("GET", "k") == bulk("1")
    assert raw.call("SET", "k", "3", "XX") == OK
    assert raw.call("GET", "k") == bulk("3")


def test_set_keepttl(raw):
    assert raw.call("SET", "k", "v", "EX", "100") == OK
    assert raw.call("SET", "k", "w", "KEEPTTL") == OK
    assert 99 <= raw.call("TTL", "k")[1] <= 100
    assert raw.call("GET", "k") == bulk("w")
    assert raw.call("SET", "k", "x") == OK
    assert raw.call("TTL", "k") == integer(-1)


def test_set_get_option(raw):
    assert raw.call("SET", "k", "a", "GET") == NIL
    assert raw.call("SET", "k", "b", "GET") == bulk("a")
    assert raw.call("SET", "k", "c", "NX", "GET") == bulk("b")  # NX + GET allowed in 7.0
    assert raw.call("GET", "k") == bulk("b")
    assert raw.call("SET", "k2", "c", "XX", "GET") == NIL
    assert raw.call("EXISTS", "k2") == integer(0)
    assert raw.call("SET", "k", "d", "GET", "EX", "100") == bulk("b")
    assert 99 <= raw.call("TTL", "k")[1] <= 100


def test_set_arity_and_unknown(raw):
    assert raw.call("SET", "k") == err("ERR wrong number of arguments for 'set' command")
    assert raw.call("GET") == err("ERR wrong number of arguments for 'get' command")
    assert raw.call("GET", "a", "b") == err("ERR wrong number of arguments for 'get' command")


def test_setnx_setex_psetex(raw):
    assert raw.call("SETNX", "k", "1") == integer(1)
    assert raw.call("SETNX", "k", "2") == integer(0)
    assert raw.call("GET", "k") == bulk("1")
    assert raw.call("SETEX", "k", "100", "v") == OK
    assert 99 <= raw.call("TTL", "k")[1] <= 100
    assert raw.call("SETEX", "k", "0", "v") == err("ERR invalid expire time in 'setex' command")
    assert raw.call("SETEX", "k", "-1", "v") == err("ERR invalid expire time in 'setex' command")
    assert raw.call("SETEX", "k", "x", "v") == NOT_INT
    assert raw.call("PSETEX", "k", "100000", "v") == OK
    assert 99000 <= raw.call("PTTL", "k")[1] <= 100000
    assert raw.call("PSETEX", "k", "0", "v") == err("ERR invalid expire time in 'psetex' command")
    assert raw.call("SETEX", "k", "10") == err("ERR wrong number of arguments for 'setex' command")


def test_mget_mset_msetnx(raw):
    assert raw.call("MSET", "a", "1", "b", "2") == OK
    assert raw.call("MGET", "a", "b", "c") == bulks("1", "2", None)
    assert raw.call("MSET", "a", "1", "b") == err("ERR wrong number of arguments for 'mset' command")
    assert raw.call("MSETNX", "c", "3", "a", "9") == integer(0)
    assert raw.call("MGET", "a", "c") == bulks("1", None)
    assert raw.call("MSETNX", "c", "3", "d", "4") == integer(1)
    assert raw.call("MGET", "c", "d") == bulks("3", "4")
    assert raw.call("MSETNX", "x") == err("ERR wrong number of arguments for 'msetnx' command")
    # MSET with the same key twice: the last one wins
    assert raw.call("MSET", "z", "1", "z", "2") == OK
    assert raw.call("GET", "z") == bulk("2")


def test_getset_getdel(raw):
    assert raw.call("GETSET", "k", "1") == NIL
    assert raw.call("GETSET", "k", "2") == bulk("1")
    assert raw.call("SET", "k", "v", "EX", "100") == OK
    assert raw.call("GETSET", "k", "w") == bulk("v")
    assert raw.call("TTL", "k") == integer(-1)
    assert raw.call("GETDEL", "k") == bulk("w")
    assert raw.call("GETDEL", "k") == NIL
    assert raw.call("EXISTS", "k") == integer(0)


def test_getex(raw):
    assert raw.call("GETEX", "nokey") == NIL
    assert raw.call("GETEX", "nokey", "EX", "10") == NIL
    assert raw.call("SET", "k", "v") == OK
    assert raw.call("GETEX", "k") == bulk("v")
    assert raw.call("TTL", "k") == integer(-1)
    assert raw.call("GETEX", "k", "EX", "100") == bulk("v")
    assert 99 <= raw.call("TTL", "k")[1] <= 100
    assert raw.call("GETEX", "k", "PX", "50000") == bulk("v")
    assert 49000 <= raw.call("PTTL", "k")[1] <= 50000
    now = int(time.time())
    assert raw.call("GETEX", "k", "EXAT", now + 200) == bulk("v")
    assert raw.call("EXPIRETIME", "k") == integer(now + 200)
    assert raw.call("GETEX", "k", "PXAT", (now + 300) * 1000) == bulk("v")
    assert raw.call("PEXPIRETIME", "k") == integer((now + 300) * 1000)
    assert raw.call("GETEX", "k", "PERSIST") == bulk("v")
    assert raw.call("TTL", "k") == integer(-1)
    assert raw.call("GETEX", "k", "EX", "0") == err("ERR invalid expire time in 'getex' command")
    assert raw.call("GETEX", "k", "EX", "-1") == err("ERR invalid expire time in 'getex' command")
    assert raw.call("GETEX", "k", "EX", "abc") == NOT_INT
    assert raw.call("GETEX", "k", "PERSIST", "EX", "1") == SYNTAX
    assert raw.call("GETEX", "k", "EX", "1", "PX", "1000") == SYNTAX
    assert raw.call("GETEX", "k", "FOO") == SYNTAX
    assert raw.call("GETEX", "k", "EX") == SYNTAX
    # an EXAT in the past deletes the key and still returns the value
    assert raw.call("GETEX", "k", "EXAT", "1") == bulk("v")
    assert raw.call("EXISTS", "k") == integer(0)


def test_append_strlen(raw):
    assert raw.call("APPEND", "k", "hello") == integer(5)
    assert raw.call("APPEND", "k", " world") == integer(11)
    assert raw.call("GET", "k") == bulk("hello world")
    assert raw.call("STRLEN", "k") == integer(11)
    assert raw.call("STRLEN", "nokey") == integer(0)
    assert raw.call("SET", "n", "12345") == OK
    assert raw.call("STRLEN", "n") == integer(5)
    assert raw.call("APPEND", "n", "6") == integer(6)
    assert raw.call("GET", "n") == bulk("123456")


def test_incr_decr(raw):
    assert raw.call("INCR", "n") == integer(1)
    assert raw.call("INCRBY", "n", "10") == integer(11)
    assert raw.call("DECR", "n") == integer(10)
    assert raw.call("DECRBY", "n", "20") == integer(-10)
    assert raw.call("INCRBY", "n", "-5") == integer(-15)
    assert raw.call("GET", "n") == bulk("-15")
    assert raw.call("SET", "n", "9223372036854775806") == OK
    assert raw.call("INCR", "n") == integer(9223372036854775807)
    assert raw.call("INCR", "n") == err("ERR increment or decrement would overflow")
    assert raw.call("SET", "n", "-9223372036854775808") == OK
    assert raw.call("DECR", "n") == err("ERR increment or decrement would overflow")
    assert raw.call("DECRBY", "n", "-9223372036854775808") == err("ERR decrement would overflow")
    assert raw.call("SET", "n", "abc") == OK
    assert raw.call("INCR", "n") == NOT_INT
    for bad in (" 1", "1 ", "01x", "1.0", "", "9223372036854775808", "+1"):
        assert raw.call("SET", "n", bad) == OK
        assert raw.call("INCR", "n") == NOT_INT, bad
    assert raw.call("SET", "n", "5") == OK
    assert raw.call("INCRBY", "n", "abc") == NOT_INT
    assert raw.call("INCRBY", "n", "1.5") == NOT_INT
    assert raw.call("INCRBY", "n", "99999999999999999999") == NOT_INT
    assert raw.call("INCR", "n", "1") == err("ERR wrong number of arguments for 'incr' command")
    # INCR keeps an existing TTL
    assert raw.call("SET", "t", "1", "EX", "100") == OK
    assert raw.call("INCR", "t") == integer(2)
    assert 99 <= raw.call("TTL", "t")[1] <= 100


def test_incrbyfloat(raw):
    assert raw.call("INCRBYFLOAT", "f", "10.5") == bulk("10.5")
    assert raw.call("INCRBYFLOAT", "f", "0.1") == bulk("10.6")
    assert raw.call("INCRBYFLOAT", "f", "-5") == bulk("5.6")
    # long double arithmetic printed with %.17Lg, as redis-server does
    assert raw.call("INCRBYFLOAT", "f", "5.0e3") == bulk("5005.60000000000000009")
    assert raw.call("SET", "f", "3") == OK
    assert raw.call("INCRBYFLOAT", "f", "1.5") == bulk("4.5")
    assert raw.call("INCRBYFLOAT", "f", "-4.5") == bulk("0")
    assert raw.call("INCRBYFLOAT", "f", "abc") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "nan") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "inf") == err("ERR increment would produce NaN or Infinity")
    assert raw.call("SET", "s", "hello") == OK
    assert raw.call("INCRBYFLOAT", "s", "1") == NOT_FLOAT
    assert raw.call("SET", "g", "1.5e3") == OK
    assert raw.call("INCRBYFLOAT", "g", "1") == bulk("1501")
    assert raw.call("INCRBYFLOAT", "f") == err("ERR wrong number of arguments for 'incrbyfloat' command")


def test_getrange_substr(raw):
    assert raw.call("SET", "k", "This is a string") == OK
    assert raw.call("GETRANGE", "k", "0", "3") == bulk("This")
    assert raw.call("GETRANGE", "k", "-3", "-1") == bulk("ing")
    assert raw.call("GETRANGE", "k", "0", "-1") == bulk("This is a string")
    assert raw.call("GETRANGE", "k", "10", "100") == bulk("string")
    assert raw.call("GETRANGE", "k", "5", "3") == bulk("")
    assert raw.call("GETRANGE", "k", "-100", "2") == bulk("Thi")
    assert raw.call("GETRANGE", "k", "100", "200") == bulk("")
    assert raw.call("GETRANGE", "nokey", "0", "-1") == bulk("")
    assert raw.call("SUBSTR", "k", "0", "3") == bulk("This")
    assert raw.call("GETRANGE", "k", "a", "3") == NOT_INT
    assert raw.call("SET", "n", "12345") == OK
    assert raw.call("GETRANGE", "n", "1", "2") == bulk("23")


def test_setrange(raw):
    assert raw.call("SET", "k", "Hello World") == OK
    assert raw.call("SETRANGE", "k", "6", "Redis") == integer(11)
    assert raw.call("GET", "k") == bulk("Hello Redis")
    assert raw.call("SETRANGE", "pad", "5", "x") == integer(6)
    assert raw.call("GET", "pad") == bulk(b"\x00" * 5 + b"x")
    # empty value on a missing key creates nothing
    assert raw.call("SETRANGE", "none", "10", "") == integer(0)
    assert raw.call("EXISTS", "none") == integer(0)
    assert raw.call("SETRANGE", "k", "0", "") == integer(11)
    assert raw.call("SETRANGE", "k", "-1", "x") == err("ERR offset is out of range")
    assert raw.call("SETRANGE", "k", "536870912", "x") == err(
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert raw.call("SETRANGE", "k", "abc", "x") == NOT_INT
    assert raw.call("SET", "n", "123") == OK
    assert raw.call("SETRANGE", "n", "1", "9") == integer(3)
    assert raw.call("GET", "n") == bulk("193")


def test_lcs(raw):
    assert raw.call("MSET", "a", "ohmytext", "b", "mynewtext") == OK
    assert raw.call("LCS", "a", "b") == bulk("mytext")
    assert raw.call("LCS", "a", "b", "LEN") == integer(6)
    assert raw.call("LCS", "a", "b", "IDX") == array(
        bulk("matches"),
        array(array(array(integer(4), integer(7)), array(integer(5), integer(8))),
              array(array(integer(2), integer(3)), array(integer(0), integer(1)))),
        bulk("len"), integer(6))
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == array(
        bulk("matches"),
        array(array(array(integer(4), integer(7)), array(integer(5), integer(8)), integer(4))),
        bulk("len"), integer(6))
    assert raw.call("LCS", "a", "nokey") == bulk("")
    assert raw.call("LCS", "x", "y", "LEN") == integer(0)
    assert raw.call("LCS", "a", "b", "LEN", "IDX") == err(
        "ERR If you want both the length and indexes, please just use IDX.")
    assert raw.call("LCS", "a", "b", "FOO") == SYNTAX
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "x") == NOT_INT
    assert raw.call("LCS", "a") == err("ERR wrong number of arguments for 'lcs' command")


def test_redis_py_roundtrip(r):
    """The same commands through redis-py, as an ordinary client would."""
    assert r.set("k", "v", ex=100, nx=True) is True
    assert r.set("k", "v", nx=True) is None
    assert r.get("k") == b"v"
    assert r.mset({"a": 1, "b": 2}) is True
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.incrbyfloat("a", 0.5) == 1.5
    assert r.getex("b", px=5000) == b"2"
    assert 0 < r.pttl("b") <= 5000
    assert r.getdel("b") == b"2"
    assert r.strlen("k") == 1
    assert r.setrange("k", 3, "x") == 4
    assert r.get("k") == b"v\x00\x00x"


# -- WRONGTYPE (needs a second data type; skipped with a reason if absent) ---

WRONGTYPE_CASES = [
    ("GET", "l"), ("SET", "l", "x", "GET"), ("GETSET", "l", "x"), ("GETDEL", "l"),
    ("GETEX", "l"), ("GETEX", "l", "PERSIST"), ("APPEND", "l", "x"), ("STRLEN", "l"),
    ("INCR", "l"), ("DECR", "l"), ("INCRBY", "l", "2"), ("DECRBY", "l", "2"),
    ("INCRBYFLOAT", "l", "1"), ("GETRANGE", "l", "0", "1"), ("SUBSTR", "l", "0", "1"),
    ("SETRANGE", "l", "0", "x"), ("SETBIT", "l", "0", "1"), ("GETBIT", "l", "0"),
    ("BITCOUNT", "l"), ("BITPOS", "l", "1"), ("BITFIELD", "l", "GET", "u8", "0"),
    ("BITFIELD_RO", "l", "GET", "u8", "0"), ("BITOP", "AND", "dest", "l"),
]


def test_wrongtype(raw, list_key):
    for cmd in WRONGTYPE_CASES:
        assert raw.call(*cmd) == WRONGTYPE, cmd
    assert raw.call("TYPE", "l") == ("+", "list")
    # MGET answers nil for a non-string key; plain SET and MSET overwrite it
    assert raw.call("MGET", "l") == bulks(None)
    assert raw.call("MSET", "a", "ohmytext") == OK
    assert raw.call("LCS", "a", "l") == err("ERR The specified keys must contain string values")
    assert raw.call("SET", "l", "x") == OK
    assert raw.call("TYPE", "l") == ("+", "string")
