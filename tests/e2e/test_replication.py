# End-to-end tests of replication (issue 5): the tutorial's part 2 (a master
# and two replicas started from stock redis.conf files), INFO replication and
# ROLE compared with redis-server 7.0.15, resyncs (after a crash, after
# CLIENT KILL TYPE master, after falling out of a small backlog), WAIT,
# promotion with REPLICAOF NO ONE, chained replicas, min-replicas-to-write,
# replica-serve-stale-data, bad input (a closed port, itself, a fake master
# that sends junk, bad ports), interop both ways with redis-server, and the
# differential tester's command sequences written to a master and read back
# from its replica.
#
# Servers: troupe-server ($TROUPE_SERVER) and the reference redis-server
# ($REDIS_SERVER, default /usr/bin/redis-server), each on a free 127.0.0.1
# port in its own temp dir, always stopped (the `nodes` fixture). Every wait
# is a bounded poll. Every node gets --repl-diskless-sync-delay 0: the 5 s
# default (Redis 7.0's) would delay every full sync.
#
# TROUPE_SERVER=/usr/bin/redis-server runs the file against real Redis, which
# is how its expectations were checked; the few Troupe-only checks skip then.

import os
import re
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

import harness

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "diff"))
import difftest  # noqa: E402  (tests/diff/difftest.py: command generators, comparison)

REDIS_SERVER = os.environ.get("REDIS_SERVER") or "/usr/bin/redis-server"
# A full stock redis.conf (Redis 7.0's, as Debian ships it), the file the
# tutorial copies into each instance's directory.
STOCK_CONF = Path(__file__).resolve().parents[1] / "node" / "testdata" / "redis-7.0-debian.conf"
NODE_ARGS = ("--repl-diskless-sync-delay", "0")
SYNC_TIMEOUT_S = 30.0
POLL_S = 0.02

READONLY = "READONLY You can't write against a read only replica."
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
WAIT_ON_REPLICA = ("ERR WAIT cannot be used with replica instances. Please also note that since "
                   "Redis 4.0 if a replica is configured to be writable (which is not the default) "
                   "writes to replicas are just local and are not propagated.")
PARTIAL_ACCEPTED = re.compile(r"Partial resynchronization request from \S+ accepted")
FULL_SYNC_STARTED = "Starting BGSAVE for SYNC"


def is_troupe(binary):
    return Path(binary).name != "redis-server"


TROUPE_UNDER_TEST = is_troupe(harness.troupe_server_path())


# ---------------------------------------------------------------------------
# Polling and reading state
# ---------------------------------------------------------------------------

def wait_for(pred, timeout=SYNC_TIMEOUT_S, what="condition"):
    """Polls pred() until it is truthy (returns it) or fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(POLL_S)


def info_lines(srv, section="replication"):
    """[(name, value)] of one INFO section, in the server's order."""
    with srv.raw() as c:
        reply = c.call("INFO", section)
    assert reply[0] == "$", reply
    out = []
    for line in reply[1].decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition(":")
            out.append((name, value))
    return out


def repl(srv):
    """INFO replication as a dict of strings."""
    return dict(info_lines(srv))


def link_up(replica, timeout=SYNC_TIMEOUT_S):
    wait_for(lambda: repl(replica).get("master_link_status") == "up", timeout,
             f"master_link_status:up on {replica.name}")


def caught_up(master, *replicas, timeout=SYNC_TIMEOUT_S):
    """Waits until every replica's offset equals the master's."""
    def done():
        want = repl(master)["master_repl_offset"]
        got = [repl(r).get("master_repl_offset") for r in replicas]
        return all(g == want for g in got) and (want, got)
    return wait_for(done, timeout, f"replicas of {master.name} to reach its offset")


def log_since(srv, mark):
    return srv.log()[mark:]


def wait_log(srv, pattern, mark=0, timeout=SYNC_TIMEOUT_S, count=1):
    """Waits until `pattern` (str or compiled regex) is in srv's log after
    byte `mark`, `count` times; returns the log text after the mark."""
    def found():
        text = log_since(srv, mark)
        n = len(pattern.findall(text)) if hasattr(pattern, "findall") else text.count(pattern)
        return text if n >= count else None
    return wait_for(found, timeout, f"{pattern!r} x{count} in {srv.name}'s log")


def log_mark(srv):
    return len(srv.log())


def raw_call(srv, *args):
    with srv.raw() as c:
        return c.call(*args)


# ---------------------------------------------------------------------------
# Data: a mixed write load and a type-aware snapshot to compare
# ---------------------------------------------------------------------------

def write_mixed(client, n, tag):
    """n writes over every type (plus a MULTI block and a key in db 1)."""
    p = client.pipeline(transaction=False)
    for i in range(n):
        kind = i % 7
        if kind == 0:
            p.set(f"{tag}:s:{i}", f"value-{i}-" + "x" * (i % 50))
        elif kind == 1:
            p.incr(f"{tag}:counter")
        elif kind == 2:
            p.rpush(f"{tag}:list", i)
        elif kind == 3:
            p.hset(f"{tag}:hash", f"f{i}", i)
        elif kind == 4:
            p.sadd(f"{tag}:set", i)
        elif kind == 5:
            p.zadd(f"{tag}:zset", {f"m{i}": i / 2})
        else:
            p.set(f"{tag}:ttl:{i}", i, ex=100000)
        if i % 97 == 96:
            p.delete(f"{tag}:s:{i - 96}")
    p.execute()
    tx = client.pipeline(transaction=True)
    tx.set(f"{tag}:tx:a", "1").incrby(f"{tag}:tx:b", 5).lpush(f"{tag}:tx:l", "z")
    tx.execute()
    db1 = redis.Redis(host="127.0.0.1", port=client.connection_pool.connection_kwargs["port"], db=1)
    try:
        db1.set(f"{tag}:db1", "in-db-1")
    finally:
        db1.close()


