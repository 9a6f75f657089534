# End-to-end tests of key expiry: expired keys are invisible to every read
# (lazy expiry on access), the active expiry cycle reclaims keys nobody reads
# (DBSIZE drops without any access), and INFO counts expired keys. All waits
# are bounded polls.

import time

from harness import OK, NIL, integer, bulk, array


def poll(predicate, timeout_s=5.0, interval_s=0.02):
    """True as soon as predicate() holds, False after timeout_s (bounded)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


def info_field(raw, section, field):
    reply = raw.call("INFO", section)
    for line in reply[1].decode().split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    raise AssertionError(f"{field} missing from INFO {section}")


def test_expired_key_invisible_on_access(raw):
    assert raw.call("SET", "k", "v", "PX", "50") == OK
    assert raw.call("GET", "k") == bulk("v")
    time.sleep(0.12)  # single bounded wait past the TTL
    assert raw.call("GET", "k") == NIL
    assert raw.call("EXISTS", "k") == integer(0)
    assert raw.call("TTL", "k") == integer(-2)
    assert raw.call("TYPE", "k") == ("+", "none")
    assert raw.call("SET", "k", "new", "NX") == OK  # NX sees the key as absent


def test_lazy_expiry_on_every_read_path(raw):
    keys = [f"lazy:{i}" for i in range(50)]
    for k in keys:
        assert raw.call("SET", k, "v", "PX", "30") == OK
    assert raw.call("SET", "keep", "v") == OK
    time.sleep(0.1)
    # whether or not the active cycle got to them, no read may show them
    assert raw.call("MGET", *keys[:3]) == array(NIL, NIL, NIL)
    assert raw.call("EXISTS", *keys) == integer(0)
    assert raw.call("KEYS", "lazy:*") == array()
    assert raw.call("STRLEN", keys[3]) == integer(0)
    assert raw.call("GETRANGE", keys[4], "0", "-1") == bulk("")
    assert raw.call("APPEND", keys[5], "x") == integer(1)
    assert raw.call("INCR", keys[6]) == integer(1)
    assert raw.call("RENAME", keys[7], "x")[0] == "-"
    assert raw.call("COPY", keys[8], "y") == integer(0)
    assert raw.call("PERSIST", keys[9]) == integer(0)
    assert raw.call("EXPIRE", keys[10], "100") == integer(0)
    assert raw.call("PTTL", keys[11]) == integer(-2)
    assert raw.call("OBJECT", "ENCODING", keys[12]) == NIL
    assert poll(lambda: raw.call("DBSIZE") == integer(3))  # keep + the two writes
    cursor, seen = "0", set()
    for _ in range(1000):
        reply = raw.call("SCAN", cursor, "COUNT", "100")
        cursor = reply[1][0][1].decode()
        seen.update(x[1] for x in reply[1][1][1])
        if cursor == "0":
            break
    assert seen == {b"keep", keys[5].encode(), keys[6].encode()}


def test_active_expiry_reclaims_unread_keys(raw):
    before = int(info_field(raw, "stats", "expired_keys"))
    n = 200
    for i in range(n):
        assert raw.call("SET", f"active:{i}", "v", "PX", "100") == OK
    assert raw.call("SET", "persistent", "v") == OK
    assert raw.call("DBSIZE") == integer(n + 1)
    # DBSIZE does not expire anything itself: only the active cycle can make
    # it drop. Bounded poll, generous for a loaded machine.
    assert poll(lambda: raw.call("DBSIZE") == integer(1), timeout_s=10.0), \
        f"active expiry left {raw.call('DBSIZE')} keys"
    assert int(info_field(raw, "stats", "expired_keys")) - before == n
    assert raw.call("GET", "persistent") == bulk("v")


def test_info_keyspace_counts_expires(raw):
    assert raw.call("SET", "a", "1") == OK
    assert raw.call("SET", "b", "2", "EX", "100") == OK
    line = info_field(raw, "keyspace", "db0")
    fields = dict(kv.split("=") for kv in line.split(","))
    assert list(fields) == ["keys", "expires", "avg_ttl"]
    assert fields["keys"] == "2" and fields["expires"] == "1"


def test_expire_then_overwrite_clears_ttl(raw):
    assert raw.call("SET", "k", "v", "PX", "200") == OK
    assert raw.call("SET", "k", "w") == OK
    time.sleep(0.3)
    assert raw.call("GET", "k") == bulk("w")
