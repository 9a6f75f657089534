# End-to-end tests of size and connection limits: a 100 MB value round trip,
# 1,000 concurrent connections each doing a PING, maxclients (a server started
# with --maxclients 5 answers "-ERR max number of clients reached" and closes),
# and client-query-buffer-limit closing a client whose query buffer grows past
# it. Slow tests are marked `slow` but run by default.

import resource
import selectors
import socket
import time

import pytest

from harness import OK, integer, encode_command, RawConn, troupe_server_path


def poll(predicate, timeout_s=5.0, interval_s=0.02):
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


def connected_clients(conn):
    text = conn.call("INFO", "clients")[1].decode()
    for line in text.split("\r\n"):
        if line.startswith("connected_clients:"):
            return int(line.split(":")[1])
    raise AssertionError("connected_clients missing")


@pytest.mark.slow
def test_100mb_value_roundtrip(r):
    size = 100 * 1024 * 1024
    value = (b"0123456789abcdef" * (size // 16))
    assert len(value) == size
    assert r.set("big", value) is True
    assert r.strlen("big") == size
    got = r.get("big")
    assert len(got) == size and got == value
    assert r.getrange("big", size - 16, -1) == b"0123456789abcdef"
    assert r.append("big", b"!") == size + 1
    assert r.delete("big") == 1


@pytest.mark.slow
def test_1000_concurrent_connections_ping(server):
    n = 1000
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft >= n + 100, f"RLIMIT_NOFILE soft limit {soft} too low for {n} connections"
    socks = []
    sel = selectors.DefaultSelector()
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            socks.append(s)
        ping = encode_command("PING")
        for s in socks:
            s.sendall(ping)
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, bytearray())
        pending = n
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1.0):
                chunk = key.fileobj.recv(64)
                assert chunk, "connection closed before answering PING"
                key.data.extend(chunk)
                if key.data.endswith(b"\r\n"):
                    assert bytes(key.data) == b"+PONG\r\n"
                    sel.unregister(key.fileobj)
                    pending -= 1
        assert pending == 0, f"{pending} connections got no PONG within 30 s"
        with server.raw() as c:
            assert connected_clients(c) >= n + 1
    finally:
        sel.close()
        for s in socks:
            s.close()
    with server.raw() as c:
        assert poll(lambda: connected_clients(c) < 10, timeout_s=10)


def test_maxclients(server_factory):
    srv = server_factory("--maxclients", "5", name="maxclients")
    conns = [RawConn(srv.port)]
    try:
        # wait until only our first connection is counted (the readiness
        # probe may still be closing)
        assert poll(lambda: connected_clients(conns[0]) == 1)
        for _ in range(4):
            c = RawConn(srv.port)
            conns.append(c)
            assert c.call("PING") == ("+", "PONG")
        extra = RawConn(srv.port)
        conns.append(extra)
        assert extra.read_until_closed(timeout=5) == b"-ERR max number of clients reached\r\n"
        for c in conns[:5]:
            assert c.call("PING") == ("+", "PONG")
        stats = conns[0].call("INFO", "stats")[1].decode()
        assert "rejected_connections:1\r\n" in stats
        # a slot frees up when a client leaves
        conns[4].close()
        assert poll(lambda: connected_clients(conns[0]) == 4)
        again = RawConn(srv.port)
        conns.append(again)
        assert again.call("PING") == ("+", "PONG")
        assert conns[0].call("CONFIG", "GET", "maxclients") == (
            "*", [("$", b"maxclients"), ("$", b"5")])
    finally:
        for c in conns:
            c.close()


def test_client_query_buffer_limit(server_factory):
    srv = server_factory("--client-query-buffer-limit", "1mb", name="qbuf")
    with srv.raw() as ok:
        # a request under the limit works
        value = b"v" * (900 * 1024)
        assert ok.call("SET", "k", value) == OK
        assert ok.call("STRLEN", "k") == integer(len(value))
        before = int(ok.call("CONFIG", "GET", "client-query-buffer-limit")[1][1][1])
        assert before == 1024 * 1024
        # a request whose query buffer grows past the limit closes the client
        victim = srv.raw()
        victim.send(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$3000000\r\n")
        try:
            for _ in range(4):
                victim.send(b"x" * (512 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert victim.read_until_closed(timeout=10) == b""
        victim.close()
        # nothing was stored and the server keeps serving others
        assert ok.call("EXISTS", "x") == integer(0)
        assert ok.call("PING") == ("+", "PONG")


@pytest.mark.slow
def test_monitor_that_never_reads_is_disconnected(server):
    """A MONITOR client that stops reading is closed once its output backlog
    passes 32mb, instead of growing forever. A deliberate Troupe safety
    limit: Redis leaves MONITOR clients in the unlimited normal class."""
    if troupe_server_path().name == "redis-server":
        pytest.skip("Troupe-only safety limit: Redis never disconnects a monitor by default")
    mon = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    mon.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        mon.sendall(encode_command("MONITOR"))
        assert mon.recv(5) == b"+OK\r\n"
        r = server.client()
        value = b"v" * 1024
        deadline = time.monotonic() + 60
        disconnected = False
        for batch in range(200):  # at most 200 x 500 x ~1 KB = ~100 MB of monitor output
            pipe = r.pipeline(transaction=False)
            for i in range(500):
                pipe.set(f"k{i}", value)
            pipe.execute()
            info = r.info("stats")
            if info.get("client_output_buffer_limit_disconnections", 0) >= 1:
                disconnected = True
                break
            assert time.monotonic() < deadline, "monitor was never disconnected"
        assert disconnected
    finally:
        mon.close()