def dataset(srv, dbs=(0, 1), limit=500_000):
    """{db: {key: value}} read with type-aware commands (TTLs as present/absent)."""
    out = {}
    for db in dbs:
        c = redis.Redis(host="127.0.0.1", port=srv.port, db=db, socket_timeout=60)
        try:
            keys = []
            for k in c.scan_iter(count=1000):
                keys.append(k)
                assert len(keys) <= limit, "dataset too large to compare"
            p = c.pipeline(transaction=False)
            for k in keys:
                p.type(k)
                p.ttl(k)
            meta = p.execute()
            p = c.pipeline(transaction=False)
            types = [t.decode() for t in meta[0::2]]
            for k, t in zip(keys, types):
                if t == "string":
                    p.get(k)
                elif t == "list":
                    p.lrange(k, 0, -1)
                elif t == "hash":
                    p.hgetall(k)
                elif t == "set":
                    p.smembers(k)
                elif t == "zset":
                    p.zrange(k, 0, -1, withscores=True)
                else:
                    p.dump(k)
            values = p.execute()
            db_out = {}
            for k, t, ttl, v in zip(keys, types, meta[1::2], values):
                if isinstance(v, set):
                    v = frozenset(v)
                elif isinstance(v, dict):
                    v = tuple(sorted(v.items()))
                elif isinstance(v, list):
                    v = tuple(v)
                db_out[k] = (t, ttl >= 0, v)
            out[db] = db_out
        finally:
            c.close()
    return out


def assert_same_data(a, b, dbs=(0, 1)):
    da, db_ = dataset(a, dbs), dataset(b, dbs)
    for d in dbs:
        if da[d] != db_[d]:
            only_a = set(da[d]) - set(db_[d])
            only_b = set(db_[d]) - set(da[d])
            differ = [k for k in set(da[d]) & set(db_[d]) if da[d][k] != db_[d][k]]
            raise AssertionError(
                f"db {d}: {a.name} has {len(da[d])} keys, {b.name} {len(db_[d])}; only in "
                f"{a.name}: {sorted(only_a)[:5]}; only in {b.name}: {sorted(only_b)[:5]}; "
                f"different values: {sorted(differ)[:5]}")
    return da


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

def tutorial_conf_text(port, workdir, extra_lines=()):
    """The stock redis.conf edited as the tutorial edits it (part 2):
         sed -i -e 's/6379/7001/g' -e 's/dir ./dir \\/tmp\\/7001\\//g' 7001/redis.conf
         sed -i '1a replica-announce-ip 192.168.150.101' 7001/redis.conf
    with its RDB save points on and AOF off, on 127.0.0.1 and a free port;
    and, for the harness, in the foreground with the log on stdout."""
    text = STOCK_CONF.read_text().replace("6379", str(port))
    text = re.sub(r"^dir .*$", f"dir {workdir}/", text, flags=re.M)
    text = re.sub(r"^# save 3600 1 300 100 60 10000$", "save 3600 1\nsave 300 100\nsave 60 10000",
                  text, flags=re.M)
    text = re.sub(r"^appendonly .*$", "appendonly no", text, flags=re.M)
    text = re.sub(r"^daemonize .*$", "daemonize no", text, flags=re.M)
    text = re.sub(r"^logfile .*$", 'logfile ""', text, flags=re.M)
    text = re.sub(r"^pidfile .*$", f"pidfile {workdir}/redis.pid", text, flags=re.M)
    lines = text.split("\n")
    lines.insert(1, "replica-announce-ip 127.0.0.1")
    return "\n".join(lines) + "\n" + "".join(line + "\n" for line in extra_lines)


class ConfServer(harness.ServerProcess):
    """A server started with only a config file: the tutorial's redis.conf,
    written on first start; a restart keeps the file (CONFIG REWRITE's
    changes included) and only moves its `port` line to the new free port."""

    def __init__(self, binary, workdir, name, extra_lines=()):
        super().__init__(binary, workdir=workdir, name=name)
        self.config_file = self.dir / "redis.conf"
        self.extra_lines = list(extra_lines)

    def argv(self, port):
        if not self.config_file.exists():
            self.config_file.write_text(tutorial_conf_text(port, self.dir, self.extra_lines))
        else:
            text = re.sub(r"^port \d+$", f"port {port}", self.config_file.read_text(), flags=re.M)
            self.config_file.write_text(text)
        return [str(self.binary), str(self.config_file)]


