# End-to-end tests of Sentinel (issue 6): real processes — a master, two
# replicas and three sentinels on free 127.0.0.1 ports, their sentinel.conf
# files written here (tests/e2e/sentinel_topology.py) — driven with
# redis-cli, raw RESP and redis-py's Sentinel client:
#
#   - the tutorial's part 3 (down-after 5000, failover-timeout 60000): the
#     sentinels come up and find each other, kill -9 of the master, the
#     events in the sentinels' logs in the tutorial's order and Redis's line
#     format, the switch, the other replica's partial resync, the restarted
#     old master turned into a replica with the data, sentinel.conf rewritten
#     and reloaded by a restarted sentinel, redis-py writing across the
#     failover, the events on the sentinels' pub/sub;
#   - SENTINEL FAILOVER / CKQUORUM / RESET / MONITOR / SET / REMOVE at run time;
#   - safety: a lone sentinel never fails over; min-replicas-to-write stops
#     an isolated master's writes (NOREPLICAS);
#   - interop: Redis sentinels fail over Troupe nodes, Troupe sentinels fail
#     over Redis nodes, a mixed set agrees;
#   - bad input: fatal config errors as Redis's, an unreachable master, junk
#     on __sentinel__:hello.
#
# Everything but the tutorial uses down-after 1000 ms. Every wait is a
# bounded poll; every process is stopped by the fixtures (and by harness's
# atexit hook); a SIGSTOPped process is always SIGCONTed.

import re
import shutil
import signal
import subprocess
import time

import pytest
import redis
import redis.sentinel

import harness
from sentinel_topology import (MASTER_NAME, REDIS_SERVER, Proc, Topology, call, flat, free_ports,
                               records, wait_for)

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
HEX40 = re.compile(r"^[0-9a-f]{40}$")
UNDER_REDIS = "redis" in harness.troupe_server_path().name  # TROUPE_SERVER=/usr/bin/redis-server

# The leader's events after kill -9 of the master, in the tutorial's order.
LEADER_EVENTS = ["+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader",
                 "+elected-leader", "+failover-state-select-slave", "+selected-slave",
                 "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
                 "+promoted-slave", "+failover-state-reconf-slaves", "+slave-reconf-sent",
                 "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end", "+switch-master"]
# Log level marks of redis-sentinel 7.0.15 ('#' warning, '*' notice).
NOTICE_EVENTS = {"+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
                 "+slave-reconf-sent", "+slave-reconf-inprog", "+slave-reconf-done", "+slave",
                 "+sentinel", "+convert-to-slave", "+fix-slave-config"}


def cli(port, *args):
    """redis-cli, as the tutorial's reader types it; stdout lines."""
    out = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *map(str, args)],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.splitlines()


def conf_lines(sentinel):
    return sentinel.config_file.read_text().splitlines()


@pytest.fixture(scope="module")
def tutorial(server_binary, tmp_path_factory):
    """The tutorial's part 3: master + 2 replicas, 3 sentinels, 5000/60000."""
    t = Topology(tmp_path_factory.mktemp("tutorial"), server_binary, [server_binary] * 3,
                 down_after_ms=5000, failover_timeout_ms=60000)
    try:
        t.start_data()
        t.start_sentinels()
        yield t
    finally:
        t.stop()


@pytest.fixture(scope="module")
def fast(server_binary, tmp_path_factory):
    """The same deployment with down-after 1000 ms; discovery done."""
    t = Topology(tmp_path_factory.mktemp("fast"), server_binary, [server_binary] * 3,
                 down_after_ms=1000, failover_timeout_ms=10000)
    try:
        t.start_data()
        t.start_sentinels()
        t.wait_discovery()
        yield t
    finally:
        t.stop()


# ---------------------------------------------------------------------------
# The tutorial, part 3

