#!/usr/bin/python3
"""Side-by-side benchmark of troupe-server against Debian's redis-server.

Starts both servers on free 127.0.0.1 ports (never 6379) with `--save '' --appendonly no`, each in its own temp
dir, and always stops them again (SIGTERM, then SIGKILL). Two measurements:

  throughput (default)  redis-benchmark with the same flags against each server, alternating troupe/redis, for
                        --rounds rounds, in two modes (`-c 50` and `-c 50 -P 16`); prints per test and mode the
                        median rps of each server and the median of the per-round ratios troupe/redis.
  memory (--memory)     loads a fixed data set into each server through a raw pipelined socket (1M strings of
                        16-byte values; optionally 100k hashes of 10 fields, 100k sorted sets of 10 members) and
                        reports `used_memory` (INFO memory) and VmRSS (/proc/<pid>/status) with the ratios.

Results go to stdout as a plain table followed by Markdown for docs/BENCHMARKS.md (or to --markdown FILE).
Progress goes to stderr. Nothing is pinned: both servers and redis-benchmark share the machine's cores.
Standard library only; run with /usr/bin/python3 bench/run_bench.py --help.
"""

import argparse
import ctypes
import datetime
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET"]
# Tests redis-benchmark 7.0 accepts for -t (case-insensitive), in the order it runs them. PING and LRANGE are
# groups (PING_INLINE+PING_MBULK, LRANGE_100..600). Used to catch typos, and to find which test a failed run
# stopped at (redis-benchmark exits on the first error reply).
BENCH_ORDER = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
               "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_300", "LRANGE_500", "LRANGE_600",
               "MSET", "XADD"]
GROUPS = {"PING": ["PING_INLINE", "PING_MBULK"], "LRANGE": ["LRANGE_100", "LRANGE_300", "LRANGE_500", "LRANGE_600"]}
KNOWN_TESTS = set(BENCH_ORDER) | set(GROUPS)
# One representative command per test, sent once before the run to catch error replies (redis-benchmark
# counts an error reply as a completed request, which would make an unsupported command look fast).
SMOKE_COMMANDS = {
    "PING_INLINE": ["PING"], "PING_MBULK": ["PING"], "PING": ["PING"],
    "SET": ["SET", "key:__rand_int__", "xxx"], "GET": ["GET", "key:__rand_int__"],
    "INCR": ["INCR", "counter:__rand_int__"], "LPUSH": ["LPUSH", "mylist", "xxx"],
    "RPUSH": ["RPUSH", "mylist", "xxx"], "LPOP": ["LPOP", "mylist"], "RPOP": ["RPOP", "mylist"],
    "SADD": ["SADD", "myset", "element:__rand_int__"], "HSET": ["HSET", "myhash", "element:__rand_int__", "xxx"],
    "SPOP": ["SPOP", "myset"], "ZADD": ["ZADD", "myzset", "0", "element:__rand_int__"],
    "ZPOPMIN": ["ZPOPMIN", "myzset"], "LRANGE": ["LRANGE", "mylist", "0", "99"],
    "LRANGE_100": ["LRANGE", "mylist", "0", "99"], "LRANGE_300": ["LRANGE", "mylist", "0", "299"],
    "LRANGE_500": ["LRANGE", "mylist", "0", "499"], "LRANGE_600": ["LRANGE", "mylist", "0", "599"],
    "MSET": ["MSET"] + [x for i in range(10) for x in ("key:__rand_int__", "xxx")],
    "XADD": ["XADD", "mystream", "*", "myfield", "xxx"],
}

PING_TIMEOUT_S = 10.0       # how long a freshly started server has to answer PING
STOP_GRACE_S = 5.0          # SIGTERM grace before SIGKILL
SOCKET_TIMEOUT_S = 30.0     # any single socket read/write in the loader and helpers
MAX_RESTARTS = 3            # restarts of a server that died mid-run before giving up on it
LOAD_BATCH = 5000           # commands per pipelined batch when loading the memory data sets


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- RESP helpers

