# End-to-end tests of connection handling: HELLO (RESP2/RESP3, AUTH,
# SETNAME), AUTH against --requirepass, RESET, QUIT, CLIENT ID/SETNAME/
# GETNAME/LIST/INFO/KILL/PAUSE/UNPAUSE/REPLY, MONITOR and SHUTDOWN NOSAVE,
# with redis-server 7.0.15's replies. Waits are bounded.

import re
import socket
import time

import pytest
import redis

from harness import OK, NIL, err, integer, bulk, array, status

HELLO_KEYS = ["server", "version", "proto", "id", "mode", "role", "modules"]
NOAUTH = err("NOAUTH Authentication required.")
WRONGPASS = err("WRONGPASS invalid username-password pair or user is disabled.")
NOAUTH_HELLO = err(
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
    "the RESP protocol version at the same time")
BAD_NAME = err("ERR Client names cannot contain spaces, newlines or special characters.")

CLIENT_LIST_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
                      "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem",
                      "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events",
                      "cmd", "user", "redir", "resp"]


def client_fields(line):
    fields = {}
    for part in line.split(" "):
        key, sep, value = part.partition("=")
        assert sep == "=", part
        fields[key] = value
    return fields


def client_id(conn):
    reply = conn.call("CLIENT", "ID")
    assert reply[0] == ":"
    return reply[1]


def poll(predicate, timeout_s=5.0, interval_s=0.02):
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


# -- HELLO ----------------------------------------------------------------------

def test_hello_resp2(raw):
    reply = raw.call("HELLO")
    assert reply[0] == "*" and len(reply[1]) == 14
    keys = [x[1].decode() for x in reply[1][::2]]
    assert keys == HELLO_KEYS
    values = dict(zip(keys, reply[1][1::2]))
    assert values["server"][0] == "$" and values["version"][0] == "$"
    assert re.fullmatch(rb"\d+\.\d+\.\d+", values["version"][1])
    assert values["proto"] == integer(2)
    assert values["id"] == integer(client_id(raw))
    assert values["mode"] == bulk("standalone")
    assert values["role"] == bulk("master")
    assert values["modules"] == array()
    assert raw.call("HELLO", "2")[1][5] == integer(2)


def test_hello_resp3_and_back(raw):
    raw.send_command("HELLO", "3")
    data = raw.read_raw()
    assert data.startswith(b"%7\r\n$6\r\nserver\r\n")
    reply = raw.call("HELLO", "3")
    assert reply[0] == "%"
    assert [k[1].decode() for k, _ in reply[1]] == HELLO_KEYS
    assert dict((k[1].decode(), v) for k, v in reply[1])["proto"] == integer(3)
    assert raw.call_raw("GET", "nokey") == b"_\r\n"
    reply = raw.call("HELLO", "2")
    assert reply[0] == "*"
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


def test_hello_setname_and_errors(raw):
    assert raw.call("HELLO", "2", "SETNAME", "myname")[0] == "*"
    assert raw.call("CLIENT", "GETNAME") == bulk("myname")
    assert raw.call("HELLO", "2", "SETNAME", "a b") == BAD_NAME
    assert raw.call("CLIENT", "GETNAME") == bulk("myname")
    assert raw.call("HELLO", "1") == err("NOPROTO unsupported protocol version")
    assert raw.call("HELLO", "4") == err("NOPROTO unsupported protocol version")
    assert raw.call("HELLO", "abc") == err("ERR Protocol version is not an integer or out of range")
    assert raw.call("HELLO", "3", "FOO") == err("ERR Syntax error in HELLO option 'FOO'")
    assert raw.call("HELLO", "3", "AUTH", "default") == err("ERR Syntax error in HELLO option 'AUTH'")
    # a failed HELLO leaves the protocol alone
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


# -- AUTH / requirepass ---------------------------------------------------------