def test_tutorial_sentinels_come_up(tutorial):
    t = tutorial
    master = t.nodes[0]
    for s in t.sentinels:
        assert cli(s.port, "sentinel", "get-master-addr-by-name", MASTER_NAME) == [
            "127.0.0.1", str(master.port)]
        assert s.has_event("+monitor", f"master {MASTER_NAME} 127.0.0.1 {master.port} quorum 2")
    t.wait_discovery(timeout=15)
    replica_ports = sorted(str(n.port) for n in t.nodes[1:])
    for s in t.sentinels:
        lines = cli(s.port, "sentinel", "replicas", MASTER_NAME)
        assert sorted(v for k, v in zip(lines[::2], lines[1::2]) if k == "port") == replica_ports
        others = records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME))
        assert sorted(int(o["port"]) for o in others) == sorted(
            p for p in t.sentinel_ports if p != s.port)
        for o in others:  # Redis 7 names a sentinel by its run ID
            assert HEX40.match(o["name"]) and o["name"] == o["runid"], o
        for n in t.nodes[1:]:
            assert s.has_event("+slave", f"slave 127.0.0.1:{n.port} 127.0.0.1 {n.port} @ "
                                         f"{MASTER_NAME} 127.0.0.1 {master.port}")
        for o in others:
            assert s.has_event("+sentinel", f"sentinel {o['runid']} 127.0.0.1 {o['port']} @ "
                                            f"{MASTER_NAME} 127.0.0.1 {master.port}")
    master_state = records(call(t.sentinels[0].port, "SENTINEL", "MASTERS"))[0]
    assert (master_state["num-slaves"], master_state["num-other-sentinels"]) == ("2", "2")
    info = flat(call(t.sentinels[0].port, "INFO", "sentinel")).splitlines()
    assert (f"master0:name={MASTER_NAME},status=ok,address=127.0.0.1:{master.port},slaves=2,"
            "sentinels=3") in info


def test_tutorial_sentinel_conf_is_rewritten(tutorial):
    t = tutorial
    t.wait_discovery(timeout=15)
    for s in t.sentinels:
        def complete():
            lines = conf_lines(s)
            return (sum(l.startswith("sentinel known-replica ") for l in lines) == 2
                    and sum(l.startswith("sentinel known-sentinel ") for l in lines) == 2)
        assert wait_for(complete, 5), "\n".join(conf_lines(s))
        lines = conf_lines(s)
        myid = [l.split()[2] for l in lines if l.startswith("sentinel myid ")]
        assert len(myid) == 1 and HEX40.match(myid[0])
        assert flat(call(s.port, "SENTINEL", "MYID")) == myid[0]
        assert "sentinel current-epoch 0" in lines
        # The user's lines stay where they were (announce-ip quoted, as Redis does).
        assert lines[:6] == [l.replace("announce-ip 127.0.0.1", 'announce-ip "127.0.0.1"')
                             for l in t.sentinel_conf(s.port, s.dir).splitlines()[:6]]
        for n in t.nodes[1:]:
            assert f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {n.port}" in lines
        for o in records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME)):
            assert (f"sentinel known-sentinel {MASTER_NAME} 127.0.0.1 {o['port']} {o['runid']}"
                    in lines)


