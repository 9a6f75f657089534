#!/usr/bin/python3
"""Replication benchmark (issue 5): troupe-server and Debian's redis-server 7.0.15 side by side, in one run.

For each implementation in turn (never both at once), a master and two replicas of that implementation, each
on a free 127.0.0.1 port in its own temp dir, started with
`--save '' --appendonly no --repl-diskless-sync-delay 0 --enable-debug-command yes`:

  1. SET throughput of the master: `redis-benchmark -t set -n N -c 50` and the same with `-P 16`, first
     without replicas, then with the two replicas attached (REPLICAOF, link up). Reported: rps, and the ratio
     with replicas / without (how much replicating two ways costs the master), for each implementation.
  2. Replication lag under that load: while each with-replicas run goes, a thread samples every 100 ms the
     master's master_repl_offset and then each replica's offset (INFO replication), and keeps the largest
     difference in bytes. When redis-benchmark exits, the master's offset is read once more and the time
     until both replicas reach it is the catch-up time.
  3. Full-sync time of a 1,000,000-key dataset: the replicas are dropped, the master is filled with
     `DEBUG POPULATE 1000000` (keys key:N, values value:N, in both servers), a fresh replica is started and
     the time from its REPLICAOF reply to master_link_status:up is measured (its DBSIZE is checked). With its
     defaults Redis 7.0 sends the snapshot over the socket (repl-diskless-sync yes); Troupe writes it to disk
     first. Redis is measured a second time with `CONFIG SET repl-diskless-sync no` (disk, like Troupe).

Everything runs on the same machine: the master, both replicas and redis-benchmark share its cores. Prints
a Markdown report (or into --markdown FILE); progress goes to stderr. Standard library only (plus
tests/e2e/harness.py, which is too); every wait is bounded and every server is always stopped.

Run: /usr/bin/python3 bench/replication_bench.py --markdown /tmp/repl.md
"""

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import harness  # noqa: E402  (server processes on free ports, raw RESP)

SERVER_ARGS = ["--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"]
LINK_TIMEOUT_S = 300.0      # REPLICAOF -> link up (a full sync of the big dataset included)
CATCH_UP_TIMEOUT_S = 60.0
BENCH_TIMEOUT_S = 300.0
SAMPLE_EVERY_S = 0.1


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def call(srv, *args, timeout=120.0):
    with harness.RawConn(srv.port, timeout=timeout) as c:
        reply = c.call(*args)
    if reply[0] == "-":
        raise RuntimeError(f"{srv.name}: {' '.join(map(str, args))} -> {reply[1]}")
    return reply[1]


def repl_info(srv):
    text = call(srv, "INFO", "replication").decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def offset(srv):
    return int(repl_info(srv)["master_repl_offset"])


def wait_until(pred, timeout, what, every=0.01):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def link_up(replica, timeout=LINK_TIMEOUT_S):
    wait_until(lambda: repl_info(replica).get("master_link_status") == "up", timeout,
               f"{replica.name}: master_link_status:up", every=0.005)


def redis_benchmark(srv, n, pipeline):
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(srv.port), "-t", "set", "-n", str(n),
            "-c", "50", "--csv"]
    if pipeline > 1:
        args += ["-P", str(pipeline)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=True).stdout
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if cells and cells[0] == "SET":
            return float(cells[1])
    raise RuntimeError(f"no SET line in redis-benchmark output: {out!r}")


class LagSampler(threading.Thread):
    """Largest master offset - replica offset, sampled every 100 ms."""

    def __init__(self, master, replicas):
        super().__init__(daemon=True)
        self.master, self.replicas = master, replicas
        self.max_lag = 0
        self.samples = 0
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                m = offset(self.master)
                for r in self.replicas:
                    self.max_lag = max(self.max_lag, m - offset(r))
                self.samples += 1
            except (OSError, RuntimeError, harness.ConnectionClosed):
                pass
            self.stop_flag.wait(SAMPLE_EVERY_S)

    def stop(self):
        self.stop_flag.set()
        self.join(timeout=10)


def start(binary, name, extra=()):
    srv = harness.ServerProcess(binary, extra_args=SERVER_ARGS + list(extra), name=name)
    srv.start(timeout=30)
    return srv