class Nodes:
    """Starts servers for one test and stops them all at the end."""

    def __init__(self, troupe_bin, tmp_factory):
        self.troupe_bin = troupe_bin
        self.tmp = tmp_factory
        self.procs = []
        self.stopped_pids = set()

    def _start(self, proc):
        self.procs.append(proc)
        problem = None
        try:
            return proc.start()
        except harness.ServerError as e:
            problem = str(e)
        pytest.fail(problem, pytrace=False)

    def troupe(self, *args, name="troupe"):
        return self._start(harness.ServerProcess(self.troupe_bin, workdir=self.tmp.mktemp(name),
                                                 extra_args=NODE_ARGS + args, name=name))

    def redis(self, *args, name="redis"):
        return self._start(harness.ServerProcess(REDIS_SERVER, workdir=self.tmp.mktemp(name),
                                                 extra_args=NODE_ARGS + args, name=name))

    def node(self, impl, *args, name=None):
        return self.troupe(*args, name=name or impl) if impl == "troupe" else \
            self.redis(*args, name=name or impl)

    def conf(self, name, extra_lines=(), binary=None):
        return self._start(ConfServer(binary or self.troupe_bin, self.tmp.mktemp(name), name,
                                      ("repl-diskless-sync-delay 0",) + tuple(extra_lines)))

    def pause(self, srv):
        os.kill(srv.proc.pid, signal.SIGSTOP)
        self.stopped_pids.add(srv.proc.pid)

    def resume(self, srv):
        os.kill(srv.proc.pid, signal.SIGCONT)
        self.stopped_pids.discard(srv.proc.pid)

    def stop_all(self):
        for pid in list(self.stopped_pids):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        for p in self.procs:
            p.stop()


@pytest.fixture
def nodes(server_binary, tmp_path_factory):
    n = Nodes(server_binary, tmp_path_factory)
    yield n
    n.stop_all()


def replicate(replica, master, cmd="REPLICAOF"):
    assert raw_call(replica, cmd, "127.0.0.1", master.port) == harness.OK
    link_up(replica)


def kill9(srv):
    srv.proc.kill()
    srv.proc.wait(timeout=10)
    srv.stop()   # closes the log file; the process is gone


# ---------------------------------------------------------------------------
# The tutorial, part 2
# ---------------------------------------------------------------------------

SLAVE_LINE = re.compile(r"^slave(\d+):ip=127\.0\.0\.1,port=(\d+),state=online,offset=(\d+),lag=(\d+)$",
                        re.M)


def test_tutorial_part2_master_and_two_replicas(nodes):
    m, r1, r2 = nodes.conf("7001"), nodes.conf("7002"), nodes.conf("7003")
    for srv in (m, r1, r2):
        assert f"port {srv.port}\n" in srv.config_file.read_text()
        assert srv.config_file.read_text().split("\n")[1] == "replica-announce-ip 127.0.0.1"
    for r in (r1, r2):
        out = r.cli("slaveof", "127.0.0.1", m.port)
        assert out.stdout.strip() == "OK", out
    for r in (r1, r2):
        link_up(r)
    wait_for(lambda: len(SLAVE_LINE.findall(m.cli("info", "replication").stdout)) == 2,
             what="two online replicas in INFO replication")
    text = m.cli("info", "replication").stdout.replace("\r", "")
    assert "# Replication\nrole:master\nconnected_slaves:2\n" in text
    ports = sorted(int(p) for _, p, _, _ in SLAVE_LINE.findall(text))
    assert ports == sorted([r1.port, r2.port])
    assert [n for n, _, _, _ in SLAVE_LINE.findall(text)] == ["0", "1"]
    fields = dict(line.split(":", 1) for line in text.splitlines()[1:] if ":" in line)
    assert fields["master_failover_state"] == "no-failover"
    assert re.fullmatch(r"[0-9a-f]{40}", fields["master_replid"])
    assert fields["master_replid2"] == "0" * 40
    assert int(fields["master_repl_offset"]) >= 0
    assert fields["second_repl_offset"] == "-1"
    assert fields["repl_backlog_active"] == "1"
    assert fields["repl_backlog_size"] == "1048576"
    assert fields["repl_backlog_first_byte_offset"] == "1"
    assert int(fields["repl_backlog_histlen"]) == int(fields["master_repl_offset"])

    # 2.5: writes on the master only.
    assert m.cli("set", "num", "123").stdout.strip() == "OK"
    for r in (r1, r2):
        wait_for(lambda r=r: r.cli("get", "num").stdout.strip() == "123", what="num on the replica")
    for r, value in ((r1, "666"), (r2, "888")):
        out = r.cli("set", "num", value)
        assert READONLY in out.stdout + out.stderr
        assert raw_call(r, "SET", "num", value) == ("-", READONLY)
        assert r.cli("get", "num").stdout.strip() == "123"
    for r in (r1, r2):
        role = r.cli("role").stdout.split()
        assert role[:3] == ["slave", "127.0.0.1", str(m.port)]


def test_replicaof_in_the_config_file_survives_a_restart(nodes):
    m = nodes.troupe(name="master")
    m.client().set("k", "v")
    r = nodes.conf("replica", extra_lines=[f"replicaof 127.0.0.1 {m.port}"])
    link_up(r)
    assert r.client().get("k") == b"v"
    r.stop()
    m.client().set("k2", "v2")
    r.start()
    link_up(r)
    assert repl(r)["role"] == "slave"
    wait_for(lambda: r.client().get("k2") == b"v2", what="k2 on the restarted replica")