def resp_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def read_reply(f):
    """Reads one RESP2 reply from a buffered socket file; errors come back as ('ERR', text)."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode(errors="replace")
    if t == b"-":
        return ("ERR", rest.decode(errors="replace"))
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2].decode(errors="replace")
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [read_reply(f) for _ in range(n)]
    raise ConnectionError("unexpected reply %r" % line[:60])


def command(port, *args, timeout=SOCKET_TIMEOUT_S):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(resp_command(args))
        with s.makefile("rb") as f:
            return read_reply(f)


def info_fields(port, section):
    text = command(port, "INFO", section)
    fields = {}
    if isinstance(text, str):
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
    return fields


def free_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379:
            return port


# ---------------------------------------------------------------------------------------------- servers

def _die_with_parent():
    """preexec_fn: the server gets SIGKILL if this script dies without running its finally blocks."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    """One server process (troupe or redis) on a free 127.0.0.1 port in its own temp dir."""

    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        self.proc = None
        self.port = None
        self.dir = None
        self.log_path = None
        self.restarts = 0

    def start(self):
        last_error = None
        for _ in range(3):  # a fresh port each try, in case another process grabbed the probed one
            self.port = free_port()
            self.dir = tempfile.mkdtemp(prefix="troupe-bench-%s-" % self.name)
            self.log_path = os.path.join(self.dir, "server.log")
            argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"]
            with open(self.log_path, "wb") as logf:
                self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=logf,
                                             stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
            try:
                self._wait_ping()
                log("[%s] started pid %d on 127.0.0.1:%d (%s)" % (self.name, self.proc.pid, self.port, self.dir))
                return
            except RuntimeError as e:
                last_error = e
                self.stop()
        raise RuntimeError("%s did not start: %s" % (self.name, last_error))

    def _wait_ping(self):
        deadline = time.monotonic() + PING_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("exited with %s; log tail:\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                if command(self.port, "PING", timeout=1.0) == "PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("no PONG within %.0f s; log tail:\n%s" % (PING_TIMEOUT_S, self.log_tail()))

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return "(no log)"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ensure_alive(self):
        """Restarts a server that died (e.g. crashed under load) so the remaining runs can go on."""
        if self.alive():
            return True
        if self.proc is None or self.restarts >= MAX_RESTARTS:
            return False
        log("[%s] died with exit code %s; log tail:\n%s" % (self.name, self.proc.returncode, self.log_tail()))
        self.stop()
        self.restarts += 1
        self.start()
        return True

    def rss_bytes(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                log("[%s] ignored SIGTERM for %.0f s; sending SIGKILL" % (self.name, STOP_GRACE_S))
                self.proc.kill()
                self.proc.wait(timeout=STOP_GRACE_S)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def new_pair(args):
    return [Server("troupe", args.troupe), Server("redis", args.redis)]


def start_all(servers):
    for s in servers:
        s.start()


def stop_all(servers):
    for s in servers:
        try:
            s.stop()
        except Exception as e:  # keep stopping the others
            log("[%s] stop failed: %s" % (s.name, e))


# ---------------------------------------------------------------------------------------------- throughput

def bench_argv(args, port, mode, tests=None):
    argv = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(port), "-c", str(args.clients)]
    if mode["pipeline"] > 1:
        argv += ["-P", str(mode["pipeline"])]
    argv += ["-n", str(mode["requests"])]
    if args.keyspace:
        argv += ["-r", str(args.keyspace)]
    argv += shlex.split(args.bench_args)
    argv += ["-t", ",".join(t.lower() for t in (tests or args.test_list)), "--csv"]
    return argv


def expand(tests):
    """Selected tests -> the CSV rows they produce, in redis-benchmark's run order."""
    wanted = set()
    for t in tests:
        wanted.update(GROUPS.get(t, [t]))
    return [t for t in BENCH_ORDER if t in wanted]


def parse_csv(text):
    """redis-benchmark --csv rows -> {TEST: rps}. 'MSET (10 keys)' -> MSET; LRANGE's helper LPUSH row is skipped."""
    rows = {}
    for line in text.splitlines():
        if not line.startswith('"') or line.startswith('"test"'):
            continue
        cells = [c.strip('"') for c in line.split('","')]
        name = cells[0]
        if "(needed" in name:
            continue
        try:
            rows[name.split(" ")[0].upper()] = float(cells[1])
        except (IndexError, ValueError):
            continue
    return rows


