# End-to-end tests of pub/sub and keyspace notifications: SUBSCRIBE,
# PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs with byte-exact RESP2 replies
# and RESP3 push frames over raw sockets, PUBLISH / SPUBLISH receiver counts,
# many subscribers on one channel, PUBSUB introspection, INFO and CLIENT LIST
# counters, the subscribed RESP2 context, RESET and closed connections, and
# notify-keyspace-events (keyspace / keyevent channels, the expired, new and
# keymiss events, and the events of every string, bit and key command), with
# the replies of redis-server 7.0.15. Every wait is bounded.

import shlex
import time

import pytest

from harness import OK, NIL, err, integer, bulk, bulks, array

SUBSCRIBED_ONLY = ("only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                   "allowed in this context")


def frame(kind, *items):
    """A pub/sub reply as RawConn parses it: kind '*' (RESP2) or '>' (RESP3)."""
    out = []
    for x in items:
        if x is None:
            out.append(("$", None) if kind == "*" else ("_", None))
        elif isinstance(x, int):
            out.append(integer(x))
        else:
            out.append(bulk(x))
    return (kind, out)


def hello3(conn):
    reply = conn.call("HELLO", "3")
    assert reply[0] == "%"


def wait_until(predicate, timeout=5.0, step=0.02):
    """Polls `predicate` until true or the (bounded) timeout; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


@pytest.fixture
def notify_off(raw):
    """Restores notify-keyspace-events to off after a notification test."""
    yield
    conn = raw.connect()
    conn.call("CONFIG", "SET", "notify-keyspace-events", "")


def test_subscribe_publish_resp2_frames(raw):
    sub = raw.connect()
    sub.send_command("SUBSCRIBE", "news", "sport", "news")
    assert sub.read() == frame("*", "subscribe", "news", 1)
    assert sub.read() == frame("*", "subscribe", "sport", 2)
    assert sub.read() == frame("*", "subscribe", "news", 2)
    assert raw.call("PUBLISH", "news", "hello") == integer(1)
    assert sub.read_raw() == b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    assert raw.call("PUBLISH", "nobody", "x") == integer(0)
    sub.send_command("UNSUBSCRIBE", "news", "nope")
    assert sub.read() == frame("*", "unsubscribe", "news", 1)
    assert sub.read() == frame("*", "unsubscribe", "nope", 1)
    assert sub.call("UNSUBSCRIBE") == frame("*", "unsubscribe", "sport", 0)
    assert sub.call_raw("UNSUBSCRIBE") == b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    # No longer subscribed: ordinary commands work again.
    assert sub.call("GET", "k") == NIL


def test_unsubscribe_without_subscriptions(raw):
    assert raw.call("UNSUBSCRIBE") == frame("*", "unsubscribe", None, 0)
    assert raw.call("PUNSUBSCRIBE") == frame("*", "punsubscribe", None, 0)
    assert raw.call("SUNSUBSCRIBE") == frame("*", "sunsubscribe", None, 0)
    # Unsubscribing from named channels confirms each one.
    assert raw.call("UNSUBSCRIBE", "x") == frame("*", "unsubscribe", "x", 0)
    assert raw.call("GET", "k") == NIL


def test_patterns(raw):
    sub = raw.connect()
    sub.send_command("PSUBSCRIBE", "news.*", "n?ws.art", "news.*")
    assert sub.read() == frame("*", "psubscribe", "news.*", 1)
    assert sub.read() == frame("*", "psubscribe", "n?ws.art", 2)
    assert sub.read() == frame("*", "psubscribe", "news.*", 2)
    other = raw.connect()
    other.send_command("SUBSCRIBE", "news.art")
    assert other.read() == frame("*", "subscribe", "news.art", 1)
    # The channel subscriber and both matching patterns receive it.
    assert raw.call("PUBLISH", "news.art", "m") == integer(3)
    got = [sub.read(), sub.read()]
    assert sorted(to_list(g) for g in got) == sorted([
        ["pmessage", "news.*", "news.art", "m"], ["pmessage", "n?ws.art", "news.art", "m"]])
    assert other.read() == frame("*", "message", "news.art", "m")
    assert raw.call("PUBLISH", "news.sport", "s") == integer(1)
    assert sub.read_raw() == (b"*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$10\r\nnews.sport\r\n"
                              b"$1\r\ns\r\n")
    assert raw.call("PUBSUB", "NUMPAT") == integer(2)
    # PUNSUBSCRIBE without arguments: in subscription order.
    sub.send_command("PUNSUBSCRIBE")
    assert sub.read() == frame("*", "punsubscribe", "news.*", 1)
    assert sub.read() == frame("*", "punsubscribe", "n?ws.art", 0)
    assert raw.call("PUBSUB", "NUMPAT") == integer(0)


def to_list(reply):
    return [x[1].decode() if isinstance(x[1], bytes) else x[1] for x in reply[1]]


def test_many_subscribers(raw):
    """200 connections on one channel (plus 50 on a pattern) each receive
    every message, in publish order."""
    subscribers = [raw.connect() for _ in range(200)]
    for s in subscribers:
        s.send_command("SUBSCRIBE", "fan")
    for s in subscribers:
        assert s.read() == frame("*", "subscribe", "fan", 1)
    pattern_subs = [raw.connect() for _ in range(50)]
    for s in pattern_subs:
        assert s.call("PSUBSCRIBE", "f*") == frame("*", "psubscribe", "f*", 1)
    assert raw.call("PUBSUB", "NUMSUB", "fan") == array(bulk("fan"), integer(200))
    for i in range(20):
        assert raw.call("PUBLISH", "fan", f"m{i}") == integer(250)
    for s in subscribers:
        for i in range(20):
            assert s.read() == frame("*", "message", "fan", f"m{i}")
    for s in pattern_subs:
        for i in range(20):
            assert s.read() == frame("*", "pmessage", "f*", "fan", f"m{i}")
    for s in subscribers[:100]:
        s.close()
    assert wait_until(lambda: raw.call("PUBSUB", "NUMSUB", "fan")
                      == array(bulk("fan"), integer(100)))
    assert raw.call("PUBLISH", "fan", "last") == integer(150)


def test_messages_from_two_publishers_keep_order(raw):
    sub = raw.connect()
    assert sub.call("SUBSCRIBE", "q") == frame("*", "subscribe", "q", 1)
    p1, p2 = raw.connect(), raw.connect()
    for i in range(50):
        (p1 if i % 2 else p2).call("PUBLISH", "q", str(i))
    for i in range(50):
        assert sub.read() == frame("*", "message", "q", str(i))


def test_resp3_push_frames(raw):
    sub = raw.connect()
    hello3(sub)
    assert sub.call_raw("SUBSCRIBE", "ch") == b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    assert sub.call("PSUBSCRIBE", "c*") == frame(">", "psubscribe", "c*", 2)
    assert raw.call("PUBLISH", "ch", "hi") == integer(2)
    assert sub.read_raw() == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    assert sub.read_raw() == b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    # A RESP3 client may run any command while subscribed.
    assert sub.call("SET", "k", "v") == OK
    assert sub.call("GET", "k") == bulk("v")
    assert sub.call("PING") == ("+", "PONG")
    # Its own PUBLISH: the reply and its own two pushes (Redis writes the
    # pushes first; Troupe delivers pushes through the connection's queue).
    sub.send_command("PUBLISH", "ch", "self")
    got = [sub.read() for _ in range(3)]
    assert integer(2) in got
    assert frame(">", "message", "ch", "self") in got
    assert frame(">", "pmessage", "c*", "ch", "self") in got
    assert sub.call("UNSUBSCRIBE", "ch") == frame(">", "unsubscribe", "ch", 1)
    assert sub.call_raw("PUNSUBSCRIBE") == b">3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n"
    assert sub.call_raw("UNSUBSCRIBE") == b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"


def test_subscribed_resp2_context(raw):
    sub = raw.connect()
    assert sub.call("SUBSCRIBE", "a") == frame("*", "subscribe", "a", 1)
    assert sub.call("GET", "k") == err(f"ERR Can't execute 'get': {SUBSCRIBED_ONLY}")
    assert sub.call("PUBSUB", "NUMSUB", "a") == err(
        f"ERR Can't execute 'pubsub|numsub': {SUBSCRIBED_ONLY}")
    assert sub.call("PUBLISH", "a", "x") == err(f"ERR Can't execute 'publish': {SUBSCRIBED_ONLY}")
    assert sub.call("PING") == array(bulk("pong"), bulk(""))
    assert sub.call("PING", "hi") == array(bulk("pong"), bulk("hi"))
    assert sub.call("SSUBSCRIBE", "s") == frame("*", "ssubscribe", "s", 1)
    assert sub.call("PSUBSCRIBE", "p") == frame("*", "psubscribe", "p", 2)
    # Only the shard subscription left: still in subscribed context.
    sub.send_command("UNSUBSCRIBE")
    assert sub.read() == frame("*", "unsubscribe", "a", 1)
    assert sub.call("PUNSUBSCRIBE") == frame("*", "punsubscribe", "p", 0)
    assert sub.call("GET", "k")[0] == "-"
    assert sub.call("SUNSUBSCRIBE") == frame("*", "sunsubscribe", "s", 0)
    assert sub.call("GET", "k") == NIL
    # RESET drops every subscription.
    sub.send_command("SUBSCRIBE", "x", "y")
    sub.read()
    sub.read()
    assert sub.call("RESET") == ("+", "RESET")
    assert sub.call("GET", "k") == NIL
    assert raw.call("PUBSUB", "NUMSUB", "x", "y") == array(bulk("x"), integer(0), bulk("y"),
                                                           integer(0))
    # QUIT is allowed and closes.
    sub.send_command("SUBSCRIBE", "z")
    sub.read()
    assert sub.call("QUIT") == OK


def test_sharded_pubsub(raw):
    sub = raw.connect()
    sub.send_command("SSUBSCRIBE", "s1", "s2")
    assert sub.read() == frame("*", "ssubscribe", "s1", 1)
    assert sub.read() == frame("*", "ssubscribe", "s2", 2)
    psub = raw.connect()
    assert psub.call("PSUBSCRIBE", "*") == frame("*", "psubscribe", "*", 1)
    assert raw.call("SPUBLISH", "s1", "v") == integer(1)
    assert sub.read_raw() == b"*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$1\r\nv\r\n"
    # Classic PUBLISH does not reach shard subscribers, SPUBLISH not patterns.
    assert raw.call("PUBLISH", "s1", "classic") == integer(1)
    assert psub.read() == frame("*", "pmessage", "*", "s1", "classic")
    assert sub.pending(0.1) == b""
    assert raw.call("PUBSUB", "SHARDNUMSUB", "s1", "s9") == array(
        bulk("s1"), integer(1), bulk("s9"), integer(0))
    assert sorted(to_list(raw.call("PUBSUB", "SHARDCHANNELS"))) == ["s1", "s2"]
    assert to_list(raw.call("PUBSUB", "SHARDCHANNELS", "*2")) == ["s2"]
    assert raw.call("PUBSUB", "CHANNELS") == array()
    assert sub.call("SUNSUBSCRIBE", "s1") == frame("*", "sunsubscribe", "s1", 1)
    assert raw.call("SPUBLISH", "s1", "v") == integer(0)


def test_ssubscribe_refused_in_transaction(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SSUBSCRIBE", "s") == ("+", "QUEUED")
    assert raw.call("SUBSCRIBE", "c") == ("+", "QUEUED")
    assert raw.call("EXEC") == ("*", [
        err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"),
        frame("*", "subscribe", "c", 1)])


def test_pubsub_introspection(raw):
    a, b = raw.connect(), raw.connect()
    a.send_command("SUBSCRIBE", "news.1", "news.2", "other")
    for _ in range(3):
        a.read()
    assert b.call("SUBSCRIBE", "news.1") == frame("*", "subscribe", "news.1", 1)
    assert b.call("PSUBSCRIBE", "x*") == frame("*", "psubscribe", "x*", 2)
    assert a.call("PSUBSCRIBE", "x*") == frame("*", "psubscribe", "x*", 4)
    assert sorted(to_list(raw.call("PUBSUB", "CHANNELS"))) == ["news.1", "news.2", "other"]
    assert sorted(to_list(raw.call("PUBSUB", "CHANNELS", "news.*"))) == ["news.1", "news.2"]
    assert raw.call("PUBSUB", "NUMSUB", "news.1", "news.2", "none") == array(
        bulk("news.1"), integer(2), bulk("news.2"), integer(1), bulk("none"), integer(0))
    assert raw.call("PUBSUB", "NUMSUB") == array()
    assert raw.call("PUBSUB", "NUMPAT") == integer(1)  # unique patterns
    info = raw.call("INFO", "stats")[1].decode()
    assert "pubsub_channels:3\r\n" in info
    assert "pubsub_patterns:1\r\n" in info
    assert "pubsubshard_channels:0\r\n" in info
    lines = raw.call("CLIENT", "LIST")[1].decode()
    assert any(" sub=3 psub=1 ssub=0 " in line for line in lines.splitlines())
    assert any(" sub=1 psub=1 ssub=0 " in line for line in lines.splitlines())
    assert raw.call("PUBSUB", "CHANNELS", "a", "b") == err(
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")
    assert raw.call("PUBSUB", "NUMPAT", "x") == err(
        "ERR wrong number of arguments for 'pubsub|numpat' command")
    assert raw.call("PUBSUB", "NOPE") == err("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.")
    help_lines = to_list(raw.call("PUBSUB", "HELP"))
    assert help_lines[0].startswith("PUBSUB <subcommand>") and len(help_lines) == 14
    assert raw.call("PUBLISH", "x") == err("ERR wrong number of arguments for 'publish' command")
    assert raw.call("SUBSCRIBE") == err("ERR wrong number of arguments for 'subscribe' command")


def test_closed_connection_drops_subscriptions(raw):
    sub = raw.connect()
    sub.send_command("SUBSCRIBE", "gone")
    sub.read()
    assert sub.call("PSUBSCRIBE", "g*") == frame("*", "psubscribe", "g*", 2)
    sub.close()
    assert wait_until(lambda: raw.call("PUBSUB", "NUMSUB", "gone")
                      == array(bulk("gone"), integer(0)))
    assert wait_until(lambda: raw.call("PUBSUB", "NUMPAT") == integer(0))
    assert raw.call("PUBLISH", "gone", "x") == integer(0)


def test_redis_py_pubsub(r):
    p = r.pubsub()
    p.subscribe("alpha")
    p.psubscribe("be*")
    deadline = time.monotonic() + 5
    confirmations = []
    while len(confirmations) < 2 and time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m:
            confirmations.append(m["type"])
    assert confirmations == ["subscribe", "psubscribe"]
    assert r.publish("alpha", "one") == 1
    assert r.publish("beta", "two") == 1
    got = []
    while len(got) < 2 and time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m:
            got.append((m["type"], m["channel"], m["data"]))
    assert got == [("message", b"alpha", b"one"), ("pmessage", b"beta", b"two")]
    p.close()


# ---- keyspace notifications ------------------------------------------------

def events(conn, n):
    """The next n (channel, message) pairs of pmessages on `conn`."""
    out = []
    for _ in range(n):
        reply = conn.read()
        items = to_list(reply)
        assert items[0] == "pmessage", reply
        out.append((items[2], items[3]))
    return out


def test_keyspace_notifications(raw, notify_off):
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "KEA") == OK
    assert raw.call("CONFIG", "GET", "notify-keyspace-events") == array(
        bulk("notify-keyspace-events"), bulk("AKE"))
    sub = raw.connect()
    assert sub.call("PSUBSCRIBE", "__key*__:*") == frame("*", "psubscribe", "__key*__:*", 1)
    assert raw.call("SET", "k", "v", "EX", "100") == OK
    assert events(sub, 4) == [("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k"),
                              ("__keyspace@0__:k", "expire"), ("__keyevent@0__:expire", "k")]
    assert raw.call("PERSIST", "k") == integer(1)
    assert raw.call("APPEND", "k", "w") == integer(2)
    assert raw.call("RENAME", "k", "k2") == OK
    assert raw.call("DEL", "k2", "missing") == integer(1)
    assert events(sub, 10) == [
        ("__keyspace@0__:k", "persist"), ("__keyevent@0__:persist", "k"),
        ("__keyspace@0__:k", "append"), ("__keyevent@0__:append", "k"),
        ("__keyspace@0__:k", "rename_from"), ("__keyevent@0__:rename_from", "k"),
        ("__keyspace@0__:k2", "rename_to"), ("__keyevent@0__:rename_to", "k2"),
        ("__keyspace@0__:k2", "del"), ("__keyevent@0__:del", "k2")]
    assert raw.call("SELECT", "2") == OK
    assert raw.call("INCRBY", "n", "3") == integer(3)
    assert raw.call("SETBIT", "b", "1", "1") == integer(0)
    assert raw.call("MOVE", "n", "3") == integer(1)
    assert events(sub, 8) == [
        ("__keyspace@2__:n", "incrby"), ("__keyevent@2__:incrby", "n"),
        ("__keyspace@2__:b", "setbit"), ("__keyevent@2__:setbit", "b"),
        ("__keyspace@2__:n", "move_from"), ("__keyevent@2__:move_from", "n"),
        ("__keyspace@3__:n", "move_to"), ("__keyevent@3__:move_to", "n")]
    # Commands that change nothing say nothing.
    assert raw.call("PERSIST", "b") == integer(0)
    assert raw.call("GET", "nokey") == NIL
    assert sub.pending(0.1) == b""


def test_keyevent_only_and_classes(raw, notify_off):
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "Eg") == OK
    sub = raw.connect()
    sub.call("PSUBSCRIBE", "__key*__:*")
    assert raw.call("SET", "s", "1") == OK          # string class: off
    assert raw.call("EXPIRE", "s", "100") == integer(1)
    assert raw.call("PEXPIREAT", "s", "1") == integer(1)  # in the past: deleted
    assert events(sub, 2) == [("__keyevent@0__:expire", "s"), ("__keyevent@0__:del", "s")]
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "Kx") == OK
    assert raw.call("SET", "t", "1", "PX", "30") == OK
    # The active expiry cycle (or our lookup after it) removes it.
    time.sleep(0.1)
    raw.call("GET", "t")
    assert events(sub, 1) == [("__keyspace@0__:t", "expired")]
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "KEQ")[0] == "-"
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "KEQ") == err(
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")


def test_expired_event_without_access(raw, notify_off):
    """A key nobody reads still announces its expiry (active expiry)."""
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "Ex") == OK
    sub = raw.connect()
    assert sub.call("SUBSCRIBE", "__keyevent@0__:expired") == frame(
        "*", "subscribe", "__keyevent@0__:expired", 1)
    for i in range(5):
        raw.call("SET", f"e{i}", "v", "PX", "20")
    sub.settimeout(5)
    got = sorted(to_list(sub.read())[2] for _ in range(5))
    assert got == [f"e{i}" for i in range(5)]


def test_new_and_keymiss_events(raw, notify_off):
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "Enm") == OK
    sub = raw.connect()
    sub.call("PSUBSCRIBE", "__keyevent@0__:*")
    assert raw.call("GET", "nokey") == NIL
    assert raw.call("SET", "fresh", "1") == OK
    assert raw.call("SET", "fresh", "2") == OK  # exists: no "new"
    assert events(sub, 2) == [("__keyevent@0__:keymiss", "nokey"), ("__keyevent@0__:new", "fresh")]
    assert sub.pending(0.1) == b""


# Every event the string, bit and key commands raise with
# notify-keyspace-events KEAnm, in order, as redis-server 7.0.15 raises them
# (recorded from it): "event key[@db]" stands for the pair
# __keyspace@db__:key -> event and __keyevent@db__:event -> key.
EVENT_CASES = [
    ('set k v', ['new k', 'set k']),
    ('set k v EX 100', ['set k', 'expire k']),
    ('set k v NX', []),
    ('set k w XX GET', ['set k']),
    ('setnx k v', []),
    ('setnx k2 v', ['new k2', 'set k2']),
    ('setex k 100 v', ['set k', 'expire k']),
    ('psetex k 100000 v', ['set k', 'expire k']),
    ('mset a 1 b 2', ['new a', 'set a', 'new b', 'set b']),
    ('msetnx c 1 d 2', ['new c', 'set c', 'new d', 'set d']),
    ('msetnx c 1 e 2', []),
    ('getset a 5', ['set a']),
    ('getdel a', ['del a']),
    ('getdel zz', ['keymiss zz']),
    ('getex b EX 100', ['expire b']),
    ('getex b PERSIST', ['persist b']),
    ('getex b PERSIST', []),
    ('getex b PXAT 1', ['del b']),
    ('getex nokey EX 10', ['keymiss nokey']),
    ('append ap x', ['new ap', 'append ap']),
    ('append ap y', ['append ap']),
    ('incr n', ['new n', 'incrby n']),
    ('incrby n 5', ['incrby n']),
    ('decr n', ['incrby n']),
    ('decrby n 2', ['incrby n']),
    ('incrbyfloat f 1.5', ['new f', 'incrbyfloat f']),
    ('incrbyfloat f 1', ['incrbyfloat f']),
    ('setrange sr 3 x', ['new sr', 'setrange sr']),
    ("setrange sr 0 ''", []),
    ("setrange none 0 ''", []),
    ('setbit bits 3 1', ['new bits', 'setbit bits']),
    ('setbit bits 3 1', []),
    ('setbit bits 3 0', ['setbit bits']),
    ('setbit bits 100 0', ['setbit bits']),
    ('setbit bits 100 0', []),
    ('bitop and dest bits', ['new dest', 'set dest']),
    ('bitop or dest nokey', ['keymiss nokey', 'del dest']),
    ('bitop xor nokey2 nokey', ['keymiss nokey']),
    ('bitfield bf set u8 0 1', ['new bf', 'setbit bf']),
    ('bitfield bf set u8 0 1', []),
    ('bitfield bf get u8 0', []),
    ('bitfield bf incrby u8 0 0', []),
    ('bitfield bf set u8 800 0', ['setbit bf']),
    ('bitfield bf2 overflow fail incrby u2 0 10', ['new bf2']),
    ('del k k2 nope', ['del k', 'del k2']),
    ('unlink c', ['del c']),
    ('set r1 x', ['new r1', 'set r1']),
    ('rename r1 r2', ['new r2', 'rename_from r1', 'rename_to r2']),
    ('rename r2 r2', []),
    ('set r3 y', ['new r3', 'set r3']),
    ('rename r2 r3', ['new r3', 'rename_from r2', 'rename_to r3']),
    ('renamenx r3 r4', ['new r4', 'rename_from r3', 'rename_to r4']),
    ('set r5 x', ['new r5', 'set r5']),
    ('renamenx r4 r5', []),
    ('move r4 1', ['new r4@1', 'move_from r4', 'move_to r4@1']),
    ('move r5 1', ['new r5@1', 'move_from r5', 'move_to r5@1']),
    ('copy r5 c5', ['keymiss r5']),
    ('copy r5 c6 db 2', ['keymiss r5']),
    ('copy r5 c5', ['keymiss r5']),
    ('copy r5 c5 replace', ['keymiss r5']),
    ('expire r5 100', []),
    ('expire r5 100 NX', []),
    ('expire r5 200 GT', []),
    ('expire r5 50 GT', []),
    ('pexpire r5 100000', []),
    ('expireat r5 99999999999', []),
    ('persist r5', []),
    ('persist r5', []),
    ('expire r5 -1', []),
    ('set m1 x', ['new m1', 'set m1']),
    ('pexpireat m1 1', ['del m1']),
    ('expire nokey 10', []),
    ('get nokey', ['keymiss nokey']),
    ('mget nokey ap', ['keymiss nokey']),
    ('exists nokey ap', ['keymiss nokey']),
    ('type nokey', ['keymiss nokey']),
    ('ttl nokey', ['keymiss nokey']),
    ('strlen nokey', ['keymiss nokey']),
    ('getrange nokey 0 1', ['keymiss nokey']),
    ('getbit nokey 1', ['keymiss nokey']),
    ('bitcount nokey', ['keymiss nokey']),
    ('bitpos nokey 1', ['keymiss nokey']),
    ('incr newcounter', ['new newcounter', 'incrby newcounter']),
    ('lcs nokey ap', ['keymiss nokey']),
    ('touch nokey ap', ['keymiss nokey']),
]


def test_events_of_string_bit_and_key_commands(raw, notify_off):
    """Runs EVENT_CASES in order; after each command a marker PUBLISH (which
    the listener's pattern also matches) ends that command's events."""
    assert raw.call("CONFIG", "SET", "notify-keyspace-events", "KEAnm") == OK
    sub = raw.connect()
    assert sub.call("PSUBSCRIBE", "__key*__:*")[0] == "*"
    for i, (command, expected) in enumerate(EVENT_CASES):
        raw.call(*shlex.split(command))
        marker = f"done-{i}"
        assert raw.call("PUBLISH", "__keymarker__:", marker) == integer(1)
        got = []
        for _ in range(100):   # bounded: a command raises a few events at most
            channel, message = to_list(sub.read())[2:]
            if channel == "__keymarker__:":
                assert message == marker
                break
            got.append((channel, message))
        want = []
        for item in expected:
            event, _, key = item.partition(" ")
            key, _, db = key.partition("@")
            db = db or "0"
            want += [(f"__keyspace@{db}__:{key}", event), (f"__keyevent@{db}__:{event}", key)]
        assert got == want, f"{command}: got {got}, want {want}"