def test_tutorial_kill_master_fails_over(tutorial):
    t = tutorial
    t.wait_discovery(timeout=15)
    master = t.nodes[0]
    sentinel_addrs = [("127.0.0.1", p) for p in t.sentinel_ports]
    rs = redis.sentinel.Sentinel(sentinel_addrs, socket_timeout=2.0)
    writer = rs.master_for(MASTER_NAME, socket_timeout=1.0, socket_connect_timeout=1.0)
    reader = rs.slave_for(MASTER_NAME, socket_timeout=1.0, socket_connect_timeout=1.0)
    assert writer.set("k1", "v1")
    assert wait_for(lambda: reader.get("k1") == b"v1", 5)

    # The events on a sentinel's own pub/sub.
    sub = redis.Redis(host="127.0.0.1", port=t.sentinels[0].port, socket_timeout=5).pubsub(
        ignore_subscribe_messages=True)
    sub.subscribe("+switch-master")
    psub = redis.Redis(host="127.0.0.1", port=t.sentinels[1].port, socket_timeout=5).pubsub(
        ignore_subscribe_messages=True)
    psub.psubscribe("*")
    for p in (sub, psub):  # the confirmations
        assert wait_for(lambda: p.subscribed and p.get_message(timeout=0.05) is None, 2)

    master.kill9()
    killed = time.monotonic()
    switch_msgs, all_msgs, switch_seen = [], [], None
    wrote_after = False
    deadline = killed + 30
    while time.monotonic() < deadline and not (switch_seen and wrote_after):
        m = sub.get_message(timeout=0.01)
        if m and m["type"] == "message":
            switch_msgs.append(m["data"].decode())
            switch_seen = switch_seen or time.monotonic() - killed
        while (m := psub.get_message(timeout=0)) is not None:
            if m["type"] == "pmessage":
                all_msgs.append((m["channel"].decode(), m["data"].decode()))
        if switch_seen and not wrote_after:
            try:  # redis-py asks the sentinels again after a failed write
                wrote_after = bool(writer.set("k2", "v2"))
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError,
                    redis.sentinel.MasterNotFoundError):
                pass
        time.sleep(0.02)
    assert switch_seen, "no +switch-master within 30 s\n" + t.sentinels[0].log()[-3000:]
    assert wrote_after, "redis-py could not write to the new master"
    new_port = t.wait_switch(master.port, 10)
    assert new_port and new_port != master.port
    t.new_master = t.node_by_port(new_port)
    t.other_replica = next(n for n in t.nodes[1:] if n.port != new_port)
    print(f"kill -9 -> +switch-master on the subscriber: {switch_seen:.2f} s")
    # down-after 5000 plus the protocol; generous for a loaded machine.
    assert 5.0 <= switch_seen < 5.0 + 4.0
    assert switch_msgs[0] == (f"{MASTER_NAME} 127.0.0.1 {master.port} 127.0.0.1 {new_port}")
    for s in t.sentinels:
        assert cli(s.port, "sentinel", "get-master-addr-by-name", MASTER_NAME) == [
            "127.0.0.1", str(new_port)]

    # The leader's log, event by event, in the tutorial's order and format.
    leaders = [s for s in t.sentinels if s.has_event("+elected-leader")]
    assert len(leaders) == 1, [s.log()[-2000:] for s in t.sentinels]
    leader = leaders[0]
    # The leader may still be reconfiguring the other replica while the
    # others already switched (their hellos announce the new master).
    assert wait_for(lambda: leader.has_event("+switch-master"), 15), leader.log()[-3000:]
    events = [e for e in leader.events() if e[1] in LEADER_EVENTS]
    first = {}
    for i, (_, word, _, _) in enumerate(events):
        first.setdefault(word, i)
    assert [w for w in LEADER_EVENTS if w in first] == LEADER_EVENTS, leader.log()[-4000:]
    assert sorted(first.values()) == [first[w] for w in LEADER_EVENTS], \
        "\n".join(l for *_, l in events)
    # The tutorial's log has -odown right before +failover-end (redis-sentinel
    # 7.0 may not log it at all).
    words = [w for _, w, _, _ in leader.events()]
    if "-odown" in words:
        odown_end = words.index("-odown")
        assert words.index("+slave-reconf-done") < odown_end < words.index("+failover-end"), words
    m_id = f"master {MASTER_NAME} 127.0.0.1 {master.port}"
    new_id = f"slave 127.0.0.1:{new_port} 127.0.0.1 {new_port} @ {m_id[7:]}"
    other_id = (f"slave 127.0.0.1:{t.other_replica.port} 127.0.0.1 {t.other_replica.port} @ "
                f"{m_id[7:]}")
    expected_rest = {
        "+sdown": m_id, "+try-failover": m_id, "+elected-leader": m_id,
        "+failover-state-select-slave": m_id, "+selected-slave": new_id,
        "+failover-state-send-slaveof-noone": new_id, "+failover-state-wait-promotion": new_id,
        "+promoted-slave": new_id, "+failover-state-reconf-slaves": m_id,
        "+slave-reconf-sent": other_id, "+slave-reconf-inprog": other_id,
        "+slave-reconf-done": other_id, "+failover-end": m_id, "+new-epoch": "1",
        "+switch-master": f"{MASTER_NAME} 127.0.0.1 {master.port} 127.0.0.1 {new_port}"}
    for mark, word, rest, line in events:
        if word in expected_rest and first[word] == events.index((mark, word, rest, line)):
            assert rest == expected_rest[word], line
        assert mark == ("*" if word in NOTICE_EVENTS else "#"), line
    odown = next(rest for _, w, rest, _ in events if w == "+odown")
    assert re.fullmatch(re.escape(m_id) + r" #quorum [23]/2", odown)
    myid = flat(call(leader.port, "SENTINEL", "MYID"))
    vote = next(rest for _, w, rest, _ in events if w == "+vote-for-leader")
    assert vote == f"{myid} 1"
    # "<runid> voted for <leader> <epoch>", one line per other sentinel's vote.
    voters = re.findall(r"# ([0-9a-f]{40}) voted for " + myid + r" 1$", leader.log(), re.M)
    assert voters and set(voters) <= {o["runid"] for o in records(
        call(leader.port, "SENTINEL", "SENTINELS", MASTER_NAME))}
    for s in t.sentinels:  # the others followed the leader
        assert s.has_event("+sdown", m_id) and s.has_event("+switch-master")
        assert s.has_event("+slave", f"slave 127.0.0.1:{master.port} 127.0.0.1 {master.port} @ "
                                     f"{MASTER_NAME} 127.0.0.1 {new_port}")

    # The subscriber to every channel saw the whole story.
    def drained():
        while (m := psub.get_message(timeout=0)) is not None:
            if m["type"] == "pmessage":
                all_msgs.append((m["channel"].decode(), m["data"].decode()))
        return ("+switch-master", switch_msgs[0]) in all_msgs
    assert wait_for(drained, 5), all_msgs
    assert ("+sdown", m_id) in all_msgs
    assert ("+new-epoch", "1") in all_msgs
    sub.close()
    psub.close()

    # The other replica continued from the new master's backlog.
    assert wait_for(lambda: f"Partial resynchronization request from 127.0.0.1:"
                            f"{t.other_replica.port} accepted" in t.new_master.log(), 10), \
        t.new_master.log()[-3000:]
    info = Topology.info(t.other_replica.port)
    assert info["master_port"] == str(new_port)
    # redis-py keeps working: writes on the new master, reads on a replica.
    assert writer.set("k3", "v3")
    assert wait_for(lambda: reader.get("k3") == b"v3", 5)
    assert reader.get("k1") == b"v1" and reader.get("k2") == b"v2"