def test_replicaof_command_is_lost_on_restart_unless_rewritten(nodes):
    m = nodes.troupe(name="master")
    kept, lost = nodes.conf("rewritten"), nodes.conf("not-rewritten")
    for r in (kept, lost):
        replicate(r, m, cmd="SLAVEOF")
    assert "replicaof" not in re.sub(r"^#.*$", "", kept.config_file.read_text(), flags=re.M)
    assert raw_call(kept, "CONFIG", "REWRITE") == harness.OK
    directives = [line for line in kept.config_file.read_text().splitlines()
                  if line.startswith("replicaof") or line.startswith("slaveof")]
    assert directives == [f"replicaof 127.0.0.1 {m.port}"]
    for r in (kept, lost):
        r.stop()
        r.start()
    link_up(kept)
    assert repl(kept)["role"] == "slave"
    assert repl(lost)["role"] == "master"
    assert raw_call(lost, "SET", "x", "1") == harness.OK


# ---------------------------------------------------------------------------
# INFO replication and ROLE against redis-server
# ---------------------------------------------------------------------------

def field_names(lines):
    """Field names in order; slaveN lines become ('slaveN', their keys)."""
    out = []
    for name, value in lines:
        if re.fullmatch(r"slave\d+", name):
            out.append(("slaveN", tuple(kv.split("=", 1)[0] for kv in value.split(","))))
        else:
            out.append(name)
    return out


def replication_states(nodes, impl):
    """INFO replication field names of a master and a replica in the states
    users see: fresh master, master with an online replica, the replica up,
    a master with min-replicas-to-write, and the replica whose master died."""
    states = {}
    m = nodes.node(impl, name=f"{impl}-master")
    states["fresh master"] = field_names(info_lines(m))
    r = nodes.node(impl, name=f"{impl}-replica")
    replicate(r, m)
    m.client().set("a", "1")
    caught_up(m, r)
    wait_for(lambda: "state=online" in repl(m).get("slave0", ""), what="slave0 online")
    states["master with a replica"] = field_names(info_lines(m))
    states["replica, link up"] = field_names(info_lines(r))
    assert raw_call(m, "CONFIG", "SET", "min-replicas-to-write", "1") == harness.OK
    states["master, min-replicas-to-write 1"] = field_names(info_lines(m))
    m.stop()
    wait_for(lambda: repl(r).get("master_link_status") == "down", what="link down")
    states["replica, master down"] = field_names(info_lines(r))
    return states


def test_info_replication_field_names_match_redis(nodes):
    ours = replication_states(nodes, "troupe")
    theirs = replication_states(nodes, "redis")
    for state in theirs:
        assert ours[state] == theirs[state], f"INFO replication fields differ: {state}"


def test_role_reply_shapes_match_redis(nodes):
    def roles(impl):
        m = nodes.node(impl, name=f"{impl}-m")
        r = nodes.node(impl, name=f"{impl}-r")
        replicate(r, m)
        m.client().set("a", "1")
        caught_up(m, r)
        wait_for(lambda: raw_call(m, "ROLE")[1][2][1], what="a replica listed in ROLE")
        got = raw_call(m, "ROLE"), raw_call(r, "ROLE")
        m.stop()
        wait_for(lambda: repl(r).get("master_link_status") == "down", what="link down")
        return got + (raw_call(r, "ROLE"),)

    ours, theirs = roles("troupe"), roles("redis")
    for a, b in zip(ours, theirs):
        assert difftest.shape(a) == difftest.shape(b), (a, b)
        assert a[1][0] == b[1][0]                        # "master" / "slave"
    assert ours[1][1][3] == theirs[1][1][3] == ("$", b"connected")
    assert ours[2][1][3][1] in (b"connect", b"connecting")
    assert ours[2][1][4] == (":", -1) == theirs[2][1][4]


# ---------------------------------------------------------------------------
# Resynchronization
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kill9_run(request, server_binary, tmp_path_factory):
    """kill -9 a replica (replicaof given at start-up), write more on the
    master, restart the replica: what its master logged and whether the
    data matched. Run once per implementation ("troupe", "redis")."""
    n = Nodes(server_binary, tmp_path_factory)
    impl = request.param
    try:
        m = n.node(impl, name=f"{impl}-master")
        r = n.node(impl, "--replicaof", "127.0.0.1", str(m.port), name=f"{impl}-replica")
        link_up(r)
        mc = m.client()
        write_mixed(mc, 400, "before")
        caught_up(m, r)
        kill9(r)
        write_mixed(mc, 400, "while-down")
        mark = log_mark(m)
        r.start()
        link_up(r)
        caught_up(m, r)
        problem = None
        try:
            assert_same_data(m, r)
        except AssertionError as e:
            problem = str(e)
        text = log_since(m, mark)
        yield {"impl": impl, "data_problem": problem, "partial": bool(PARTIAL_ACCEPTED.search(text)),
               "full": FULL_SYNC_STARTED in text, "log": text[-3000:]}
    finally:
        n.stop_all()


@pytest.mark.parametrize("kill9_run", ["troupe", "redis"], indirect=True)
def test_kill9_replica_restarts_with_every_write(kill9_run):
    assert kill9_run["data_problem"] is None, kill9_run["data_problem"]
    assert kill9_run["partial"] or kill9_run["full"], kill9_run["log"]