def test_auth_without_requirepass(raw):
    assert raw.call("AUTH", "foo") == err(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert raw.call("AUTH", "a", "b", "c") == err("ERR syntax error")
    # the default user has nopass: any password works with a user name
    assert raw.call("AUTH", "default", "whatever") == OK
    assert raw.call("AUTH", "nobody", "x") == WRONGPASS


def test_requirepass(server_factory):
    srv = server_factory("--requirepass", "s3cret", name="auth")
    with srv.raw() as c:
        assert c.call("GET", "a") == NOAUTH
        assert c.call("PING") == NOAUTH
        assert c.call("SET", "a", "1") == NOAUTH
        # unknown commands are reported as such before the auth check
        assert c.call("FOO") == err("ERR unknown command 'FOO', with args beginning with: ")
        assert c.call("HELLO") == NOAUTH_HELLO
        assert c.call("HELLO", "3") == NOAUTH_HELLO
        assert c.call("HELLO", "2", "AUTH", "default", "bad") == WRONGPASS
        assert c.call("HELLO", "2", "AUTH", "bad", "s3cret") == WRONGPASS
        assert c.call("AUTH", "bad") == WRONGPASS
        assert c.call("AUTH", "s3cret") == OK
        assert c.call("GET", "a") == NIL
        assert c.call("RESET") == status("RESET")
        assert c.call("GET", "a") == NOAUTH       # RESET drops authentication
        assert c.call("AUTH", "default", "s3cret") == OK
        assert c.call("SET", "a", "1") == OK
        assert c.call("RESET") == status("RESET")
        reply = c.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "n1")
        assert reply[0] == "%"
        assert c.call("CLIENT", "GETNAME") == bulk("n1")
        assert c.call_raw("GET", "a") == b"$1\r\n1\r\n"
        assert c.call_raw("GET", "x") == b"_\r\n"
        assert c.call("QUIT") == OK
    # redis-py and redis-cli with the password
    client = srv.client(password="s3cret")
    assert client.get("a") == b"1"
    client.close()
    with pytest.raises(redis.RedisError, match="WRONGPASS"):
        srv.client(password="wrong").ping()
    out = srv.cli("--no-auth-warning", "-a", "s3cret", "GET", "a")
    assert out.stdout == "1\n"
    out = srv.cli("GET", "a")
    assert out.stdout.strip() == "NOAUTH Authentication required."


# -- RESET / QUIT ---------------------------------------------------------------

def test_reset(raw):
    assert raw.call("SELECT", "3") == OK
    assert raw.call("CLIENT", "SETNAME", "before") == OK
    assert raw.call("HELLO", "3")[0] == "%"
    assert raw.call_raw("RESET") == b"+RESET\r\n"
    assert raw.call("CLIENT", "GETNAME") == NIL          # RESP2 again: $-1
    info = client_fields(raw.call("CLIENT", "INFO")[1].decode().strip())
    assert info["db"] == "0" and info["resp"] == "2" and info["name"] == ""
    assert raw.call("RESET", "x") == err("ERR wrong number of arguments for 'reset' command")


def test_reset_turns_replies_back_on(raw):
    raw.send(b"CLIENT REPLY OFF\r\nPING\r\n")
    assert raw.call_raw("RESET") == b"+RESET\r\n"
    assert raw.call_raw("PING") == b"+PONG\r\n"


def test_quit(raw):
    c = raw.connect()
    assert c.call_raw("QUIT") == b"+OK\r\n"
    assert c.read_until_closed(timeout=5) == b""
    c = raw.connect()
    c.send(b"QUIT\r\nPING\r\n")   # nothing after QUIT is executed
    assert c.read_until_closed(timeout=5) == b"+OK\r\n"


# -- CLIENT -----------------------------------------------------------------------

def test_client_id_setname_getname(raw):
    other = raw.connect()
    a, b = client_id(raw), client_id(other)
    assert a > 0 and b > 0 and a != b
    assert client_id(raw) == a
    assert raw.call("CLIENT", "GETNAME") == NIL
    assert raw.call("CLIENT", "SETNAME", "conn-1") == OK
    assert raw.call("CLIENT", "GETNAME") == bulk("conn-1")
    for bad in ("a b", "a\nb", "caf\xc3\xa9"):
        assert raw.call("CLIENT", "SETNAME", bad) == BAD_NAME
    assert raw.call("CLIENT", "GETNAME") == bulk("conn-1")
    assert raw.call("CLIENT", "SETNAME", "") == OK
    assert raw.call("CLIENT", "GETNAME") == NIL
    assert raw.call("CLIENT", "SETNAME") == err(
        "ERR wrong number of arguments for 'client|setname' command")
    assert raw.call("CLIENT") == err("ERR wrong number of arguments for 'client' command")
    assert raw.call("CLIENT", "FOO") == err("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")