def test_tutorial_old_master_comes_back_as_replica(tutorial):
    t = tutorial
    if not hasattr(t, "new_master"):
        pytest.skip("the failover test did not run")
    old = t.nodes[0]
    old.start()
    assert Topology.info(old.port)["role"] == "master"  # as it was when it died
    # Sentinels turn it into a replica of the new master (Redis waits 8 s
    # of a consistent role report before doing so).
    assert wait_for(lambda: any(s.has_event("+convert-to-slave",
                                            f"slave 127.0.0.1:{old.port} 127.0.0.1 {old.port} @")
                                for s in t.sentinels), 25), [s.log()[-1500:] for s in t.sentinels]
    assert wait_for(lambda: Topology.info(old.port).get("master_link_status") == "up", 10)
    info = Topology.info(old.port)
    assert (info["role"], info["master_port"]) == ("slave", str(t.new_master.port))
    assert flat(call(old.port, "MGET", "k1", "k2", "k3")) == ["v1", "v2", "v3"]
    assert wait_for(lambda: t.online_replicas(t.new_master.port) == 2, 10)


def test_tutorial_restarted_sentinel_reloads_its_config(tutorial):
    t = tutorial
    s = t.sentinels[2]
    myid = flat(call(s.port, "SENTINEL", "MYID"))
    epoch_before = [l for l in conf_lines(s) if l.startswith("sentinel current-epoch ")]
    new_port = int(t.master_addr(s)[1])
    s.stop()
    lines = conf_lines(s)
    assert f"sentinel monitor {MASTER_NAME} 127.0.0.1 {new_port} 2" in lines
    assert sum(l.startswith("sentinel known-replica ") for l in lines) == 2
    assert sum(l.startswith("sentinel known-sentinel ") for l in lines) == 2
    assert epoch_before == (["sentinel current-epoch 1"] if hasattr(t, "new_master")
                            else ["sentinel current-epoch 0"])
    s.start()
    # Straight from the file, before any INFO or hello.
    assert flat(call(s.port, "SENTINEL", "MYID")) == myid
    assert t.master_addr(s) == ["127.0.0.1", str(new_port)]
    assert len(records(call(s.port, "SENTINEL", "REPLICAS", MASTER_NAME))) == 2
    assert len(records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME))) == 2
    state = records(call(s.port, "SENTINEL", "MASTERS"))[0]
    assert state["config-epoch"] == epoch_before[0].split()[-1]
    # and the others still know it under the same ID and address.
    for other in t.sentinels[:2]:
        ids = [o["runid"] for o in records(call(other.port, "SENTINEL", "SENTINELS", MASTER_NAME))]
        assert myid in ids
    assert not any(o.has_event("+sentinel-address-switch") for o in t.sentinels)