@pytest.mark.parametrize("kill9_run", ["troupe", "redis"], indirect=True)
def test_kill9_replica_resync_is_partial(kill9_run):
    # The replica's dump.rdb (written by the full sync) carries the repl-id /
    # repl-offset aux fields, so it restarts where the snapshot left off.
    assert kill9_run["partial"] and not kill9_run["full"], kill9_run["log"]


def test_client_kill_type_master_resyncs_partially(nodes):
    m, r = nodes.troupe(name="master"), nodes.troupe(name="replica")
    mc = m.client()
    write_mixed(mc, 300, "full")
    replicate(r, m)
    caught_up(m, r)
    mark, rmark = log_mark(m), log_mark(r)
    assert raw_call(r, "CLIENT", "KILL", "TYPE", "master") == (":", 1)
    write_mixed(mc, 300, "meanwhile")
    text = wait_log(m, PARTIAL_ACCEPTED, mark)
    assert FULL_SYNC_STARTED not in text
    wait_log(r, "Successful partial resynchronization with master.", rmark)
    link_up(r)
    write_mixed(mc, 100, "after")
    caught_up(m, r)
    assert_same_data(m, r)


def test_replica_out_of_a_small_backlog_resyncs_fully(nodes):
    m = nodes.troupe("--repl-backlog-size", "16kb", name="master")
    r = nodes.troupe(name="replica")
    mc = m.client()
    mc.set("before", "1")
    replicate(r, m)
    caught_up(m, r)
    assert repl(m)["repl_backlog_size"] == "16384"
    mark, rmark = log_mark(m), log_mark(r)
    nodes.pause(r)             # the replica cannot read, reconnect or resync...
    try:
        assert raw_call(m, "CLIENT", "KILL", "TYPE", "slave") == (":", 1)
        p = mc.pipeline(transaction=False)
        for i in range(64):     # ...while 64 KB, four backlogs, are written
            p.set(f"big:{i}", "v" * 1024)
        p.execute()
    finally:
        nodes.resume(r)
    text = wait_log(m, "for lack of backlog", mark)
    assert "Unable to partial resync with replica" in text
    wait_log(m, FULL_SYNC_STARTED, mark)
    wait_log(r, "Full resync from master", rmark)
    link_up(r)
    caught_up(m, r)
    assert_same_data(m, r)


# ---------------------------------------------------------------------------
# WAIT
# ---------------------------------------------------------------------------

def test_wait_counts_acknowledging_replicas(nodes):
    m = nodes.troupe(name="master")
    r1, r2 = nodes.troupe(name="r1"), nodes.troupe(name="r2")
    replicate(r1, m)
    replicate(r2, m)
    with m.raw(timeout=30) as c:
        c.send(b"".join(harness.encode_command("SET", f"k{i}", i) for i in range(1000)))
        for _ in range(1000):
            assert c.read() == harness.OK
        assert c.call("WAIT", "2", "5000") == (":", 2)
        start = time.monotonic()
        assert c.call("WAIT", "3", "1000") == (":", 2)
        elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 3.0, elapsed
    assert r1.client().get("k999") == b"999" and r2.client().get("k999") == b"999"
    assert raw_call(r1, "WAIT", "1", "100") == ("-", WAIT_ON_REPLICA)


# ---------------------------------------------------------------------------
# Promotion, chains
# ---------------------------------------------------------------------------

def test_replicaof_no_one_promotes_and_the_other_replica_resyncs_partially(nodes):
    m = nodes.troupe(name="master")
    r1, r2 = nodes.troupe(name="r1"), nodes.troupe(name="r2")
    replicate(r1, m)
    replicate(r2, m)
    write_mixed(m.client(), 300, "old")
    caught_up(m, r1, r2)
    m.stop()                                   # the master dies
    wait_for(lambda: repl(r1)["master_link_status"] == "down", what="r1 sees the master down")
    old = repl(r1)       # (after the master's last words: Redis sends GETACK at shutdown)
    assert raw_call(r1, "REPLICAOF", "NO", "ONE") == harness.OK
    new = repl(r1)
    assert new["role"] == "master"
    assert new["master_replid"] != old["master_replid"]
    assert re.fullmatch(r"[0-9a-f]{40}", new["master_replid"])
    assert new["master_replid2"] == old["master_replid"]
    assert int(new["second_repl_offset"]) == int(old["master_repl_offset"]) + 1
    assert raw_call(r1, "SET", "after-failover", "1") == harness.OK

    mark, r2mark = log_mark(r1), log_mark(r2)
    replicate(r2, r1)
    text = wait_log(r1, PARTIAL_ACCEPTED, mark)
    assert FULL_SYNC_STARTED not in text
    wait_log(r2, "Successful partial resynchronization with master.", r2mark)
    caught_up(r1, r2)
    assert repl(r2)["master_replid"] == new["master_replid"]
    write_mixed(r1.client(), 100, "new")
    caught_up(r1, r2)
    assert_same_data(r1, r2)


