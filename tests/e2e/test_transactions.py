# End-to-end tests of MULTI/EXEC/DISCARD/WATCH/UNWATCH with redis-py:
# queued replies, EXECABORT on queue-time errors, runtime errors without
# rollback, optimistic locking races between two clients (the WATCH/retry
# loop every Redis client library uses), and RESET clearing a transaction.

import threading

import redis


def test_pipeline_transaction(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("a").get("a")
    assert pipe.execute() == [True, 2, b"2"]


def test_execabort_and_runtime_errors(r):
    r.set("s", "text")
    pipe = r.pipeline(transaction=True)
    pipe.incr("s").set("t", "ok")
    res = pipe.execute(raise_on_error=False)
    assert isinstance(res[0], redis.ResponseError) and res[1] is True
    assert r.get("t") == b"ok"
    raw = r.connection_pool.get_connection("MULTI")
    try:
        raw.send_command("MULTI")
        assert raw.read_response() == b"OK"
        raw.send_command("NOSUCHCMD")
        try:
            raw.read_response()
            assert False, "unknown command must be rejected"
        except redis.ResponseError:
            pass
        raw.send_command("SET", "u", "1")
        assert raw.read_response() == b"QUEUED"
        raw.send_command("EXEC")
        try:
            raw.read_response()
            assert False, "EXEC must abort"
        except redis.ResponseError as e:
            assert str(e).startswith("Transaction discarded because of previous errors")
    finally:
        r.connection_pool.release(raw)
    assert r.exists("u") == 0


def test_watch_race_between_two_clients(server):
    """Two clients increment a counter with WATCH/MULTI/EXEC retry loops:
    every increment lands exactly once, and some EXECs must have failed."""
    c1, c2 = server.client(), server.client()
    c1.set("counter", 0)
    failures = [0]
    lock = threading.Lock()

    def worker(client, n):
        for _ in range(n):
            for _attempt in range(1000):  # bounded retry loop
                with client.pipeline() as pipe:
                    try:
                        pipe.watch("counter")
                        value = int(pipe.get("counter"))
                        pipe.multi()
                        pipe.set("counter", value + 1)
                        pipe.execute()
                        break
                    except redis.WatchError:
                        with lock:
                            failures[0] += 1
            else:
                raise AssertionError("could not commit in 1000 attempts")

    threads = [threading.Thread(target=worker, args=(c, 200)) for c in (c1, c2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    assert int(c1.get("counter")) == 400


def test_watch_invalidated_by_other_client_and_expiry(server):
    a, b = server.client(), server.client()
    with a.pipeline() as pipe:
        pipe.watch("w")
        b.set("w", "changed")
        pipe.multi()
        pipe.set("w", "mine")
        try:
            pipe.execute()
            assert False, "EXEC must fail after another client's write"
        except redis.WatchError:
            pass
    assert a.get("w") == b"changed"
    a.set("e", "1", px=50)
    with a.pipeline() as pipe:
        pipe.watch("e")
        deadline = 0
        while a.exists("e") and deadline < 100:  # bounded wait for the key to expire
            deadline += 1
            import time
            time.sleep(0.01)
        pipe.multi()
        pipe.set("x", "1")
        try:
            pipe.execute()
            assert False, "EXEC must fail after a watched key expired"
        except redis.WatchError:
            pass


def test_errors_outside_and_inside_multi(raw):
    assert raw.call("EXEC") == ("-", "ERR EXEC without MULTI")
    assert raw.call("DISCARD") == ("-", "ERR DISCARD without MULTI")
    assert raw.call("MULTI") == ("+", "OK")
    assert raw.call("MULTI") == ("-", "ERR MULTI calls can not be nested")
    assert raw.call("WATCH", "k") == ("-", "ERR WATCH inside MULTI is not allowed")
    assert raw.call("DISCARD") == ("+", "OK")


def test_reset_clears_transaction(raw):
    assert raw.call("MULTI") == ("+", "OK")
    assert raw.call("SET", "r", "1") == ("+", "QUEUED")
    assert raw.call("RESET") == ("+", "RESET")
    assert raw.call("EXEC") == ("-", "ERR EXEC without MULTI")