# ---------------------------------------------------------------------------
# SENTINEL commands at run time (down-after 1000)

def test_ckquorum_monitor_set_remove_and_unreachable_master(fast):
    s = fast.sentinels[0]
    assert call(s.port, "SENTINEL", "CKQUORUM", MASTER_NAME) == (
        "+", "OK 3 usable Sentinels. Quorum and failover authorization can be reached")
    (dead_port,) = free_ports(1)  # nothing listens there
    assert call(s.port, "SENTINEL", "MONITOR", "other", "127.0.0.1", dead_port, 1) == ("+", "OK")
    assert call(s.port, "SENTINEL", "SET", "other", "down-after-milliseconds", 500,
                "failover-timeout", 3000) == ("+", "OK")
    assert s.has_event("+monitor", f"master other 127.0.0.1 {dead_port} quorum 1")
    lines = conf_lines(s)
    assert f"sentinel monitor other 127.0.0.1 {dead_port} 1" in lines
    assert "sentinel down-after-milliseconds other 500" in lines
    # An unreachable master: +sdown, then retries, no crash; with quorum 1
    # it is objectively down too, but there is no replica to promote.
    assert wait_for(lambda: s.has_event("+sdown", f"master other 127.0.0.1 {dead_port}"), 5), \
        s.log()[-2000:]
    assert wait_for(lambda: s.has_event("+odown", f"master other 127.0.0.1 {dead_port} #quorum 1/1"), 3)
    time.sleep(1.0)  # keeps retrying for a while
    assert s.is_running() and call(s.port, "PING") == ("+", "PONG")
    other = records(call(s.port, "SENTINEL", "MASTERS"))
    flags = next(m["flags"] for m in other if m["name"] == "other").split(",")
    assert "s_down" in flags and "o_down" in flags
    assert not s.has_event("+elected-leader", "master other") or s.has_event(
        "-failover-abort-no-good-slave", "master other")
    assert call(s.port, "SENTINEL", "REMOVE", "other") == ("+", "OK")
    assert call(s.port, "SENTINEL", "MASTER", "other") == ("-", "ERR No such master with that name")
    assert not any(" other " in l for l in conf_lines(s))
    assert s.has_event("-monitor", f"master other 127.0.0.1 {dead_port}")
    # SET on the real master is written back too.
    assert call(s.port, "SENTINEL", "SET", MASTER_NAME, "parallel-syncs", 2) == ("+", "OK")
    assert f"sentinel parallel-syncs {MASTER_NAME} 2" in conf_lines(s)
    assert call(s.port, "SENTINEL", "SET", MASTER_NAME, "parallel-syncs", 1) == ("+", "OK")


def test_malformed_hello_is_ignored(fast):
    master = fast.nodes[0]
    known = {s.port: sorted(o["runid"] for o in records(call(s.port, "SENTINEL", "SENTINELS",
                                                                 MASTER_NAME)))
             for s in fast.sentinels}
    epochs = {s.port: records(call(s.port, "SENTINEL", "MASTERS"))[0]["config-epoch"]
              for s in fast.sentinels}
    runid = "f" * 40
    junk = [
        "junk",
        "a,b,c",                                                          # too few fields
        f"127.0.0.1,99999,{runid},0,{MASTER_NAME},127.0.0.1,{master.port},0",   # bad port
        f"127.0.0.1,-5,{runid},0,{MASTER_NAME},127.0.0.1,{master.port},0",      # negative port
        f"127.0.0.1,26999,short,0,{MASTER_NAME},127.0.0.1,{master.port},0",     # bad run ID
        f"127.0.0.1,26999,{runid},0,{MASTER_NAME},127.0.0.1,0,0",               # bad master port
        f"127.0.0.1,26999,{runid},0,nosuch,127.0.0.1,{master.port},0",          # unknown master
        f",26999,{runid},0,{MASTER_NAME},127.0.0.1,{master.port},0",            # empty address
        f"127.0.0.1,26999,{runid},0,{MASTER_NAME},127.0.0.1,{master.port},0,extra",  # 9 fields
        ",,,,,,,",
        "x" * 100000,
        "\x00\xff,\r\n",
    ]
    for payload in junk:
        reply = call(master.port, "PUBLISH", "__sentinel__:hello", payload)
        assert reply == (":", 3), reply  # the three sentinels' hello links
    time.sleep(0.5)
    for s in fast.sentinels:
        assert s.is_running() and call(s.port, "PING") == ("+", "PONG"), s.log()[-2000:]
        ids = sorted(o["runid"] for o in records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME)))
        assert ids == known[s.port]
        assert records(call(s.port, "SENTINEL", "MASTERS"))[0]["config-epoch"] == epochs[s.port]
        assert fast.master_addr(s) == ["127.0.0.1", str(master.port)]