def test_chained_replicas_stay_identical(nodes):
    a, b, c = nodes.troupe(name="a"), nodes.troupe(name="b"), nodes.troupe(name="c")
    write_mixed(a.client(), 200, "early")
    replicate(b, a)
    replicate(c, b)
    write_mixed(a.client(), 500, "late")
    caught_up(a, b, c)
    assert_same_data(a, c)
    assert repl(c)["master_port"] == str(b.port)
    assert repl(a)["connected_slaves"] == "1" and repl(b)["connected_slaves"] == "1"
    assert raw_call(c, "SET", "x", "1") == ("-", READONLY)
    # B loses its link to A and comes back: C follows without a full sync.
    cmark = log_mark(c)
    assert raw_call(b, "CLIENT", "KILL", "TYPE", "master") == (":", 1)
    write_mixed(a.client(), 100, "relinked")
    link_up(b)
    caught_up(a, b, c)
    assert_same_data(a, c)
    assert "Full resync from master" not in log_since(c, cmark)


# ---------------------------------------------------------------------------
# Refusals: NOREPLICAS, MASTERDOWN
# ---------------------------------------------------------------------------

def test_min_replicas_to_write_refuses_writes_without_replicas(nodes):
    m = nodes.troupe("--min-replicas-to-write", "1", name="master")
    assert raw_call(m, "SET", "k", "v") == ("-", NOREPLICAS)
    assert raw_call(m, "GET", "k") == harness.NIL
    r = nodes.troupe(name="replica")
    replicate(r, m)
    wait_for(lambda: raw_call(m, "SET", "k", "v") == harness.OK, what="writes accepted with a replica")
    wait_for(lambda: r.client().get("k") == b"v", what="k on the replica")


def test_replica_serve_stale_data_no_answers_masterdown(nodes):
    m = nodes.troupe(name="master")
    r = nodes.troupe("--replica-serve-stale-data", "no", name="replica")
    m.client().set("k", "v")
    replicate(r, m)
    wait_for(lambda: raw_call(r, "GET", "k") == harness.bulk("v"), what="k on the replica")
    m.stop()
    wait_for(lambda: raw_call(r, "GET", "k") == ("-", MASTERDOWN), what="MASTERDOWN")
    # Redis 7.0 gives PING no `stale` flag, so it is refused too (6.2 let it
    # through); commands flagged `stale` still answer.
    assert raw_call(r, "PING") == ("-", MASTERDOWN)
    assert raw_call(r, "INFO", "replication")[0] == "$"
    assert raw_call(r, "ROLE")[1][0] == harness.bulk("slave")
    assert raw_call(r, "CONFIG", "GET", "replica-serve-stale-data") == \
        harness.bulks("replica-serve-stale-data", "no")
    assert raw_call(r, "REPLICAOF", "NO", "ONE") == harness.OK
    assert raw_call(r, "GET", "k") == harness.bulk("v")


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

def test_replicaof_a_closed_port_retries_and_serves_stale_data(nodes):
    r = nodes.troupe(name="replica")
    r.client().set("k", "v")
    port = harness.free_port()           # nothing listens there
    mark = log_mark(r)
    assert raw_call(r, "REPLICAOF", "127.0.0.1", port) == harness.OK
    wait_log(r, "Error condition on socket for SYNC", mark, count=3)
    info = repl(r)
    assert info["role"] == "slave" and info["master_link_status"] == "down"
    assert raw_call(r, "GET", "k") == harness.bulk("v")
    assert raw_call(r, "SET", "k", "w") == ("-", READONLY)
    assert raw_call(r, "REPLICAOF", "NO", "ONE") == harness.OK
    assert raw_call(r, "SET", "k", "w") == harness.OK


@pytest.mark.skipif(not TROUPE_UNDER_TEST,
                    reason="redis-server accepts REPLICAOF to itself and loops on -NOMASTERLINK")
def test_replicaof_itself_is_refused(nodes):
    r = nodes.troupe(name="self")
    for host in ("127.0.0.1", "localhost"):
        reply = raw_call(r, "REPLICAOF", host, r.port)
        assert reply == ("-", f"ERR Can't replicate myself: {host}:{r.port} is this server")
    assert repl(r)["role"] == "master"


@pytest.mark.parametrize("port", ["abc", "70000", "-1", "1.5"])
def test_replicaof_bad_port(nodes, port):
    r = nodes.troupe(name="replica")
    assert raw_call(r, "REPLICAOF", "127.0.0.1", port) == ("-", "ERR Invalid master port")
    assert repl(r)["role"] == "master"


