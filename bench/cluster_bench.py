#!/usr/bin/python3
"""Cluster benchmark (issue 8): a 3-master Troupe cluster and a 3-master redis-server cluster, side by side.

Both clusters run at the same time, each of three masters and no replicas, every node on a free 127.0.0.1
port (and a free bus port, `--cluster-port`) in its own temp dir, started with
`--save '' --appendonly no --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000`
and joined with `redis-cli --cluster create <3 addresses> --cluster-yes` (0-5460 / 5461-10922 / 10923-16383).
Then `redis-benchmark --cluster` (Redis 7's cluster mode: it reads the slot map and sends each key to its
master) runs with the same arguments against each cluster, SET and GET, in two modes (`-c 50` and
`-c 50 -P 16`), for --rounds rounds; within a round the clusters take turns and the order alternates from round
to round; every master is FLUSHALL'd before each run. Reported per test and mode: the median rps of each
cluster and the median of the per-round ratios Troupe / Redis (with their range).

Everything shares the machine's cores: the six servers (the idle cluster only gossips) and redis-benchmark.
Prints a plain table and Markdown for docs/BENCHMARKS.md (or writes it to --markdown FILE); progress goes to
stderr. Standard library only, plus tests/e2e/harness.py (server processes on free ports) and
bench/run_bench.py (CSV parsing, report details); every wait is bounded and every server is always stopped.

Run: /usr/bin/python3 bench/cluster_bench.py --markdown /tmp/cluster.md
"""

import argparse
import datetime
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
sys.path.insert(0, os.path.join(REPO, "bench"))
import harness  # noqa: E402  (server processes on free ports, raw RESP)
import run_bench  # noqa: E402  (redis-benchmark CSV parsing, machine description)

MASTERS = 3
CREATE_TIMEOUT_S = 120.0
STATE_OK_TIMEOUT_S = 30.0
TESTS = ["SET", "GET"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def call(srv, *args, timeout=30.0):
    with harness.RawConn(srv.port, timeout=timeout) as c:
        reply = c.call(*args)
    if reply[0] == "-":
        raise RuntimeError(f"{srv.name}: {' '.join(map(str, args))} -> {reply[1]}")
    return reply[1]


def wait_until(pred, timeout, what, every=0.05):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


class Cluster:
    """Three masters of one implementation, joined by `redis-cli --cluster create`."""

    def __init__(self, impl, binary, args):
        self.impl, self.binary, self.args = impl, binary, args
        self.nodes = []

    def start(self):
        for i in range(MASTERS):
            srv = harness.ServerProcess(
                self.binary, name=f"{self.impl}-{i + 1}",
                extra_args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "5000", "--cluster-port", str(harness.free_port())])
            self.nodes.append(srv)
            srv.start(timeout=30)
        addrs = [f"127.0.0.1:{s.port}" for s in self.nodes]
        out = subprocess.run([self.args.redis_cli, "--cluster", "create", *addrs, "--cluster-yes"],
                             capture_output=True, text=True, timeout=CREATE_TIMEOUT_S)
        if out.returncode != 0 or "[OK] All 16384 slots covered." not in out.stdout:
            raise RuntimeError(f"{self.impl}: redis-cli --cluster create failed:\n{out.stdout}{out.stderr}")
        wait_until(self.state_ok, STATE_OK_TIMEOUT_S, f"{self.impl}: cluster_state:ok on every node")
        self.version = run_bench.info_fields(self.nodes[0].port, "server").get("redis_version", "?")
        log(f"[{self.impl}] cluster of {MASTERS} masters on {', '.join(addrs)}")

    def state_ok(self):
        for s in self.nodes:
            info = call(s, "CLUSTER", "INFO").decode()
            if "cluster_state:ok" not in info or f"cluster_known_nodes:{MASTERS}" not in info:
                return False
        return True

    def flushall(self):
        for s in self.nodes:
            call(s, "FLUSHALL", timeout=120)

    def stop(self):
        for s in self.nodes:
            try:
                s.cleanup()
            except Exception as e:  # keep stopping the others
                log(f"[{s.name}] stop failed: {e}")