def test_forced_failover(fast):
    t = fast
    old = t.nodes[0]
    assert call(old.port, "SET", "before", "1") == ("+", "OK")
    s = t.sentinels[0]
    assert call(s.port, "SENTINEL", "FAILOVER", "nosuch") == ("-", "ERR No such master with that name")
    started = time.monotonic()
    assert call(s.port, "SENTINEL", "FAILOVER", MASTER_NAME) == ("+", "OK")
    assert call(s.port, "SENTINEL", "FAILOVER", MASTER_NAME) in (
        ("-", "INPROG Failover already in progress"), ("+", "OK"))
    new_port = t.wait_switch(old.port, 15)
    assert new_port, [x.log()[-2000:] for x in t.sentinels]
    print(f"SENTINEL FAILOVER -> all sentinels switched: {time.monotonic() - started:.2f} s")
    assert s.has_event("+elected-leader")
    assert wait_for(lambda: s.has_event("+switch-master"), 15), s.log()[-3000:]
    assert not s.has_event("+sdown", f"master {MASTER_NAME}")  # nothing was down
    other = next(n for n in t.nodes[1:] if n.port != new_port)
    assert wait_for(lambda: Topology.info(other.port).get("master_port") == str(new_port)
                    and Topology.info(other.port).get("master_link_status") == "up", 10)
    assert Topology.info(new_port)["role"] == "master"
    rs = redis.sentinel.Sentinel([("127.0.0.1", p) for p in t.sentinel_ports], socket_timeout=2)
    assert rs.discover_master(MASTER_NAME) == ("127.0.0.1", new_port)
    w = rs.master_for(MASTER_NAME, socket_timeout=2)
    assert w.set("after", "2") and w.get("before") == b"1"
    assert wait_for(lambda: call(other.port, "GET", "after") == ("$", b"2"), 5)
    t.nodes = [t.node_by_port(new_port)] + [n for n in t.nodes if n.port != new_port]
    # The old master (alive) is turned into a replica too (after Redis's
    # 8 s of consistent reports); the lone-sentinel test below does not
    # depend on it.


def test_reset_forgets_and_rediscovers(fast):
    t = fast
    s = t.sentinels[1]
    assert call(s.port, "SENTINEL", "RESET", "nomatch*") == (":", 0)
    assert call(s.port, "SENTINEL", "RESET", "my*") == (":", 1)
    assert s.has_event("+reset-master", f"master {MASTER_NAME}")
    # It finds the replicas again (the master's first INFO lists them) and
    # the other sentinels (their hellos, every 2 s). The old master, alive
    # after the forced failover, is still a master until it is converted.
    master = t.nodes[0]
    listed = {n.port for n in t.nodes[1:]
              if Topology.info(n.port).get("master_port") == str(master.port)}
    assert listed

    def rediscovered():
        replicas = {int(r["port"]) for r in records(call(s.port, "SENTINEL", "REPLICAS", MASTER_NAME))}
        return (len(records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME))) == 2
                and replicas >= listed)
    assert wait_for(rediscovered, 10), s.log()[-2000:]


def test_stalled_sentinel_enters_tilt(fast):
    """A sentinel whose timer did not run for over 2 s (here: SIGSTOP) trusts
    nothing it measured and enters TILT mode, as Redis's does."""
    s = fast.sentinels[2]
    s.signal(signal.SIGSTOP)
    try:
        time.sleep(2.5)
    finally:
        s.signal(signal.SIGCONT)
    assert wait_for(lambda: s.has_event("+tilt", "#tilt mode entered"), 3), s.log()[-2000:]
    mark = next(m for m, w, _, _ in s.events() if w == "+tilt")
    assert mark == "#"
    assert "sentinel_tilt:1" in flat(call(s.port, "INFO", "sentinel")).splitlines()
    assert fast.master_addr(s) == ["127.0.0.1", str(fast.nodes[0].port)]