class FakeMaster:
    """A socket server on a free port that answers a replica's handshake
    (PING, AUTH, REPLCONF) and then sends `junk` in reply to PSYNC/SYNC,
    and records whether the replica closed the connection afterwards.
    Serves at most `max_conns` connections; every wait is bounded."""

    def __init__(self, junk, max_conns=5):
        self.junk = junk
        self.max_conns = max_conns
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.psyncs = 0
        self.closed_after_junk = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        served = 0
        while not self.stopping and served < self.max_conns:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            served += 1
            with conn:
                conn.settimeout(10)
                try:
                    self._session(conn)
                except (OSError, ValueError):
                    pass

    @staticmethod
    def _commands(conn):
        """Yields the commands a replica sends: RESP arrays of bulk strings,
        or inline ("SYNC\r\n", as redis-server sends its fallback)."""
        buf = b""
        while True:
            while b"\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            line, _, rest = buf.partition(b"\r\n")
            if not line.startswith(b"*"):
                buf = rest
                yield line.split()
                continue
            count, args, pos = int(line[1:]), [], 0
            while len(args) < count:
                head_end = rest.find(b"\r\n", pos)
                if head_end < 0:
                    break
                size = int(rest[pos + 1:head_end])
                if len(rest) < head_end + 2 + size + 2:
                    break
                args.append(rest[head_end + 2:head_end + 2 + size])
                pos = head_end + 2 + size + 2
            if len(args) < count:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                continue
            buf = rest[pos:]
            yield args

    def _session(self, conn):
        junk_sent = False
        for cmd in self._commands(conn):
            name = cmd[0].upper() if cmd else b""
            if name in (b"PSYNC", b"SYNC"):
                # (redis-server retries with SYNC after a bad PSYNC reply.)
                self.psyncs += 1
                conn.sendall(self.junk)
                junk_sent = True
            elif junk_sent:
                continue                          # REPLCONF ACK: never answered
            elif name == b"PING":
                conn.sendall(b"+PONG\r\n")
            elif name in (b"AUTH", b"REPLCONF"):
                conn.sendall(b"+OK\r\n")
            else:
                conn.sendall(b"-ERR unexpected\r\n")
        if junk_sent:
            self.closed_after_junk += 1           # the replica hung up

    def close(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(timeout=5)


REPLID = "a" * 40
JUNK = {
    # Not a PSYNC reply at all.
    "psync-reply": (b"?\xff\xfe\x00 junk that is no reply\r\n",
                    ["Unexpected reply to PSYNC from master"]),
    # +FULLRESYNC, then no "$<size>" line.
    "rdb-header": (b"+FULLRESYNC " + REPLID.encode() + b" 0\r\n" + b"not a bulk length\r\n",
                   ["Bad protocol from MASTER, the first byte is not '$'"]),
    # +CONTINUE, then a stream that is not RESP. (redis-server 7.0.15
    # crashes here, in replicationResurrectCachedMaster, when it has no
    # cached master to continue with.)
    "stream": (b"+CONTINUE\r\n*2\r\n$3\r\nSET\r\n$abc\r\n",
               ["Protocol error", "invalid bulk length"]),
}


@pytest.mark.parametrize("variant", sorted(JUNK))
def test_junk_from_a_fake_master_closes_the_link_and_keeps_the_data(nodes, variant):
    junk, log_words = JUNK[variant]
    if variant == "stream" and not TROUPE_UNDER_TEST:
        pytest.skip("redis-server 7.0.15 crashes on +CONTINUE without a cached master")
    r = nodes.troupe(name="replica")
    rc = r.client()
    rc.mset({"k1": "v1", "k2": "v2"})
    rc.rpush("l", "a", "b")
    before = dataset(r)
    fake = FakeMaster(junk)
    try:
        mark = log_mark(r)
        assert raw_call(r, "REPLICAOF", "127.0.0.1", fake.port) == harness.OK
        wait_for(lambda: fake.closed_after_junk >= 1, timeout=15, what="the replica closing the link")
        text = log_since(r, mark)
        assert any(w in text for w in log_words), text[-2000:]
        assert repl(r)["master_link_status"] == "down"
        assert dataset(r) == before
        assert raw_call(r, "PING") == ("+", "PONG")
        # It keeps retrying; every attempt fails the same way.
        wait_for(lambda: fake.psyncs >= 2, timeout=15, what="a second attempt")
        assert raw_call(r, "REPLICAOF", "NO", "ONE") == harness.OK
    finally:
        fake.close()
    assert dataset(r) == before


# ---------------------------------------------------------------------------
# Interop with redis-server
# ---------------------------------------------------------------------------

def test_redis_server_replicates_from_troupe(nodes):
    m = nodes.troupe(name="troupe-master")
    r = nodes.redis(name="redis-replica")
    mc = m.client()
    write_mixed(mc, 500, "snapshot")            # goes over in the full sync's RDB
    replicate(r, m)
    write_mixed(mc, 500, "stream")
    caught_up(m, r)
    assert_same_data(m, r)
    mark, rmark = log_mark(m), log_mark(r)
    assert raw_call(r, "CLIENT", "KILL", "TYPE", "master") == (":", 1)
    write_mixed(mc, 200, "meanwhile")
    text = wait_log(m, PARTIAL_ACCEPTED, mark)
    assert FULL_SYNC_STARTED not in text
    wait_log(r, "Successful partial resynchronization with master.", rmark)
    caught_up(m, r)
    assert_same_data(m, r)
    assert raw_call(r, "SET", "x", "1") == ("-", READONLY)


def test_troupe_replicates_from_redis_server(nodes):
    m = nodes.redis(name="redis-master")
    r = nodes.troupe(name="troupe-replica")
    mc = m.client()
    write_mixed(mc, 500, "snapshot")
    replicate(r, m)
    write_mixed(mc, 500, "stream")
    caught_up(m, r)
    assert_same_data(m, r)
    mark, rmark = log_mark(m), log_mark(r)
    assert raw_call(r, "CLIENT", "KILL", "TYPE", "master") == (":", 1)
    write_mixed(mc, 200, "meanwhile")
    text = wait_log(m, PARTIAL_ACCEPTED, mark)
    assert "Starting BGSAVE" not in text
    wait_log(r, "Successful partial resynchronization with master.", rmark)
    caught_up(m, r)
    assert_same_data(m, r)


# ---------------------------------------------------------------------------
# The differential tester through a replica
# ---------------------------------------------------------------------------

# Sent to both sides (connection or server state that is not replicated).
BOTH_SIDES = {"select", "hello", "reset", "client", "config", "quit", "auth"}
DIFF_FAMILIES = [f for f in difftest.DEFAULT_FAMILIES if f != "pubsub"]   # (subscribers)


class ReplicaDiff:
    """Runs difftest's seeded command sequences with every write sent to the
    master alone and every read sent to both the master and its replica
    (after WAIT 1 has seen the replica acknowledge the writes before it),
    comparing the two replies as difftest compares Troupe's with Redis's."""

    def __init__(self, master, replica, resp):
        self.m = difftest.Side("master", master.port, resp)
        self.r = difftest.Side("replica", replica.port, resp)
        self.write_flag = {}

    def is_write(self, name):
        if name not in self.write_flag:
            reply = self.m.call(["COMMAND", "INFO", name])
            entry = reply[1][0] if reply[0] == "*" and reply[1] else None
            if entry is None or entry[0] != "*" or entry[1] is None:
                self.write_flag[name] = None                      # unknown command
            else:
                flags = {f[1] for f in entry[1][2][1]}
                self.write_flag[name] = "write" in flags
        return self.write_flag[name]

    def sync(self):
        reply = self.m.call(["WAIT", "1", "10000"])
        return reply == (":", 1), reply

    def run(self, seed, steps, families):
        import random
        for side in (self.m, self.r):
            side.connect()
        assert self.m.call(["FLUSHALL"]) == harness.OK
        rng = random.Random(seed)
        g = difftest.Gen(rng, int(time.time()))
        names = [n for n, _ in families]
        weights = [w for _, w in families]
        pending, history, compared = True, [], 0
        for step in range(1, steps + 1):
            g.step = step
            fam = rng.choices(names, weights)[0]
            cmd = difftest.FAMILIES[fam].generate(g)
            if cmd.lcs_keys and difftest.lcs_too_big(self.m, cmd.lcs_keys):
                continue
            first = cmd.args[0] if cmd.args else ""
            name = first.lower() if isinstance(first, str) else first.decode("latin-1").lower()
            if name == "object" and cmd.mode == "exact":
                # Encodings are not replicated state: SORT ... BY converts a
                # zset to a skiplist on the master alone (it is not
                # propagated), as in Redis; compare the reply's shape only.
                cmd = difftest.Cmd(cmd.args, mode="shape")
            write = name not in BOTH_SIDES and cmd.mode != "scan" and self.is_write(name)
            history.append(f"{step:>5} {fam:<8} {'W' if write else 'R'} {cmd.text()[:100]}")
            if write:
                a = self.m.call(cmd.args)
                pending = True
                if a[0] == "closed":
                    return f"master closed the connection at step {step}"
                if a[0] == "-" and a[1].startswith("INVALIDOBJ") and len(cmd.args) > 1:
                    # PFADD/PFMERGE on a corrupt HLL may change it on the
                    # master and then fail, so nothing is propagated (as in
                    # Redis): a DEL (propagated) makes the two agree again.
                    self.m.call(["DEL", cmd.args[1]])
                continue
            # Before reads and before state sent to both sides (a CONFIG SET
            # must reach the replica after the writes that preceded it).
            if pending:
                ok, reply = self.sync()
                if not ok:
                    return f"step {step}: WAIT 1 10000 on the master answered {reply!r}"
                pending = False
            if cmd.mode == "scan":
                a, b = difftest.full_scan(self.m, cmd.args), difftest.full_scan(self.r, cmd.args)
                equal = a == b
            else:
                a, b = self.m.call(cmd.args), self.r.call(cmd.args)
                equal = difftest.replies_equal(cmd, a, b)
            compared += 1
            if not equal:
                return "\n".join(
                    [f"DIFFERENCE master/replica seed={seed} step={step} family={fam}",
                     f"  command: {cmd.text()}   (compare: {cmd.mode})",
                     f"   master: {a!r}", f"  replica: {b!r}", "  preceding:"] + history[-15:])
            if a[0] == "closed" or b[0] == "closed":
                for side in (self.m, self.r):
                    side.connect()
                pending = True
        self.compared = compared
        return None

    def close(self):
        self.m.close()
        self.r.close()


def run_replica_diff(nodes, seeds, steps, resp):
    m = nodes.troupe(name="master")
    r = nodes.troupe(name="replica")
    replicate(r, m)
    probe = difftest.Side("probe", m.port, 2)
    probe.connect()
    try:
        missing = difftest.unsupported_families(probe, DIFF_FAMILIES)
    finally:
        probe.close()
    families = [(f, 1.0) for f in DIFF_FAMILIES if f not in missing]
    diff = ReplicaDiff(m, r, resp)
    try:
        for seed in seeds:
            problem = diff.run(seed, steps, families)
            assert problem is None, problem
            assert diff.compared > steps // 5, "too few reads were compared"
            assert diff.sync()[0]
            caught_up(m, r)
            assert_same_data(m, r, dbs=range(16))
    finally:
        diff.close()


def test_difftest_reads_on_replica_match_master_short(nodes):
    run_replica_diff(nodes, seeds=range(1, 6), steps=500, resp=2)


@pytest.mark.slow
@pytest.mark.parametrize("resp", [2, 3])
def test_difftest_reads_on_replica_match_master(nodes, resp):
    run_replica_diff(nodes, seeds=range(100, 130), steps=2000, resp=resp)