def measure(impl, binary, args):
    res = {"impl": impl, "binary": binary}
    procs = []
    try:
        m = start(binary, f"{impl}-master")
        procs.append(m)
        res["version"] = re.search(r"redis_version:(\S+)", call(m, "INFO", "server").decode()).group(1)
        r1, r2 = start(binary, f"{impl}-r1"), start(binary, f"{impl}-r2")
        procs += [r1, r2]
        modes = [("c50", 1, args.requests), ("P16", 16, args.requests_pipelined)]
        for key, pipe, n in modes:
            call(m, "FLUSHALL")
            log(f"{impl}: SET {key}, no replicas")
            res[f"rps_{key}_alone"] = redis_benchmark(m, n, pipe)
        for r in (r1, r2):
            call(r, "REPLICAOF", "127.0.0.1", m.port)
        for r in (r1, r2):
            link_up(r)
        for key, pipe, n in modes:
            call(m, "FLUSHALL")
            wait_until(lambda: all(offset(r) >= offset(m) for r in (r1, r2)), CATCH_UP_TIMEOUT_S, "catch-up")
            log(f"{impl}: SET {key}, 2 replicas")
            sampler = LagSampler(m, [r1, r2])
            sampler.start()
            try:
                res[f"rps_{key}_repl"] = redis_benchmark(m, n, pipe)
            finally:
                sampler.stop()
            end = time.monotonic()
            target = offset(m)
            wait_until(lambda: all(offset(r) >= target for r in (r1, r2)), CATCH_UP_TIMEOUT_S,
                       "replicas to catch up", every=0.002)
            res[f"catchup_{key}_ms"] = (time.monotonic() - end) * 1000
            res[f"lag_{key}_bytes"] = sampler.max_lag
            res[f"samples_{key}"] = sampler.samples
            for r in (r1, r2):
                if call(r, "DBSIZE") != call(m, "DBSIZE"):
                    raise RuntimeError(f"{r.name}: DBSIZE differs from the master's")
        for r in (r1, r2):
            r.stop()
        # Full sync of a big dataset.
        call(m, "FLUSHALL")
        log(f"{impl}: DEBUG POPULATE {args.keys}")
        call(m, "DEBUG", "POPULATE", args.keys, timeout=600)
        res["rdb_mode"] = "disk" if impl == "troupe" else "socket (diskless)"
        syncs = [("sync", None)]
        if impl == "redis":
            syncs.append(("sync_disk", "no"))
        for key, diskless in syncs:
            if diskless is not None:
                call(m, "CONFIG", "SET", "repl-diskless-sync", diskless)
            fresh = start(binary, f"{impl}-{key}")
            procs.append(fresh)
            log(f"{impl}: full sync of {args.keys} keys ({key})")
            t0 = time.monotonic()
            call(fresh, "REPLICAOF", "127.0.0.1", m.port)
            link_up(fresh)
            res[f"{key}_s"] = time.monotonic() - t0
            size = call(fresh, "DBSIZE")
            if size != args.keys:
                raise RuntimeError(f"{fresh.name}: DBSIZE {size} after the full sync, want {args.keys}")
            got = re.search(r"receiving (?:streamed RDB from master with EOF to disk|(\d+) bytes)",
                            fresh.log())
            if got and got.group(1):
                res[f"{key}_rdb_bytes"] = int(got.group(1))
            fresh.stop()
    finally:
        for p in procs:
            p.cleanup()
    return res


def fmt_rps(x):
    return f"{x:,.0f}"


def report(results, argv, wall_s):
    t, r = results["troupe"], results["redis"]
    lines = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    lines.append(f"### Run of {now}")
    lines.append("")
    lines.append(f"Command: `/usr/bin/python3 bench/replication_bench.py {' '.join(argv)}`")
    lines.append("")
    lines.append(f"- troupe: `{t['binary']}`; redis: `{r['binary']}` (redis_version {r['version']})")
    lines.append(f"- repo commit: {commit} (plus the working tree); machine: {os.cpu_count()} cores, "
                 f"{platform.system()} {platform.release()}; master, both replicas and redis-benchmark "
                 f"share the cores")
    lines.append("- every server: `--port PORT --bind 127.0.0.1 --save '' --appendonly no "
                 "--repl-diskless-sync-delay 0 --enable-debug-command yes`")
    lines.append(f"- wall time of the run: {wall_s:.0f} s")
    lines.append("")
    lines.append("| | Troupe | Redis 7.0.15 |")
    lines.append("|---|---|---|")
    for key, label in (("c50", "`-t set -c 50`"), ("P16", "`-t set -c 50 -P 16`")):
        lines.append(f"| SET rps, {label}, no replicas | {fmt_rps(t[f'rps_{key}_alone'])} | "
                     f"{fmt_rps(r[f'rps_{key}_alone'])} |")
        lines.append(f"| SET rps, {label}, 2 replicas | {fmt_rps(t[f'rps_{key}_repl'])} | "
                     f"{fmt_rps(r[f'rps_{key}_repl'])} |")
        lines.append(f"| **ratio 2 replicas / none**, {label} | **{t[f'rps_{key}_repl'] / t[f'rps_{key}_alone']:.2f}** | "
                     f"**{r[f'rps_{key}_repl'] / r[f'rps_{key}_alone']:.2f}** |")
        lines.append(f"| max lag during that load (bytes; {t[f'samples_{key}']} / {r[f'samples_{key}']} samples) | "
                     f"{t[f'lag_{key}_bytes']:,} | {r[f'lag_{key}_bytes']:,} |")
        lines.append(f"| catch-up after the load ends (ms) | {t[f'catchup_{key}_ms']:.0f} | "
                     f"{r[f'catchup_{key}_ms']:.0f} |")
    rdb_t = f", RDB {t['sync_rdb_bytes'] / 1e6:.1f} MB" if "sync_rdb_bytes" in t else ""
    rdb_r = f", RDB {r['sync_disk_rdb_bytes'] / 1e6:.1f} MB" if "sync_disk_rdb_bytes" in r else ""
    lines.append(f"| full sync, {results['keys']:,} keys, REPLICAOF -> link up (s) | "
                 f"{t['sync_s']:.2f} (disk{rdb_t}) | {r['sync_s']:.2f} (diskless, the default); "
                 f"{r['sync_disk_s']:.2f} (disk{rdb_r}) |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("-n", "--requests", type=int, default=1_000_000, help="SETs per run without -P (long enough that rps are not quantised)")
    ap.add_argument("--requests-pipelined", type=int, default=4_000_000, help="SETs per run with -P 16")
    ap.add_argument("--keys", type=int, default=1_000_000, help="dataset of the full-sync measurement")
    ap.add_argument("--markdown", help="write the report here too")
    args = ap.parse_args(argv)
    shown = argv if argv is not None else sys.argv[1:]
    t0 = time.monotonic()
    results = {"keys": args.keys}
    for impl, binary in (("troupe", args.troupe), ("redis", args.redis)):
        results[impl] = measure(impl, harness.check_binary(os.path.abspath(binary)), args)
    text = report(results, shown, time.monotonic() - t0)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