def test_lone_sentinel_never_fails_over(fast):
    """Quorum 2 with one sentinel left: no ODOWN, no failover. Quorum 1:
    ODOWN and a try, but no majority of the 3 known sentinels, so no
    leader and the master stays."""
    t = fast
    lone = t.sentinels[0]
    for s in t.sentinels[1:]:
        s.stop()
    master = t.nodes[0]
    # CKQUORUM notices once the others are down (down-after 1000).
    assert wait_for(lambda: call(lone.port, "SENTINEL", "CKQUORUM", MASTER_NAME)[0] == "-", 5)
    assert call(lone.port, "SENTINEL", "CKQUORUM", MASTER_NAME) == (
        "-", "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified "
             "quorum for this master. Not enough available Sentinels to reach the majority and "
             "authorize a failover")
    before = len(lone.events())
    replicas = [n for n in t.nodes[1:] if Topology.info(n.port).get("role") == "slave"]
    assert replicas
    master.kill9()
    assert wait_for(lambda: lone.has_event("+sdown", f"master {MASTER_NAME} 127.0.0.1 {master.port}"), 5)
    time.sleep(2.0)
    new = [e[1] for e in lone.events()[before:]]
    assert "+odown" not in new and "+try-failover" not in new, new
    assert t.master_addr(lone) == ["127.0.0.1", str(master.port)]
    # Quorum 1: objectively down on its own, but it cannot win an election.
    assert call(lone.port, "SENTINEL", "SET", MASTER_NAME, "quorum", 1, "failover-timeout", 2000) == (
        "+", "OK")
    assert wait_for(lambda: lone.has_event("+try-failover"), 5), lone.log()[-2000:]
    assert wait_for(lambda: lone.has_event("-failover-abort-not-elected"), 6), lone.log()[-2000:]
    new = [e[1] for e in lone.events()[before:]]
    assert "+odown" in new and "+elected-leader" not in new and "+switch-master" not in new, new
    assert t.master_addr(lone) == ["127.0.0.1", str(master.port)]
    for n in replicas:  # nobody was promoted
        assert Topology.info(n.port).get("role") == "slave"
    assert "+selected-slave" not in new and "+promoted-slave" not in new


def test_publish_to_a_sentinel_is_a_hello(server_binary, tmp_path):
    (port,) = free_ports(1)
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor {MASTER_NAME} 127.0.0.1 1 2\n")
    s = Proc(server_binary, tmp_path, "s", port, [conf, "--sentinel"]).start()
    try:
        assert call(port, "PUBLISH", "foo", "bar") == (
            "-", "ERR Only HELLO messages are accepted by Sentinel instances.")
        assert call(port, "PUBLISH", "__sentinel__:hello", "junk") == (":", 1)
        hello = f"127.0.0.1,26999,{'a' * 40},5,{MASTER_NAME},127.0.0.1,1,0"
        assert call(port, "PUBLISH", "__sentinel__:hello", hello) == (":", 1)
        assert [o["runid"] for o in records(call(port, "SENTINEL", "SENTINELS", MASTER_NAME))] == [
            "a" * 40]
    finally:
        s.stop()


def test_sentinel_shutdown_saves_no_rdb(server_binary, tmp_path):
    (port,) = free_ports(1)
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor {MASTER_NAME} 127.0.0.1 1 2\n"
                    f'dir "{tmp_path}"\n')
    s = Proc(server_binary, tmp_path, "s", port, [conf, "--sentinel"]).start()
    try:
        call(port, "SHUTDOWN")
        assert s.wait_exit(5) == 0
    finally:
        s.stop()
    assert "Sentinel is now ready to exit, bye bye..." in s.log()
    assert "Saving the final RDB snapshot" not in s.log()
    assert not (tmp_path / "dump.rdb").exists()


# ---------------------------------------------------------------------------
# min-replicas-to-write: an isolated master refuses writes