def test_client_list_and_info(raw, server):
    assert raw.call("CLIENT", "SETNAME", "lister") == OK
    assert raw.call("SELECT", "2") == OK
    other = raw.connect()
    me = client_id(raw)
    reply = raw.call("CLIENT", "LIST")
    assert reply[0] == "$"
    text = reply[1].decode()
    assert text.endswith("\n")
    lines = text.rstrip("\n").split("\n")
    rows = [client_fields(l) for l in lines]
    for row in rows:
        assert list(row) == CLIENT_LIST_FIELDS
    mine = [r for r in rows if r["id"] == str(me)]
    assert len(mine) == 1
    row = mine[0]
    assert row["name"] == "lister" and row["db"] == "2"
    assert row["cmd"] == "client|list" and row["user"] == "default" and row["resp"] == "2"
    assert row["laddr"] == f"127.0.0.1:{server.port}"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", row["addr"])
    assert row["flags"] == "N"
    assert str(client_id(other)) in {r["id"] for r in rows}
    info = raw.call("CLIENT", "INFO")
    assert info[0] == "$" and info[1].endswith(b"\n")
    info_row = client_fields(info[1].decode().strip())
    assert list(info_row) == CLIENT_LIST_FIELDS
    assert info_row["id"] == str(me) and info_row["cmd"] == "client|info"
    only = raw.call("CLIENT", "LIST", "ID", str(me))[1].decode().strip()
    assert client_fields(only)["id"] == str(me)
    assert raw.call("CLIENT", "LIST", "ID", "999999999") == bulk("")
    normal = raw.call("CLIENT", "LIST", "TYPE", "normal")[1].decode()
    assert f"id={me} " in normal
    assert raw.call("CLIENT", "LIST", "TYPE", "foo") == err("ERR Unknown client type 'foo'")
    assert raw.call("CLIENT", "LIST", "ID", "abc") == err("ERR Invalid client ID")


def test_client_kill(raw):
    victim = raw.connect()
    vid = client_id(victim)
    assert raw.call("CLIENT", "KILL", "ID", str(vid)) == integer(1)
    assert victim.read_until_closed(timeout=5) == b""
    assert raw.call("CLIENT", "KILL", "ID", str(vid)) == integer(0)

    victim = raw.connect()
    victim_addr = client_fields(victim.call("CLIENT", "INFO")[1].decode().strip())["addr"]
    assert raw.call("CLIENT", "KILL", victim_addr) == OK      # old form
    assert victim.read_until_closed(timeout=5) == b""
    assert raw.call("CLIENT", "KILL", victim_addr) == err("ERR No such client")

    victim = raw.connect()
    victim_addr = client_fields(victim.call("CLIENT", "INFO")[1].decode().strip())["addr"]
    assert raw.call("CLIENT", "KILL", "ADDR", victim_addr) == integer(1)
    assert victim.read_until_closed(timeout=5) == b""

    # SKIPME yes (default) spares the caller; SKIPME no does not
    me = client_id(raw)
    assert raw.call("CLIENT", "KILL", "ID", str(me)) == integer(0)
    assert raw.call("PING") == status("PONG")
    assert raw.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == integer(0)
    assert raw.call("CLIENT", "KILL", "1.2.3.4:5") == err("ERR No such client")
    assert raw.call("CLIENT", "KILL", "ID", "abc") == err("ERR client-id should be greater than 0")
    assert raw.call("CLIENT", "KILL", "FOO", "x") == err("ERR syntax error")
    selfkill = raw.connect()
    sid = client_id(selfkill)
    selfkill.send_command("CLIENT", "KILL", "ID", str(sid), "SKIPME", "no")
    data = selfkill.read_until_closed(timeout=5)
    assert data in (b"", b":1\r\n")


