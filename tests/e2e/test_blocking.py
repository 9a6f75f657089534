# End-to-end tests of blocking commands (BLPOP BRPOP BLMOVE BLMPOP BZPOPMIN):
# clients blocked on a key are served in the order they blocked, a push from
# another connection or inside MULTI/EXEC wakes them, timeouts are honoured
# to within tens of milliseconds, CLIENT UNBLOCK releases a client (as a
# timeout or with the UNBLOCKED error), and blocking commands inside MULTI
# never block. Raw sockets, so blocking is observed without client threads.

import socket
import time

import pytest

from harness import encode_command


def requires(server, *commands):
    with server.raw() as c:
        for cmd in commands:
            reply = c.call("COMMAND", "INFO", cmd)
            if reply[1][0] in (None, ("*", None), ("$", None), ("_", None)):
                pytest.fail(f"server lacks {cmd}")


class Blocker:
    """A raw connection that sends one blocking command and reads its reply later."""

    def __init__(self, port, *args):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.sent_at = time.monotonic()
        self.sock.sendall(encode_command(*args))

    def client_id(self):
        return None

    def ready(self, wait_s=0.0):
        self.sock.settimeout(wait_s if wait_s > 0 else 0.001)
        try:
            chunk = self.sock.recv(65536)
            if chunk:
                self.buf += chunk
        except (socket.timeout, BlockingIOError):
            pass
        return bool(self.buf)

    def reply(self, timeout_s=5.0):
        deadline = time.monotonic() + timeout_s
        while not self.buf.endswith(b"\r\n") and time.monotonic() < deadline:
            self.ready(0.05)
        return self.buf

    def close(self):
        self.sock.close()


def settle():
    time.sleep(0.05)  # let the server register a just-sent blocking command


def test_fifo_order_across_connections(server):
    a = Blocker(server.port, "BLPOP", "q", "0")
    settle()
    b = Blocker(server.port, "BLPOP", "q", "0")
    settle()
    c = Blocker(server.port, "BLPOP", "q", "0")
    settle()
    try:
        r = server.client()
        assert r.rpush("q", "1", "2") == 2
        assert a.reply() == b"*2\r\n$1\r\nq\r\n$1\r\n1\r\n"
        assert b.reply() == b"*2\r\n$1\r\nq\r\n$1\r\n2\r\n"
        assert not c.ready(0.1)
        assert r.rpush("q", "3") == 1
        assert c.reply() == b"*2\r\n$1\r\nq\r\n$1\r\n3\r\n"
        assert r.exists("q") == 0
    finally:
        for x in (a, b, c):
            x.close()


def test_push_is_served_before_the_pushers_next_command(server):
    blocked = Blocker(server.port, "BRPOP", "k", "0")
    settle()
    try:
        with server.raw() as c:
            # One pipeline: the blocked client gets x before LPOP runs.
            c.sock.sendall(encode_command("LPUSH", "k", "x") + encode_command("LPOP", "k"))
            assert c.read() == (":", 1)
            assert c.read()[0] in ("$", "_") and c.read is not None
        assert blocked.reply() == b"*2\r\n$1\r\nk\r\n$1\r\nx\r\n"
    finally:
        blocked.close()


def test_timeout_is_honoured(server):
    b = Blocker(server.port, "BLPOP", "nothing", "0.2")
    try:
        reply = b.reply(timeout_s=3)
        elapsed = time.monotonic() - b.sent_at
        assert reply == b"*-1\r\n"
        assert 0.19 <= elapsed < 0.5, elapsed
    finally:
        b.close()
    m = Blocker(server.port, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0.1")
    try:
        # Redis 7.0 times every blocked list command out with a null array,
        # BLMOVE included (inside MULTI it answers a null bulk instead).
        assert m.reply(timeout_s=3) == b"*-1\r\n"
    finally:
        m.close()


def test_push_inside_multi_wakes_after_exec(server):
    b = Blocker(server.port, "BLPOP", "m", "0")
    settle()
    try:
        r = server.client()
        pipe = r.pipeline(transaction=True)
        pipe.rpush("m", "a").rpush("m", "b")
        assert pipe.execute() == [1, 2]
        assert b.reply() == b"*2\r\n$1\r\nm\r\n$1\r\na\r\n"
        assert r.lrange("m", 0, -1) == [b"b"]
    finally:
        b.close()


def test_blocking_commands_inside_multi_do_not_block(server):
    r = server.client()
    pipe = r.pipeline(transaction=True)
    pipe.blpop("empty", timeout=10).brpoplpush("empty", "x", timeout=10)
    t0 = time.monotonic()
    assert pipe.execute() == [None, None]
    assert time.monotonic() - t0 < 1


def test_blmove_wakes_a_chain(server):
    first = Blocker(server.port, "BLMOVE", "a", "b", "LEFT", "LEFT", "0")
    settle()
    second = Blocker(server.port, "BLPOP", "b", "0")
    settle()
    try:
        r = server.client()
        r.rpush("a", "v")
        assert first.reply() == b"$1\r\nv\r\n"
        assert second.reply() == b"*2\r\n$1\r\nb\r\n$1\r\nv\r\n"
    finally:
        first.close()
        second.close()


def test_client_unblock(server):
    with server.raw() as probe:
        b = Blocker(server.port, "BLPOP", "u", "0")
        settle()
        try:
            ids = [line for line in probe.call("CLIENT", "LIST")[1].decode().splitlines()
                   if "cmd=blpop" in line]
            assert len(ids) == 1 and " flags=b " in ids[0]
            cid = ids[0].split()[0].split("=")[1]
            assert probe.call("CLIENT", "UNBLOCK", cid) == (":", 1)
            assert b.reply() == b"*-1\r\n"
            assert probe.call("CLIENT", "UNBLOCK", cid) == (":", 0)
        finally:
            b.close()
        e = Blocker(server.port, "BLPOP", "u", "0")
        settle()
        try:
            cid = [line for line in probe.call("CLIENT", "LIST")[1].decode().splitlines()
                   if "cmd=blpop" in line][0].split()[0].split("=")[1]
            assert probe.call("CLIENT", "UNBLOCK", cid, "ERROR") == (":", 1)
            assert e.reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        finally:
            e.close()


def test_timeout_errors(raw):
    assert raw.call("BLPOP", "k", "abc") == ("-", "ERR timeout is not a float or out of range")
    assert raw.call("BLPOP", "k", "-1") == ("-", "ERR timeout is negative")


def test_blocked_client_closing_is_forgotten(server):
    b = Blocker(server.port, "BLPOP", "gone", "0")
    settle()
    b.close()
    time.sleep(0.05)
    r = server.client()
    r.rpush("gone", "v")
    assert r.lrange("gone", 0, -1) == [b"v"]
    info = r.info("clients")
    assert info["blocked_clients"] == 0