def test_isolated_master_refuses_writes_with_min_replicas(server_binary, tmp_path):
    t = Topology(tmp_path, server_binary, [], replicas=2,
                 data_args=["--min-replicas-to-write", "1", "--min-replicas-max-lag", "2"])
    try:
        t.start_data()
        master = t.nodes[0]
        assert call(master.port, "SET", "a", "1") == ("+", "OK")
        for n in t.nodes[1:]:  # "isolate" the master: its replicas stop answering
            n.signal(signal.SIGSTOP)
        try:
            refused = wait_for(lambda: call(master.port, "SET", "probe", "2") == (
                "-", "NOREPLICAS Not enough good replicas to write."), 8, step=0.2)
            assert refused, Topology.info(master.port)
            assert call(master.port, "GET", "a") == ("$", b"1")  # reads still work
        finally:
            for n in t.nodes[1:]:
                n.signal(signal.SIGCONT)
        assert wait_for(lambda: call(master.port, "SET", "a", "3") == ("+", "OK"), 8, step=0.2)
    finally:
        t.stop()


# ---------------------------------------------------------------------------
# Interop: Redis sentinels and Troupe nodes, and the other way round

def _kill_master_and_check(t, timeout=20):
    master = t.nodes[0]
    t.wait_discovery(timeout=15)
    assert call(master.port, "SET", "x", "1") == ("+", "OK")
    assert wait_for(lambda: all(call(n.port, "GET", "x") == ("$", b"1") for n in t.nodes[1:]), 5)
    master.kill9()
    killed = time.monotonic()
    new_port = t.wait_switch(master.port, timeout)
    assert new_port, "\n---\n".join(s.log()[-2500:] for s in t.sentinels)
    elapsed = time.monotonic() - killed
    leaders = [s for s in t.sentinels if s.has_event("+elected-leader")]
    assert len(leaders) >= 1
    new = t.node_by_port(new_port)
    other = next(n for n in t.nodes[1:] if n.port != new_port)
    assert wait_for(lambda: Topology.info(new.port).get("role") == "master", 5)
    assert wait_for(lambda: Topology.info(other.port).get("master_port") == str(new_port)
                    and Topology.info(other.port).get("master_link_status") == "up", 15), \
        other.log()[-2000:]
    assert call(new.port, "SET", "y", "2") == ("+", "OK")
    assert wait_for(lambda: call(other.port, "MGET", "x", "y") == ("*", [("$", b"1"), ("$", b"2")]), 5)
    return elapsed, leaders


@pytest.mark.parametrize("kind", ["redis-sentinels/troupe-nodes", "troupe-sentinels/redis-nodes",
                                  "mixed-sentinels/troupe-nodes"])
def test_interop_failover(kind, server_binary, tmp_path):
    troupe = str(server_binary)
    if kind == "redis-sentinels/troupe-nodes":
        data, sentinels = troupe, [REDIS_SERVER] * 3
    elif kind == "troupe-sentinels/redis-nodes":
        data, sentinels = REDIS_SERVER, [troupe] * 3
    else:
        data, sentinels = troupe, [troupe, REDIS_SERVER, troupe]
    if REDIS_SERVER in (data, *sentinels) and not shutil.which(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    t = Topology(tmp_path, data, sentinels, down_after_ms=1000, failover_timeout_ms=10000)
    try:
        t.start_data()
        t.start_sentinels()
        elapsed, leaders = _kill_master_and_check(t)
        print(f"{kind}: kill -9 -> all sentinels switched in {elapsed:.2f} s, "
              f"leader {[l.binary.name for l in leaders]}")
    finally:
        t.stop()


# ---------------------------------------------------------------------------
# Bad input

@pytest.mark.parametrize("line", [
    "sentinel monitor mymaster 127.0.0.1 7001 0",
    "sentinel down-after-milliseconds nosuch 5000",
    "sentinel frobnicate yes",
    "frobnicate yes",
])
def test_fatal_config_errors_match_redis(line, server_binary, tmp_path):
    (port,) = free_ports(1)
    results = {}
    for name, binary in (("troupe", server_binary), ("redis", REDIS_SERVER)):
        d = tmp_path / name
        d.mkdir()
        conf = d / "sentinel.conf"
        conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 7001 2\n"
                        f"{line}\n" if "monitor" not in line else f"port {port}\n{line}\n")
        p = subprocess.run([str(binary), str(conf), "--sentinel"], cwd=d, capture_output=True,
                           text=True, timeout=10)
        results[name] = (p.returncode, p.stderr)
    assert results["troupe"][0] == 1
    assert "*** FATAL CONFIG FILE ERROR" in results["troupe"][1]
    assert results["troupe"][1] == results["redis"][1]