def run_benchmark(args, server, mode):
    try:
        if not server.ensure_alive():
            return {}, "server is down"
    except RuntimeError as e:
        return {}, "restart failed: %s" % e
    try:
        command(server.port, "FLUSHALL")  # same starting state for every run
    except Exception as e:
        log("[%s] FLUSHALL failed: %s" % (server.name, e))
    # redis-benchmark stops at the first error reply. When it does, the test it stopped at is the first one
    # without a row; skip that one and run the rest again, so one unsupported command costs only its own row.
    rows, errors = {}, []
    pending = expand(args.test_list)
    while pending:
        try:
            p = subprocess.run(bench_argv(args, server.port, mode, pending), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=args.run_timeout)
        except subprocess.TimeoutExpired:
            errors.append("redis-benchmark timed out after %d s" % args.run_timeout)
            break
        got = parse_csv(p.stdout.decode(errors="replace"))
        rows.update(got)
        missing = [t for t in pending if t not in got]
        if p.returncode == 0 and not missing:
            break
        culprit = missing[0] if missing else "?"
        first_line = (p.stderr.decode(errors="replace").strip().splitlines() or [""])[0]
        errors.append("%s: redis-benchmark exit %d: %s" % (culprit, p.returncode, first_line[:160]))
        if not server.alive() or not missing:
            break
        pending = missing[1:]
    if not server.alive():
        errors.append("server died during the run")
    return rows, "; ".join(errors) or None


def smoke_check(server, tests):
    """Sends each test's command once; returns {test: error text} for the ones that fail."""
    problems = {}
    for t in tests:
        cmd = SMOKE_COMMANDS.get(t)
        if not cmd:
            continue
        try:
            reply = command(server.port, *cmd, timeout=5.0)
            if isinstance(reply, tuple):
                problems[t] = reply[1][:120]
        except Exception as e:
            problems[t] = "no reply (%s)" % e
    try:
        command(server.port, "FLUSHALL", timeout=5.0)
    except Exception:
        pass
    return problems


def throughput(args):
    modes = [{"label": "-c %d" % args.clients, "pipeline": 1, "requests": args.requests},
             {"label": "-c %d -P %d" % (args.clients, args.pipeline), "pipeline": args.pipeline,
              "requests": args.requests_pipelined}]
    # results[mode_label][server_name] = list (one per round) of {test: rps}
    results = {m["label"]: {"troupe": [], "redis": []} for m in modes}
    notes = []
    servers = new_pair(args)
    try:
        start_all(servers)
        by_name = {s.name: s for s in servers}
        info = {s.name: info_fields(s.port, "server") for s in servers}
        for s in servers:
            for t, msg in smoke_check(s, args.test_list).items():
                notes.append("%s: `%s` failed before the run: %s" %
                             (s.name, " ".join(SMOKE_COMMANDS[t][:2]), msg))
                log("[%s] WARNING smoke check %s: %s" % (s.name, t, msg))
        for rnd in range(args.rounds):
            order = ["troupe", "redis"] if rnd % 2 == 0 else ["redis", "troupe"]
            for mode in modes:
                for name in order:
                    t0 = time.monotonic()
                    rows, err = run_benchmark(args, by_name[name], mode)
                    results[mode["label"]][name].append(rows)
                    log("round %d/%d  %-12s %-7s %5.1f s  %s" % (
                        rnd + 1, args.rounds, mode["label"], name, time.monotonic() - t0,
                        " ".join("%s=%.0f" % kv for kv in rows.items())))
                    if err:
                        notes.append("round %d, %s, %s: %s" % (rnd + 1, mode["label"], name, err))
                        log("  ERROR: " + err)
        for s in servers:
            if s.restarts:
                notes.append("%s was restarted %d time(s) after dying mid-run" % (s.name, s.restarts))
    finally:
        stop_all(servers)

    table = []
    for mode in modes:
        res = results[mode["label"]]
        for test in expand(args.test_list):
            tr = [r[test] for r in res["troupe"] if test in r]
            rr = [r[test] for r in res["redis"] if test in r]
            ratios = [a[test] / b[test] for a, b in zip(res["troupe"], res["redis"])
                      if test in a and test in b and b[test] > 0]
            table.append({"test": test, "mode": mode["label"],
                          "troupe": statistics.median(tr) if tr else None,
                          "redis": statistics.median(rr) if rr else None,
                          "ratio": statistics.median(ratios) if ratios else None,
                          "rmin": min(ratios) if ratios else None, "rmax": max(ratios) if ratios else None,
                          "n": len(ratios)})
    commands = [" ".join(shlex.quote(a) for a in bench_argv(args, "PORT", m)) for m in modes]
    return table, notes, commands, info


def fmt_rps(v):
    return "n/a" if v is None else "%.0f" % v