def test_client_pause_write(raw):
    writer = raw.connect()
    try:
        assert raw.call("CLIENT", "PAUSE", "10000", "WRITE") == OK
        writer.send_command("SET", "paused", "1")
        assert writer.pending(wait_s=0.3) == b""           # held back
        # reads still go through in WRITE mode
        reader = raw.connect()
        assert reader.call("GET", "paused") == NIL
        t0 = time.monotonic()
        assert raw.call("CLIENT", "UNPAUSE") == OK
        writer.settimeout(5)
        assert writer.read_raw() == b"+OK\r\n"
        assert time.monotonic() - t0 < 5
        assert raw.call("GET", "paused") == bulk("1")
    finally:
        raw.call("CLIENT", "UNPAUSE")


def test_client_pause_all_expires(raw):
    other = raw.connect()
    try:
        assert raw.call("CLIENT", "PAUSE", "300") == OK     # default mode ALL
        t0 = time.monotonic()
        other.send_command("PING")
        other.settimeout(5)
        assert other.read_raw() == b"+PONG\r\n"
        assert time.monotonic() - t0 >= 0.2
    finally:
        raw.call("CLIENT", "UNPAUSE")
    assert raw.call("CLIENT", "PAUSE", "abc") == err("ERR timeout is not an integer or out of range")
    assert raw.call("CLIENT", "PAUSE", "10", "FOO") == err("ERR CLIENT PAUSE mode must be WRITE or ALL")


def test_client_reply(raw):
    raw.send(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\n")
    raw.send(b"CLIENT REPLY ON\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.call("GET", "a") == bulk("1")
    raw.send(b"CLIENT REPLY SKIP\r\nINCR a\r\nINCR a\r\n")
    assert raw.read_raw() == b":3\r\n"
    assert raw.pending(wait_s=0.1) == b""
    assert raw.call("CLIENT", "REPLY", "FOO") == err("ERR syntax error")
    assert raw.call("CLIENT", "REPLY", "ON") == OK


# -- MONITOR -------------------------------------------------------------------------

def test_monitor(raw, server):
    mon = raw.connect()
    assert mon.call("MONITOR") == OK
    actor = raw.connect()
    assert actor.call("SELECT", "5") == OK
    assert actor.call("SET", "mkey", "a value") == OK
    assert actor.call("GET", "mkey") == bulk("a value")
    lines = []
    mon.settimeout(5)
    for _ in range(3):   # the three commands above, in order
        lines.append(mon.read())
    port = r"\d+"
    # the line shows the db the client is in after the command ran
    assert lines[0][0] == "+"
    assert re.fullmatch(rf"\d+\.\d{{6}} \[5 127\.0\.0\.1:{port}\] \"SELECT\" \"5\"", lines[0][1]), lines[0]
    assert re.fullmatch(rf"\d+\.\d{{6}} \[5 127\.0\.0\.1:{port}\] \"SET\" \"mkey\" \"a value\"", lines[1][1]), lines[1]
    assert re.fullmatch(rf"\d+\.\d{{6}} \[5 127\.0\.0\.1:{port}\] \"GET\" \"mkey\"", lines[2][1]), lines[2]
    ts = float(lines[1][1].split(" ")[0])
    assert abs(ts - time.time()) < 60
    actor.call("ECHO", b"bin\x01\"q")
    assert mon.read()[1].endswith('"ECHO" "bin\\x01\\"q"')
    # CLIENT LIST flags the monitoring connection "O"
    mon_id_rows = raw.call("CLIENT", "LIST")[1].decode()
    assert any(client_fields(l)["flags"] == "O" for l in mon_id_rows.strip().split("\n"))


# -- SHUTDOWN ----------------------------------------------------------------------

def test_shutdown_nosave_ends_process(server_factory):
    srv = server_factory(name="shutdown")
    with srv.raw() as c:
        assert c.call("SHUTDOWN", "FOO") == err("ERR syntax error")
        assert c.call("SHUTDOWN", "NOSAVE", "SAVE") == err("ERR syntax error")
        c.send_command("SHUTDOWN", "NOSAVE")
        assert c.read_until_closed(timeout=10) == b""
    assert srv.wait_exit(timeout=10) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()


def test_redis_cli_shutdown(server_factory):
    srv = server_factory(name="clishutdown")
    assert srv.cli("SET", "a", "1").stdout == "OK\n"
    srv.cli("SHUTDOWN")
    assert srv.wait_exit(timeout=10) == 0
