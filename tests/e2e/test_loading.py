# End-to-end tests of dataset loading (issue 4): a server restarted on a big
# dump.rdb accepts connections at once and answers -LOADING (INFO
# persistence shows loading:1 and the loading_* fields) until the whole
# dataset is in, then serves all of it; DEBUG RELOAD keeps the data; a
# truncated dump.rdb makes the server exit non-zero, naming the file and the
# offset, without ever serving part of the data.
#
# Servers are dedicated (server_factory), bound to 127.0.0.1 on free ports in
# temp dirs and always stopped; every poll is bounded in count and time.

import time

import pytest
import redis

import harness

LOADING = "LOADING Redis is loading the dataset in memory"
BIG_KEYS = 200_000
POLL_LIMIT_S = 30.0


def info(client, section="persistence"):
    return client.info(section)


def fill(client, n):
    """n strings via DEBUG POPULATE plus one value of each type, with a TTL."""
    assert client.execute_command("DEBUG", "POPULATE", n, "key", 32) == b"OK"
    p = client.pipeline(transaction=False)
    p.hset("h", mapping={f"f{i}": f"v{i}" for i in range(600)})   # hashtable
    p.hset("hsmall", mapping={"a": "1", "b": "2"})                # listpack
    p.rpush("l", *[f"e{i}" for i in range(1000)])
    p.sadd("s", *range(100))                                      # intset
    p.sadd("sw", *[f"m{i}" for i in range(1000)])
    p.zadd("z", {f"m{i}": i / 3 for i in range(500)})
    p.set("ttl", "soon", ex=3600)
    p.execute()
    return n + 7


def check_data(client, total):
    assert client.dbsize() == total
    assert client.get("key:0") == b"value:0".ljust(32, b"\0")
    assert client.get(f"key:{BIG_KEYS - 1}").rstrip(b"\0") == f"value:{BIG_KEYS - 1}".encode()
    assert client.hlen("h") == 600 and client.hget("h", "f599") == b"v599"
    assert client.hgetall("hsmall") == {b"a": b"1", b"b": b"2"}
    assert client.lrange("l", 0, 2) == [b"e0", b"e1", b"e2"] and client.llen("l") == 1000
    assert client.scard("s") == 100 and client.sismember("s", 42)
    assert client.scard("sw") == 1000
    assert client.zscore("z", "m499") == pytest.approx(499 / 3)
    assert 3500 < client.ttl("ttl") <= 3600


def start_stopped(srv):
    """Restarts a stopped ServerProcess in its directory (new port); returns
    as soon as it answers, -LOADING included."""
    srv.start(wait_loaded=False)
    return srv


def test_clients_get_loading_during_startup_load_then_the_full_data(server_factory):
    srv = server_factory("--enable-debug-command", "yes")
    c = srv.client()
    total = fill(c, BIG_KEYS)
    assert c.save()
    c.close()
    srv.stop()
    assert (srv.dir / "dump.rdb").stat().st_size > 1_000_000

    # key-load-delay (microseconds per key, as Redis's) makes the load last
    # about a second whatever the machine's speed.
    srv.extra_args += ["--key-load-delay", "5"]
    start_stopped(srv)   # returns once the server answers (LOADING counts)
    c = srv.client()
    saw_loading = saw_info = False
    loading_info = None
    deadline = time.monotonic() + POLL_LIMIT_S
    for _ in range(100_000):
        assert time.monotonic() < deadline, "still loading after the poll limit"
        try:
            pong = c.ping()
        except redis.exceptions.BusyLoadingError:  # redis-py's name for -LOADING
            saw_loading = True
            if not saw_info:
                loading_info = info(c)
                saw_info = True
            time.sleep(0.01)
            continue
        assert pong is True
        break
    assert saw_loading, "the load ended before any client saw -LOADING"
    assert loading_info["loading"] == 1
    for field in ("loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
                  "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"):
        assert field in loading_info, field
    assert loading_info["loading_total_bytes"] == (srv.dir / "dump.rdb").stat().st_size
    assert 0 <= loading_info["loading_loaded_bytes"] <= loading_info["loading_total_bytes"]

    check_data(c, total)
    p = info(c)
    assert p["loading"] == 0 and "loading_total_bytes" not in p
    assert p["rdb_last_load_keys_loaded"] == total
    assert p["rdb_changes_since_last_save"] == 0
    log = srv.log()
    lines = [l for l in log.splitlines() if "Troupe is starting" in l or "Loading RDB" in l
             or "Done loading RDB" in l or "DB loaded from disk" in l
             or "Ready to accept connections" in l or "Server initialized" in l]
    last_start = max(i for i, l in enumerate(lines) if "Troupe is starting" in l)
    order = [l.split(" ", 6)[-1] for l in lines[last_start + 1:]]
    assert [o.split(" ")[0] for o in order] == ["Server", "Loading", "Done", "DB", "Ready"], order
    assert f"Done loading RDB, keys loaded: {total}, keys expired: 0." in log
    c.close()