def fmt_ratio(v, digits=2):
    return "n/a" if v is None else "%.*f" % (digits, v)


def throughput_text(table):
    head = "%-12s %-12s %14s %14s %8s %13s" % ("test", "mode", "troupe rps", "redis rps", "ratio", "ratio range")
    lines = [head, "-" * len(head)]
    for r in table:
        rng = "n/a" if r["rmin"] is None else "%.2f-%.2f" % (r["rmin"], r["rmax"])
        lines.append("%-12s %-12s %14s %14s %8s %13s" % (r["test"], r["mode"], fmt_rps(r["troupe"]),
                                                         fmt_rps(r["redis"]), fmt_ratio(r["ratio"]), rng))
    return "\n".join(lines)


def throughput_markdown(args, table, notes, commands, info):
    out = ["### Throughput", "",
           "Rounds: %d, alternating (odd rounds troupe first, even rounds redis first); `FLUSHALL` before every "
           "run. Ratio = median over rounds of (troupe rps / redis rps) from the same round; range = min-max "
           "of those per-round ratios." % args.rounds, "",
           "redis-benchmark invocations (PORT = each server's port):", ""]
    out += ["    " + c for c in commands]
    out += ["", "| Test | Mode | troupe rps (median) | redis rps (median) | ratio troupe/redis | ratio range |",
            "|---|---|---:|---:|---:|---:|"]
    for r in table:
        rng = "n/a" if r["rmin"] is None else "%.2f-%.2f" % (r["rmin"], r["rmax"])
        out.append("| %s | `%s` | %s | %s | %s | %s |" % (r["test"], r["mode"], fmt_rps(r["troupe"]),
                                                         fmt_rps(r["redis"]), fmt_ratio(r["ratio"]), rng))
    scored = [r for r in table if r["ratio"] is not None]
    below = [r for r in scored if r["ratio"] < 1.0]
    out += ["", "%d of %d test/mode pairs at ratio >= 1.0%s." % (
        len(scored) - len(below), len(table),
        "" if not below else "; below: " + ", ".join("%s `%s` (%.3f)" % (r["test"], r["mode"], r["ratio"])
                                                     for r in below))]
    if notes:
        out += ["", "Problems during the run:", ""] + ["- " + n for n in notes]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- memory

def dataset_specs(scale):
    """name -> (key count, description, function n -> command args)."""
    value16 = b"0123456789abcdef"
    hash_args = [x for i in range(10) for x in (b"field%d" % i, b"value-%09d" % i)]  # 6-byte fields, 15-byte values
    zset_args = [x for i in range(10) for x in (b"%d" % i, b"member:%d" % i)]
    return {
        "strings": (int(1000000 * scale), "string keys `key:<n>`, 16-byte value, `SET`",
                    lambda n: [b"SET", b"key:%d" % n, value16]),
        "hashes": (int(100000 * scale), "hashes `hash:<n>` of 10 fields (`field0..9` -> 15-byte values), `HSET`",
                   lambda n: [b"HSET", b"hash:%d" % n] + hash_args),
        "zsets": (int(100000 * scale), "sorted sets `zset:<n>` of 10 members (`member:0..9`, scores 0..9), `ZADD`",
                  lambda n: [b"ZADD", b"zset:%d" % n] + zset_args),
    }


def load_dataset(port, count, make_args):
    """Pipelines `count` commands in batches; every reply must be a status or integer (no errors)."""
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT_S) as s:
        for start in range(0, count, LOAD_BATCH):
            n = min(LOAD_BATCH, count - start)
            s.sendall(b"".join(resp_command(make_args(i)) for i in range(start, start + n)))
            buf = bytearray()
            while buf.count(b"\r\n") < n:
                chunk = s.recv(1 << 16)
                if not chunk:
                    raise ConnectionError("connection closed after %d commands" % start)
                buf += chunk
            if buf.startswith(b"-") or b"\r\n-" in buf:
                first = bytes(buf[buf.find(b"-"):]).split(b"\r\n", 1)[0].decode(errors="replace")
                raise RuntimeError("error reply while loading: %s" % first)


def measure(server):
    mem = info_fields(server.port, "memory")
    used = mem.get("used_memory")
    return {"used_memory": int(used) if used and used.isdigit() else None, "rss": server.rss_bytes()}