def bench_argv(args, port, mode):
    argv = [args.redis_benchmark, "--cluster", "-h", "127.0.0.1", "-p", str(port), "-c", str(args.clients),
            "-n", str(mode["requests"])]
    if mode["pipeline"] > 1:
        argv += ["-P", str(mode["pipeline"])]
    if args.keyspace:
        argv += ["-r", str(args.keyspace)]
    return argv + ["-t", ",".join(t.lower() for t in TESTS), "--csv"]


def run_once(args, cluster, mode):
    """One redis-benchmark run -> ({TEST: rps}, error text or None)."""
    cluster.flushall()
    try:
        p = subprocess.run(bench_argv(args, cluster.nodes[0].port, mode), capture_output=True, text=True,
                           timeout=args.run_timeout)
    except subprocess.TimeoutExpired:
        return {}, f"redis-benchmark timed out after {args.run_timeout} s"
    rows = run_bench.parse_csv(p.stdout)
    missing = [t for t in TESTS if t not in rows]
    err = None
    if p.returncode != 0 or missing:
        first = (p.stderr.strip().splitlines() or [""])[0]
        err = f"redis-benchmark exit {p.returncode}, missing {missing}: {first[:160]}"
    # The SETs must have landed on all three masters (redis-benchmark --cluster spreads its keys by slot).
    if "SET" in rows and any(call(s, "DBSIZE") == 0 for s in cluster.nodes):
        err = (err + "; " if err else "") + "a master got no keys"
    for s in cluster.nodes:
        if not s.is_running():
            err = (err + "; " if err else "") + f"{s.name} died"
    return rows, err


def measure(args, clusters):
    modes = [{"label": f"-c {args.clients}", "pipeline": 1, "requests": args.requests},
             {"label": f"-c {args.clients} -P {args.pipeline}", "pipeline": args.pipeline,
              "requests": args.requests_pipelined}]
    results = {m["label"]: {c.impl: [] for c in clusters} for m in modes}
    notes = []
    for rnd in range(args.rounds):
        order = clusters if rnd % 2 == 0 else list(reversed(clusters))
        for mode in modes:
            for c in order:
                t0 = time.monotonic()
                rows, err = run_once(args, c, mode)
                results[mode["label"]][c.impl].append(rows)
                log("round %d/%d  %-12s %-7s %5.1f s  %s" % (
                    rnd + 1, args.rounds, mode["label"], c.impl, time.monotonic() - t0,
                    " ".join("%s=%.0f" % kv for kv in rows.items())))
                if err:
                    notes.append(f"round {rnd + 1}, {mode['label']}, {c.impl}: {err}")
                    log("  ERROR: " + err)
    table = []
    for mode in modes:
        res = results[mode["label"]]
        for test in TESTS:
            tr = [r[test] for r in res["troupe"] if test in r]
            rr = [r[test] for r in res["redis"] if test in r]
            ratios = [a[test] / b[test] for a, b in zip(res["troupe"], res["redis"])
                      if test in a and test in b and b[test] > 0]
            table.append({"test": test, "mode": mode["label"],
                          "troupe": statistics.median(tr) if tr else None,
                          "redis": statistics.median(rr) if rr else None,
                          "ratio": statistics.median(ratios) if ratios else None,
                          "rmin": min(ratios) if ratios else None, "rmax": max(ratios) if ratios else None})
    commands = [" ".join(shlex.quote(a) for a in bench_argv(args, "PORT", m)) for m in modes]
    return table, notes, commands


