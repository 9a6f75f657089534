#!/usr/bin/python3
"""Sentinel failover benchmark (issue 6): Troupe sentinels + Troupe data nodes against Debian's
redis-sentinel 7.0.15 + redis-server 7.0.15, side by side, in one run.

Each run deploys the tutorial's part 3 on free 127.0.0.1 ports (tests/e2e/sentinel_topology.py): a master
and two replicas (`--save '' --appendonly no --repl-diskless-sync-delay 0`), three sentinels with the
tutorial's sentinel.conf (`sentinel monitor mymaster 127.0.0.1 PORT 2`, down-after-milliseconds 5000,
failover-timeout 60000). Debian's redis-sentinel is `redis-server <conf> --sentinel` (the same binary).
Once every sentinel knows both replicas (with their INFO) and the two other sentinels, a client subscribes
to `+sdown` and `+switch-master` on all three sentinels, writes a key, and the master gets SIGKILL.

Measured from the kill, on the subscribers' clock:
  - first `+sdown` of the master on any sentinel (detection; down-after is 5 s);
  - first `+switch-master` on any sentinel (what a client subscribed to the sentinels learns first: the
    figure the target is about);
  - `+switch-master` on all three sentinels.
Each implementation runs --runs times (default 5), alternating (troupe, redis, redis, troupe, ...) so that
background noise falls on both; the table gives the median with min-max. A run that does not switch within
30 s counts as a failure and is reported.

Target (issue 6): Troupe's first +switch-master <= down-after + 1.5 s, and below redis-sentinel's.

Prints Markdown for docs/BENCHMARKS.md (or into --markdown FILE); progress goes to stderr. Standard library
plus tests/e2e/harness.py and sentinel_topology.py (standard library too); every wait is bounded and every
process is always stopped. Takes about 1.5 minutes with 5 runs.

Run: /usr/bin/python3 bench/failover_bench.py --markdown /tmp/failover.md
"""

import argparse
import datetime
import os
import platform
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import harness  # noqa: E402
from sentinel_topology import REDIS_SERVER, Topology, call, records, wait_for  # noqa: E402

DOWN_AFTER_MS = 5000
FAILOVER_TIMEOUT_MS = 60000
SWITCH_TIMEOUT_S = 30.0      # a run that has not switched by then is a failure
DISCOVERY_TIMEOUT_S = 30.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_array(buf, pos):
    """One RESP array of bulk strings / integers (what pub/sub sends) at
    buf[pos:]: (items, next pos), or None while it is incomplete."""
    def line(p):
        e = buf.find(b"\r\n", p)
        return (None, p) if e < 0 else (bytes(buf[p:e]), e + 2)
    head, p = line(pos)
    if head is None:
        return None
    if head[:1] != b"*":
        raise harness.ServerError(f"unexpected reply {head!r}")
    items = []
    for _ in range(int(head[1:])):
        head, p = line(p)
        if head is None:
            return None
        if head[:1] == b":":
            items.append(int(head[1:]))
            continue
        size = int(head[1:])
        if len(buf) < p + size + 2:
            return None
        items.append(bytes(buf[p:p + size]).decode())
        p += size + 2
    return items, p


class Subscriber:
    """One raw RESP connection per sentinel, subscribed to the events we time."""

    CHANNELS = ("+sdown", "+switch-master")

    def __init__(self, ports):
        self.socks = [socket.create_connection(("127.0.0.1", p), timeout=5) for p in ports]
        self.bufs = {s: bytearray() for s in self.socks}
        for s in self.socks:
            s.sendall(harness.encode_command("SUBSCRIBE", *self.CHANNELS))
        confirmed = 0
        deadline = time.monotonic() + 5
        while confirmed < len(self.socks) * len(self.CHANNELS) and time.monotonic() < deadline:
            confirmed += sum(1 for _, kind, _ in self._read(0.1, raw=True) if kind == "subscribe")
        if confirmed < len(self.socks) * len(self.CHANNELS):
            raise harness.ServerError("SUBSCRIBE was not confirmed")

    def _read(self, timeout, raw=False):
        out = []
        ready, _, _ = select.select(self.socks, [], [], timeout)
        for s in ready:
            data = s.recv(1 << 16)
            if not data:
                raise harness.ServerError("a sentinel closed the subscriber's connection")
            buf = self.bufs[s]
            buf += data
            pos = 0
            while (parsed := parse_array(buf, pos)) is not None:
                items, pos = parsed
                if raw:
                    out.append((self.socks.index(s), items[0], items))
                elif items[0] == "message":
                    out.append((self.socks.index(s), items[1], items[2]))
            del buf[:pos]
        return out

    def poll(self, timeout):
        """[(sentinel index, channel, payload)] that arrived within `timeout`."""
        return self._read(timeout)

    def close(self):
        for s in self.socks:
            s.close()


def ready(t):
    """Every sentinel knows both replicas (with their INFO) and both other sentinels."""
    for s in t.sentinels:
        reps = records(call(s.port, "SENTINEL", "REPLICAS", "mymaster"))
        if len(reps) < 2 or any(r.get("master-link-status") != "ok" for r in reps):
            return False
        if len(records(call(s.port, "SENTINEL", "SENTINELS", "mymaster"))) < 2:
            return False
    return True