def memory(args):
    specs = dataset_specs(args.memory_scale)
    rows, notes = [], []
    info = {}
    for ds in args.memory_sets:
        count, desc, make_args = specs[ds]
        servers = new_pair(args)
        try:
            start_all(servers)
            for s in servers:
                info.setdefault(s.name, info_fields(s.port, "server"))
            result = {}
            for s in servers:
                empty = measure(s)
                t0 = time.monotonic()
                try:
                    load_dataset(s.port, count, make_args)
                    dbsize = command(s.port, "DBSIZE")
                    if dbsize != count:
                        notes.append("%s, %s: DBSIZE %r after loading %d keys" % (ds, s.name, dbsize, count))
                    time.sleep(1.0)  # let the allocator settle before reading RSS
                    loaded = measure(s)
                except Exception as e:
                    notes.append("%s, %s: %s" % (ds, s.name, e))
                    log("[%s] %s: ERROR %s" % (s.name, ds, e))
                    loaded = {"used_memory": None, "rss": None}
                log("[%s] %s: %d keys in %.1f s, used_memory %s, RSS %s" % (
                    s.name, ds, count, time.monotonic() - t0, loaded["used_memory"], loaded["rss"]))
                result[s.name] = {"empty": empty, "loaded": loaded}
            for metric in ("used_memory", "rss"):
                t, r = result["troupe"]["loaded"][metric], result["redis"]["loaded"][metric]
                rows.append({"dataset": ds, "desc": desc, "count": count, "metric": metric, "troupe": t,
                             "redis": r, "ratio": t / r if t and r else None,
                             "troupe_empty": result["troupe"]["empty"][metric],
                             "redis_empty": result["redis"]["empty"][metric]})
        finally:
            stop_all(servers)
    return rows, notes, info


def fmt_mib(v):
    return "n/a" if v is None else "%.2f MiB" % (v / 1048576.0)


def memory_text(rows):
    head = "%-8s %9s %-12s %13s %13s %7s %15s %15s" % ("dataset", "keys", "metric", "troupe", "redis", "ratio",
                                                      "troupe (empty)", "redis (empty)")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append("%-8s %9d %-12s %13s %13s %7s %15s %15s" % (
            r["dataset"], r["count"], r["metric"], fmt_mib(r["troupe"]), fmt_mib(r["redis"]),
            fmt_ratio(r["ratio"], 3), fmt_mib(r["troupe_empty"]), fmt_mib(r["redis_empty"])))
    return "\n".join(lines)


def memory_markdown(rows, notes):
    out = ["### Memory", "",
           "Each data set is loaded into a fresh pair of servers over one raw socket (pipelined batches of %d "
           "commands). `used_memory` from `INFO memory`, RSS = VmRSS from /proc/<pid>/status, 1 s after the "
           "load; \"empty\" = the same figures right after start." % LOAD_BATCH, ""]
    seen = []
    for r in rows:
        if r["dataset"] not in seen:
            seen.append(r["dataset"])
            out.append("- **%s**: %d %s" % (r["dataset"], r["count"], r["desc"]))
    out += ["", "| Data set | Metric | troupe | redis | ratio troupe/redis | troupe (empty) | redis (empty) |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["dataset"], "`used_memory`" if r["metric"] == "used_memory" else "RSS", fmt_mib(r["troupe"]),
            fmt_mib(r["redis"]), fmt_ratio(r["ratio"], 3), fmt_mib(r["troupe_empty"]), fmt_mib(r["redis_empty"])))
    if notes:
        out += ["", "Problems during the run:", ""] + ["- " + n for n in notes]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- report header

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def tool_version(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
        return p.stdout.decode(errors="replace").strip()
    except Exception as e:
        return "unknown (%s)" % e


def git_commit():
    try:
        p = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=10)
        return p.stdout.decode().strip() or "no commit yet"
    except Exception:
        return "unknown"


def header_markdown(args, info, started):
    def server_line(name, path):
        i = info.get(name, {})
        extra = ", ".join("%s=%s" % (k, v) for k, v in i.items()
                          if k in ("redis_version", "redis_mode", "multiplexing_api") or "troupe" in k)
        return "- %s: `%s` (INFO server: %s)" % (name, path, extra or "n/a")

    cores = os.cpu_count()
    return "\n".join([
        "## Run of %s" % started.strftime("%Y-%m-%d %H:%M:%S %Z").strip(), "",
        "Command: `%s`" % " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv), "",
        server_line("troupe", args.troupe),
        server_line("redis", args.redis),
        "- `redis-server --version`: %s" % tool_version([args.redis, "--version"]),
        "- `redis-benchmark --version`: %s" % tool_version([args.redis_benchmark, "--version"]),
        "- repo commit: %s" % git_commit(),
        "- machine: %s cores, %s, Linux %s; nothing pinned: both servers and redis-benchmark share the %s "
        "cores (one server is under load at a time, the other idles)." % (cores, cpu_model(), platform.release(),
                                                                          cores),
        "- both servers: `--port PORT --bind 127.0.0.1 --save '' --appendonly no`, cwd a fresh temp dir.",
    ])