def repo_commit():
    """The checked-out commit, read from .git (no git command is run)."""
    try:
        git = os.path.join(REPO, ".git")
        head = open(os.path.join(git, "HEAD")).read().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head[5:]
        path = os.path.join(git, ref)
        if os.path.exists(path):
            return open(path).read().strip()[:7]
        for line in open(os.path.join(git, "packed-refs")):
            if line.rstrip().endswith(" " + ref):
                return line.split()[0][:7]
    except OSError:
        pass
    return "unknown"


def report(args, clusters, table, notes, commands, wall_s, argv):
    t, r = clusters
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = [f"### Run of {now}", "",
           f"Command: `/usr/bin/python3 bench/cluster_bench.py {' '.join(shlex.quote(a) for a in argv)}`", "",
           f"- troupe: `{t.binary}`; redis: `{r.binary}` (redis_version {r.version}); "
           f"`redis-benchmark --version`: {run_bench.tool_version([args.redis_benchmark, '--version'])}",
           f"- repo commit: {repo_commit()} (plus the working tree); machine: {os.cpu_count()} cores, "
           f"{run_bench.cpu_model()}, {platform.system()} {platform.release()}; both clusters (3 masters each, "
           f"no replicas) and redis-benchmark share the cores",
           "- every node: `--port PORT --bind 127.0.0.1 --save '' --appendonly no --cluster-enabled yes "
           "--cluster-config-file nodes.conf --cluster-node-timeout 5000 --cluster-port BUSPORT`; "
           "joined with `redis-cli --cluster create A B C --cluster-yes`",
           f"- rounds: {args.rounds}, alternating (odd rounds troupe first); FLUSHALL on every master before "
           f"every run; wall time of the run: {wall_s:.0f} s", "",
           "redis-benchmark invocations (PORT = the cluster's first node):", ""]
    out += ["    " + c for c in commands]
    out += ["", "| Test | Mode | troupe rps (median) | redis rps (median) | ratio troupe/redis | ratio range |",
            "|---|---|---:|---:|---:|---:|"]
    for row in table:
        rng = "n/a" if row["rmin"] is None else "%.2f-%.2f" % (row["rmin"], row["rmax"])
        out.append("| %s | `%s` | %s | %s | %s | %s |" % (
            row["test"], row["mode"], run_bench.fmt_rps(row["troupe"]), run_bench.fmt_rps(row["redis"]),
            run_bench.fmt_ratio(row["ratio"]), rng))
    if notes:
        out += ["", "Problems during the run:", ""] + ["- " + n for n in notes]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark")
    ap.add_argument("--redis-cli", default="/usr/bin/redis-cli")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per mode")
    ap.add_argument("-n", "--requests", type=int, default=1_000_000, help="requests per test without -P (long enough that rps are not quantised)")
    ap.add_argument("--requests-pipelined", type=int, default=None,
                    help="requests per test with -P (default: 10 x --requests)")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    ap.add_argument("--pipeline", type=int, default=16, help="redis-benchmark -P of the pipelined mode")
    ap.add_argument("--keyspace", type=int, default=0, help="redis-benchmark -r (0: off)")
    ap.add_argument("--run-timeout", type=int, default=600, help="seconds before one redis-benchmark run is killed")
    ap.add_argument("--markdown", metavar="FILE", help="write the Markdown report here too")
    args = ap.parse_args(argv)
    shown = argv if argv is not None else sys.argv[1:]
    if args.requests_pipelined is None:
        args.requests_pipelined = args.requests * 10
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")
    for path in (args.redis_benchmark, args.redis_cli):
        if not os.access(path, os.X_OK):
            ap.error(f"not an executable: {path}")
    # SIGTERM unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    clusters = [Cluster("troupe", harness.check_binary(os.path.abspath(args.troupe)), args),
                Cluster("redis", harness.check_binary(os.path.abspath(args.redis)), args)]
    try:
        for c in clusters:
            c.start()
        table, notes, commands = measure(args, clusters)
    finally:
        for c in clusters:
            c.stop()
    text = report(args, clusters, table, notes, commands, time.monotonic() - t0, shown)
    print(run_bench.throughput_text(table))
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