def one_run(kind, troupe, root):
    data, sentinel = (troupe, troupe) if kind == "troupe" else (REDIS_SERVER, REDIS_SERVER)
    t = Topology(root, data, [sentinel] * 3, down_after_ms=DOWN_AFTER_MS,
                 failover_timeout_ms=FAILOVER_TIMEOUT_MS)
    sub = None
    try:
        t.start_data()
        t.start_sentinels()
        if not wait_for(lambda: ready(t), DISCOVERY_TIMEOUT_S, step=0.1):
            return {"error": "sentinels did not discover the deployment"}
        sub = Subscriber(t.sentinel_ports)
        assert call(t.nodes[0].port, "SET", "k", "v") == ("+", "OK")
        killed = time.monotonic()
        t.nodes[0].kill9()
        sdown, switched = None, {}
        while len(switched) < 3 and time.monotonic() - killed < SWITCH_TIMEOUT_S:
            for idx, channel, payload in sub.poll(0.05):
                now = time.monotonic() - killed
                if channel == "+sdown" and payload.startswith("master ") and sdown is None:
                    sdown = now
                elif channel == "+switch-master":
                    switched.setdefault(idx, now)
        if not switched:
            return {"error": f"no +switch-master within {SWITCH_TIMEOUT_S:.0f} s"}
        new_port = int(payload.split()[-1]) if switched else None
        return {"sdown": sdown, "first": min(switched.values()),
                "all": max(switched.values()) if len(switched) == 3 else None,
                "new_master_role": Topology.info(new_port).get("role")}
    finally:
        if sub:
            sub.close()
        t.stop()


def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--markdown", help="also write the Markdown report to this file")
    args = ap.parse_args()
    troupe = os.path.abspath(args.troupe)
    harness.check_binary(troupe)
    harness.check_binary(REDIS_SERVER)
    started = time.monotonic()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    results = {"troupe": [], "redis": []}
    problems = []
    with tempfile.TemporaryDirectory(prefix="failover-bench-") as tmp:
        for i in range(args.runs):
            order = ["troupe", "redis"] if i % 2 == 0 else ["redis", "troupe"]
            for kind in order:
                r = one_run(kind, troupe, os.path.join(tmp, f"{kind}{i}"))
                if "error" in r:
                    problems.append(f"{kind} run {i + 1}: {r['error']}")
                    log(f"{kind} run {i + 1}: {r['error']}")
                    continue
                results[kind].append(r)
                log(f"{kind} run {i + 1}: +sdown {r['sdown']:.2f} s, first +switch-master "
                    f"{r['first']:.2f} s, all three {r['all'] or float('nan'):.2f} s "
                    f"(new master role: {r['new_master_role']})")
    wall = time.monotonic() - started
    redis_version = subprocess.run([REDIS_SERVER, "--version"], capture_output=True,
                                   text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rel = os.path.relpath(troupe, REPO)
    med_t = statistics.median([r["first"] for r in results["troupe"]]) if results["troupe"] else None
    med_r = statistics.median([r["first"] for r in results["redis"]]) if results["redis"] else None
    target = DOWN_AFTER_MS / 1000 + 1.5
    lines = [
        f"### Run of {stamp}",
        "",
        f"Command: `/usr/bin/python3 bench/failover_bench.py --troupe {rel} --runs {args.runs}`",
        "",
        f"- troupe: `{troupe}` (troupe-server, sentinels as `troupe-server <conf> --sentinel`); "
        f"redis: `{REDIS_SERVER}` ({redis_version.split(' v=')[-1].split()[0] if ' v=' in redis_version else redis_version}; "
        "sentinels as `redis-server <conf> --sentinel`, what Debian's redis-sentinel runs)",
        f"- repo commit: {commit} (plus the working tree); machine: {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; all six processes share the cores",
        f"- down-after-milliseconds {DOWN_AFTER_MS}, failover-timeout {FAILOVER_TIMEOUT_MS}, quorum 2; "
        f"{args.runs} runs each, alternating; wall time of the run: {wall:.0f} s",
        "",
        "| seconds after kill -9 of the master (median, min-max) | Troupe | Redis 7.0.15 |",
        "|---|---|---|",
        f"| first `+sdown` of the master | {fmt([r['sdown'] for r in results['troupe']])} | "
        f"{fmt([r['sdown'] for r in results['redis']])} |",
        f"| **first `+switch-master`** (any sentinel) | **{fmt([r['first'] for r in results['troupe']])}** | "
        f"**{fmt([r['first'] for r in results['redis']])}** |",
        f"| `+switch-master` on all three sentinels | {fmt([r['all'] for r in results['troupe']])} | "
        f"{fmt([r['all'] for r in results['redis']])} |",
        "",
    ]
    if med_t is not None and med_r is not None:
        ok = med_t <= target and med_t < med_r
        lines.append(f"Target (first +switch-master <= down-after + 1.5 s = {target:.1f} s, and below "
                     f"redis-sentinel): {'met' if ok else 'NOT met'} ({med_t:.2f} s vs {med_r:.2f} s).")
    if problems:
        lines += ["", "Problems during the run:", ""] + [f"- {p}" for p in problems]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
