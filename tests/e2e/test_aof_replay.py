# The AOF replays to the same dataset: the differential tester's seeded
# command sequences (every family) run against a server with appendonly yes,
# then the server restarts from its AOF and every key of every database must
# come back with the same type and value. This checks the propagation forms
# end to end (PXAT for relative TTLs, SREM for SPOP, SET KEEPTTL for
# INCRBYFLOAT, the plain forms of blocking commands, MULTI/EXEC batches,
# SELECT, SWAPDB, ...), since the AOF holds exactly what replicas receive.
import random
import sys
import time
from pathlib import Path

import harness

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "diff"))
import difftest  # noqa: E402  (tests/diff/difftest.py: the command generators)

FAMILIES = [f for f in difftest.DEFAULT_FAMILIES if f != "pubsub"]


def dataset(r):
    """Every key of every database: type and value (TTLs are removed first)."""
    out = {}
    for db in range(16):
        c = r.client(db=db)
        for k in c.keys("*"):
            t = c.type(k).decode()
            if t == "string":
                v = c.get(k)
                if v.startswith(b"HYLL"):
                    # The encoding (sparse/dense) follows hll-sparse-max-bytes, which a
                    # CONFIG SET in the sequence may have changed and the AOF does not
                    # carry (in Redis neither): compare what it counts.
                    try:
                        v = ("hll", c.pfcount(k))
                    except Exception as e:  # a deliberately corrupted HLL
                        v = ("hll-error", str(e))
            elif t == "list":
                v = c.lrange(k, 0, -1)
            elif t == "set":
                v = sorted(c.smembers(k))
            elif t == "zset":
                v = c.zrange(k, 0, -1, withscores=True)
            elif t == "hash":
                v = sorted(c.hgetall(k).items())
            else:
                v = None
            out[(db, k)] = (t, v)
    return out


def persist_all(srv):
    for db in range(16):
        c = srv.client(db=db)
        for k in c.keys("*"):
            c.persist(k)


def run_seed(srv, seed, steps):
    side = difftest.Side("troupe", srv.port, 2)
    side.connect()
    try:
        missing = difftest.unsupported_families(side, FAMILIES)
        families = [f for f in FAMILIES if f not in missing]
        assert side.call(["FLUSHALL"]) == harness.OK
        rng = random.Random(seed)
        g = difftest.Gen(rng, int(time.time()))
        for step in range(1, steps + 1):
            g.step = step
            cmd = difftest.FAMILIES[rng.choice(families)].generate(g)
            if cmd.lcs_keys and difftest.lcs_too_big(side, cmd.lcs_keys):
                continue
            reply = side.call(cmd.args)
            if reply[0] == "closed":  # QUIT-like endings (the errors family): reconnect, as difftest does
                side.connect()
                continue
            if reply[0] == "-" and reply[1].startswith("INVALIDOBJ") and len(cmd.args) > 1:
                side.call(["DEL", cmd.args[1]])  # as on a replica: see test_replication.py
    finally:
        side.close()


def test_aof_restart_reproduces_the_dataset(server_factory):
    srv = server_factory("--appendonly", "yes", name="aof-replay")
    for seed in range(1, 3):
        run_seed(srv, seed, 400)
        persist_all(srv)  # nothing may expire between the two looks
        before = dataset(srv)
        srv.stop()
        srv.start()
        after = dataset(srv)
        only_before = sorted(set(before) - set(after))[:5]
        only_after = sorted(set(after) - set(before))[:5]
        differ = sorted(k for k in set(before) & set(after) if before[k] != after[k])[:5]
        assert before == after, (f"seed {seed}: only before restart {only_before}, only after {only_after}, "
                                 f"different {differ}")