def test_commands_with_the_loading_flag_run_during_the_load(server_factory):
    srv = server_factory("--enable-debug-command", "yes")
    c = srv.client()
    fill(c, 50_000)
    assert c.save()
    c.close()
    srv.stop()
    srv.extra_args += ["--key-load-delay", "40"]   # about 2 s
    start_stopped(srv)
    conn = srv.raw()
    loading = b"-" + LOADING.encode() + b"\r\n"
    try:
        assert conn.call_raw("PING") == loading            # PING has no `loading` flag
        assert conn.call_raw("ECHO", "x") == b"$1\r\nx\r\n"
        assert conn.call_raw("CONFIG", "GET", "key-load-delay") == \
            b"*2\r\n$14\r\nkey-load-delay\r\n$2\r\n40\r\n"
        assert conn.call_raw("GET", "key:1") == loading
        assert conn.call_raw("DBSIZE") == loading
        assert conn.call_raw("MULTI") == b"+OK\r\n"
        assert conn.call_raw("SET", "a", "1") == loading
        assert conn.call_raw("EXEC") == \
            b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        p = conn.call_raw("INFO", "persistence")
        assert b"loading:1\r\n" in p and b"loading_eta_seconds:" in p
        # Shutting down mid-load must not save half a dataset over dump.rdb.
        before = (srv.dir / "dump.rdb").read_bytes()
        conn.send_command("SHUTDOWN")
        assert srv.wait_exit(10) == 0
        assert (srv.dir / "dump.rdb").read_bytes() == before
        assert "Saving the final RDB snapshot" not in srv.log()
    finally:
        conn.close()


def test_debug_reload_keeps_the_data(server_factory):
    srv = server_factory("--enable-debug-command", "yes")
    c = srv.client()
    total = fill(c, BIG_KEYS)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    check_data(c, total)
    assert info(c)["rdb_changes_since_last_save"] == 0
    # NOSAVE loads the file as it is: later writes are gone.
    c.set("later", "x")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert c.exists("later") == 0
    # NOFLUSH MERGE adds the file's keys to the current ones.
    c.set("later", "x")
    c.delete("key:5")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == b"OK"
    assert c.exists("later", "key:5") == 2
    # A key in both without MERGE is refused, and nothing changes.
    with pytest.raises(Exception, match="Error trying to load the RDB dump"):
        c.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")
    assert c.dbsize() == total + 1
    # A corrupt file leaves the dataset as it was.
    dump = srv.dir / "dump.rdb"
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception, match="Error trying to load the RDB dump"):
        c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert c.dbsize() == total + 1
    assert "Bad RDB file dump.rdb at offset" in srv.log()
    with pytest.raises(Exception, match="only supports the MERGE, NOFLUSH and NOSAVE"):
        c.execute_command("DEBUG", "RELOAD", "QUICKLY")
    c.close()


def test_truncated_dump_exits_non_zero_naming_file_and_offset(server_factory, server_binary):
    srv = server_factory("--enable-debug-command", "yes")
    c = srv.client()
    fill(c, 100_000)
    assert c.save()
    c.close()
    srv.stop()
    dump = srv.dir / "dump.rdb"
    data = dump.read_bytes()
    cut = len(data) * 2 // 3
    dump.write_bytes(data[:cut])

    bad = harness.ServerProcess(server_binary, workdir=srv.dir, name="truncated")
    try:
        # It may answer -LOADING before it reaches the cut, or be gone already.
        try:
            bad.start(timeout=20, wait_loaded=False)
        except harness.ServerError:
            pass
        assert bad.wait_exit(20) == 1
        log = bad.log()
        assert "Bad RDB file dump.rdb at offset" in log, log[-2000:]
        offset = int(log.split("Bad RDB file dump.rdb at offset ")[1].split(":")[0])
        assert 0 < offset <= cut
        assert "Fatal error loading the DB" in log
        assert "Ready to accept connections" not in log
    finally:
        bad.stop()
