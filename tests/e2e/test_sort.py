# End-to-end tests of SORT and SORT_RO against a real server: numeric and
# ALPHA order, DESC, LIMIT windows, BY weights in strings and hash fields,
# BY without '*' (no sorting), GET (#, missing keys, hash fields), STORE
# (overwriting any type, deleting on an empty result), sets and sorted sets,
# and the errors, with redis-server 7.0.15's replies.

from harness import NIL, OK, array, bulk, bulks, err, integer

WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")
SYNTAX = err("ERR syntax error")
NOT_DOUBLE = err("ERR One or more scores can't be converted into double")


def test_numeric_alpha_desc_limit(raw):
    raw.call("RPUSH", "l", "3", "1", "2", "10", " 5", "0x10", "")
    assert raw.call("SORT", "l") == bulks("", "1", "2", "3", " 5", "10", "0x10")
    assert raw.call("SORT", "l", "DESC", "LIMIT", "1", "2") == bulks("10", " 5")
    assert raw.call("SORT", "l", "ALPHA") == bulks("", " 5", "0x10", "1", "10", "2", "3")
    assert raw.call("SORT", "l", "LIMIT", "-5", "2") == bulks("", "1")
    assert raw.call("SORT", "l", "LIMIT", "5", "1000") == bulks("10", "0x10")
    assert raw.call("SORT", "l", "LIMIT", "7", "1") == array()
    assert raw.call("SORT", "l", "LIMIT", "0", "-1", "LIMIT", "2", "2") == bulks("2", "3")
    assert raw.call("SORT_RO", "l", "DESC", "ALPHA", "LIMIT", "0", "2") == bulks("3", "2")
    raw.call("RPUSH", "bad", "1", "1 ")
    assert raw.call("SORT", "bad") == NOT_DOUBLE
    assert raw.call("SORT", "bad", "ALPHA") == bulks("1", "1 ")


def test_by_and_get(raw):
    raw.call("RPUSH", "l", "a", "b", "c", "d")
    raw.call("MSET", "w_a", "3", "w_b", "1", "w_c", "2")
    raw.call("HSET", "h_a", "f", "z")
    raw.call("HSET", "h_c", "f", "y")
    # d has no weight: 0, first.
    assert raw.call("SORT", "l", "BY", "w_*") == bulks("d", "b", "c", "a")
    assert raw.call("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*") == \
        bulks("d", None, "b", "1", "c", "2", "a", "3")
    assert raw.call("SORT", "l", "BY", "h_*->f", "ALPHA") == bulks("b", "d", "c", "a")
    assert raw.call("SORT", "l", "BY", "h_*->f", "ALPHA", "GET", "h_*->f") == \
        bulks(None, None, "y", "z")
    assert raw.call("SORT", "l", "BY", "nosort") == bulks("a", "b", "c", "d")
    assert raw.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2") == bulks("c", "b")
    assert raw.call("SORT", "l", "ALPHA", "GET", "nostar") == bulks(None, None, None, None)
    raw.call("SET", "w_d", "x")
    assert raw.call("SORT", "l", "BY", "w_*") == NOT_DOUBLE
    assert raw.call("SORT", "l", "BY", "w_*", "ALPHA") == bulks("b", "c", "a", "d")


def test_store(raw):
    raw.call("RPUSH", "l", "3", "1", "2")
    raw.call("SET", "dst", "string")
    raw.call("EXPIRE", "dst", "100")
    assert raw.call("SORT", "l", "STORE", "dst") == integer(3)
    assert raw.call("LRANGE", "dst", "0", "-1") == bulks("1", "2", "3")
    assert raw.call("TTL", "dst") == integer(-1)
    assert raw.call("SORT", "l", "GET", "#", "GET", "nokey_*", "STORE", "dst") == integer(6)
    assert raw.call("LRANGE", "dst", "0", "-1") == bulks("1", "", "2", "", "3", "")
    assert raw.call("SORT", "nokey", "STORE", "dst") == integer(0)
    assert raw.call("EXISTS", "dst") == integer(0)
    assert raw.call("SORT", "l", "STORE", "l") == integer(3)  # source and destination
    assert raw.call("LRANGE", "l", "0", "-1") == bulks("1", "2", "3")
    assert raw.call("SORT_RO", "l", "STORE", "dst") == SYNTAX


def test_sets_and_sorted_sets(raw):
    raw.call("SADD", "s", "b", "a", "c", "1")
    assert raw.call("SORT", "s", "ALPHA") == bulks("1", "a", "b", "c")
    assert raw.call("SORT", "s") == NOT_DOUBLE
    # A set's own order is its hash order: with STORE it is sorted ALPHA.
    assert raw.call("SORT", "s", "BY", "nosort", "STORE", "dst") == integer(4)
    assert raw.call("LRANGE", "dst", "0", "-1") == bulks("1", "a", "b", "c")
    raw.call("SADD", "ints", "30", "-1", "7")
    assert raw.call("SORT", "ints", "DESC") == bulks("30", "7", "-1")
    raw.call("ZADD", "z", "3", "a", "1", "b", "2", "c")
    assert raw.call("OBJECT", "ENCODING", "z") == bulk("listpack")
    assert raw.call("SORT", "z", "BY", "nosort") == bulks("b", "c", "a")  # score order
    assert raw.call("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2") == bulks("a", "c")
    assert raw.call("SORT", "z", "ALPHA", "DESC") == bulks("c", "b", "a")
    # Redis converts the sorted set for SORT, visibly.
    assert raw.call("OBJECT", "ENCODING", "z") == bulk("skiplist")


def test_errors(raw):
    raw.call("RPUSH", "l", "1")
    raw.call("SET", "str", "x")
    raw.call("HSET", "h", "f", "v")
    assert raw.call("SORT", "str") == WRONGTYPE
    assert raw.call("SORT", "h") == WRONGTYPE
    assert raw.call("SORT", "l", "LIMIT", "a", "1") == err("ERR value is not an integer or out of range")
    assert raw.call("SORT", "str", "LIMIT", "a", "1") == err("ERR value is not an integer or out of range")
    for args in (("LIMIT", "1"), ("BY",), ("GET",), ("STORE",), ("FOO",)):
        assert raw.call("SORT", "l", *args) == SYNTAX, args
    assert raw.call("SORT", "nokey") == array()
    assert raw.call("SORT", "nokey", "GET", "#") == array()
    assert raw.call("GET", "str") == bulk("x")
    assert raw.call("SORT", "l", "GET", "h_*->") == array(NIL)
    assert raw.call("SET", "k", "v") == OK