# ---------------------------------------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"),
                   help="troupe-server binary")
    p.add_argument("--redis", default="/usr/bin/redis-server", help="reference redis-server binary")
    p.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark", help="redis-benchmark binary")
    p.add_argument("--rounds", type=int, default=3, help="rounds per mode (>= 3 for the published figures)")
    p.add_argument("-n", "--requests", type=int, default=200000, help="requests per test, no pipelining")
    p.add_argument("--requests-pipelined", type=int, default=None,
                   help="requests per test with -P (default: 10 x --requests)")
    p.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    p.add_argument("--pipeline", type=int, default=16, help="redis-benchmark -P of the pipelined mode")
    p.add_argument("--tests", default="", help="extra tests added to the default %s, e.g. "
                   "LPUSH,LPOP,SADD,HSET,ZADD,LRANGE_100" % ",".join(DEFAULT_TESTS))
    p.add_argument("--only-tests", default="", help="run exactly these tests instead of the defaults")
    p.add_argument("--keyspace", type=int, default=0, help="redis-benchmark -r (0: off, fixed keys)")
    p.add_argument("--bench-args", default="", help="more redis-benchmark arguments, passed to both servers")
    p.add_argument("--run-timeout", type=int, default=600, help="seconds before one redis-benchmark run is killed")
    p.add_argument("--memory", action="store_true", help="measure memory instead of throughput")
    p.add_argument("--memory-sets", default="strings",
                   help="data sets for --memory, comma-separated from strings,hashes,zsets")
    p.add_argument("--memory-scale", type=float, default=1.0,
                   help="multiplies the data set sizes (1M strings, 100k hashes, 100k zsets)")
    p.add_argument("--markdown", metavar="FILE", help="write the Markdown report here instead of stdout")
    args = p.parse_args()

    if args.requests_pipelined is None:
        args.requests_pipelined = args.requests * 10
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    base = [t for t in args.only_tests.upper().split(",") if t] or list(DEFAULT_TESTS)
    extra = [t for t in args.tests.upper().split(",") if t]
    args.test_list = base + [t for t in extra if t not in base]
    unknown = [t for t in args.test_list if t not in KNOWN_TESTS]
    if unknown:
        p.error("unknown redis-benchmark test(s): %s (known: %s)" % (",".join(unknown), ",".join(sorted(KNOWN_TESTS))))
    args.memory_sets = [s for s in args.memory_sets.split(",") if s]
    bad = [s for s in args.memory_sets if s not in ("strings", "hashes", "zsets")]
    if bad:
        p.error("unknown memory data set(s): %s" % ",".join(bad))
    for path in (args.troupe, args.redis) + (() if args.memory else (args.redis_benchmark,)):
        if not os.access(path, os.X_OK):
            p.error("not an executable: %s" % path)
    return args


def main():
    args = parse_args()
    try:
        return run(args)
    except RuntimeError as e:  # a server that would not start; the finally blocks have stopped the others
        print("error: %s" % e, file=sys.stderr)
        return 2


def run(args):
    # SIGTERM to this script unwinds through the finally blocks like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    if args.memory:
        rows, notes, info = memory(args)
        text, body = memory_text(rows), memory_markdown(rows, notes)
    else:
        table, notes, commands, info = throughput(args)
        text, body = throughput_text(table), throughput_markdown(args, table, notes, commands, info)
    elapsed = time.monotonic() - t0
    md = "%s\n- wall time of the run: %.0f s\n\n%s\n" % (header_markdown(args, info, started), elapsed, body)
    print(text)
    if notes:
        print("\nProblems:\n" + "\n".join("  " + n for n in notes))
    print("\nwall time: %.0f s" % elapsed)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
        print("Markdown written to %s" % args.markdown)
    else:
        print("\n" + md, end="")
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
