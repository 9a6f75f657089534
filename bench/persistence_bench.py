#!/usr/bin/python3
"""Persistence benchmark (issue 4): troupe-server and Debian's redis-server side by side, in one run.

For each server in turn (never both at once), in its own temp dir, on a free 127.0.0.1 port (never 6379),
started with `--save '' --appendonly no`:

  1. Fill N string keys `key:%012d` (the names `redis-benchmark -r N` draws) with 100-byte values cut from one
     fixed pseudo-random pool, through a raw pipelined socket: the same data in both servers.
  2. SAVE, --save-rounds times: the wall time of the command (median), and the size of dump.rdb.
  3. Start-up load: stop the server, start it again on the same dump.rdb and measure, from just before the
     process is spawned, the first reply of any kind (Redis and Troupe answer -LOADING while loading) and the
     first PING answered +PONG (not -LOADING); also the server's own "DB loaded from disk: X seconds" line,
     and the longest PING round trip seen while it was loading (how long clients wait between slices).
  4. Latency of `redis-benchmark -t get -r N -c 50` (p50/p99, rps), first alone, then while a BGSAVE runs
     (the benchmark starts first, BGSAVE is sent once it is under way; the BGSAVE must end before the
     benchmark does, which the script checks).
  5. Memory during that BGSAVE: /proc is sampled every few ms for the server and every child it forked,
     and the peak of the summed VmRSS (shared copy-on-write pages count twice, as `ps` would show) and of
     the summed Pss (/proc/<pid>/smaps_rollup: shared pages split between the processes) is reported.

With --rounds N the whole measurement runs N times per server (the order alternating), and each figure is
the median over rounds, each ratio the median of the per-round ratios.

Prints a table with the troupe/redis ratio of each figure (lower is better everywhere except rps), then
Markdown for docs/BENCHMARKS.md (or into --markdown FILE). Progress goes to stderr. Standard library only;
every wait is bounded and both servers are always stopped. Run: /usr/bin/python3 bench/persistence_bench.py
"""

import argparse
import ctypes
import datetime
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

START_TIMEOUT_S = 120.0     # spawn -> PONG (includes loading the dump)
STOP_GRACE_S = 10.0         # SIGTERM grace before SIGKILL
SOCKET_TIMEOUT_S = 120.0    # any single socket read/write (SAVE of a big dataset included)
FILL_BATCH = 10000          # SETs per pipelined batch
VALUE_SIZE = 100
BGSAVE_LIMIT_S = 120.0      # a BGSAVE that takes longer is reported as unfinished
SAMPLE_EVERY_S = 0.005      # /proc sampling period during BGSAVE


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- RESP

def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        return ("ERR", rest.decode(errors="replace"))
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode(errors="replace")
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [read_reply(f) for _ in range(n)]
    raise ConnectionError("unexpected reply %r" % line[:60])


class Conn:
    def __init__(self, port, timeout=SOCKET_TIMEOUT_S):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def call(self, *args):
        self.sock.sendall(resp(*args))
        return read_reply(self.f)

    def info(self, section):
        fields = {}
        for line in (self.call("INFO", section) or "").splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                fields[k] = v
        return fields

    def close(self):
        self.f.close()
        self.sock.close()


def free_port():
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379:
            return port
    raise RuntimeError("no free port")


# ---------------------------------------------------------------------------------------------- /proc

def proc_children(pid):
    """Direct children of `pid`, found by scanning /proc (bounded by the process count)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def proc_kb(pid, path, key):
    try:
        with open("/proc/%d/%s" % (pid, path)) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid):
    """(summed VmRSS, summed Pss) in bytes of `pid` and its children."""
    pids = [pid] + proc_children(pid)
    rss = sum(proc_kb(p, "status", "VmRSS:") for p in pids)
    pss = sum(proc_kb(p, "smaps_rollup", "Pss:") for p in pids)
    return rss * 1024, pss * 1024, len(pids)


# ---------------------------------------------------------------------------------------------- server

def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="troupe-pbench-%s-" % name)
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.port = None

    def spawn(self):
        self.port = free_port()
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--logfile", self.log_path]
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        return t0

    def wait_ready(self, t0):
        """(seconds to the first reply of any kind, seconds to the first +PONG, both from t0; the longest
        PING round trip while loading, in seconds)."""
        deadline = t0 + START_TIMEOUT_S
        first_reply = None
        longest = 0.0
        conn = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.proc.returncode, self.log_tail()))
            try:
                if conn is None:
                    conn = Conn(self.port, timeout=5)
                sent = time.monotonic()
                reply = conn.call("PING")
            except OSError:
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.001)
                continue
            now = time.monotonic()
            if first_reply is None:
                first_reply = now - t0
            if reply == "PONG":
                conn.close()
                return first_reply, now - t0, longest
            longest = max(longest, now - sent)
            if not (isinstance(reply, tuple) and reply[1].startswith("LOADING")):
                raise RuntimeError("%s answered PING with %r" % (self.name, reply))
            time.sleep(0.001)
        raise RuntimeError("%s did not answer PONG within %.0f s" % (self.name, START_TIMEOUT_S))

    def start(self):
        return self.wait_ready(self.spawn())

    def log_tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def loaded_from_disk_s(self):
        """The last 'DB loaded from disk: X seconds' figure of the log."""
        try:
            with open(self.log_path, errors="replace") as f:
                found = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
        except OSError:
            return None
        return float(found[-1]) if found else None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_GRACE_S)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- steps

def value_pool(size=1 << 20):
    rng = random.Random(4)
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return bytes(rng.choice(alphabet) for _ in range(size))


def fill(port, keys, pool):
    conn = Conn(port)
    try:
        for start in range(0, keys, FILL_BATCH):
            end = min(keys, start + FILL_BATCH)
            buf = []
            for i in range(start, end):
                off = (i * 7919) % (len(pool) - VALUE_SIZE)
                buf.append(resp(b"SET", b"key:%012d" % i, pool[off:off + VALUE_SIZE]))
            conn.sock.sendall(b"".join(buf))
            for _ in range(end - start):
                r = read_reply(conn.f)
                if r != "OK":
                    raise RuntimeError("SET failed: %r" % (r,))
        return int(conn.call("DBSIZE"))
    finally:
        conn.close()


def timed_saves(port, rounds):
    conn = Conn(port)
    try:
        times = []
        for _ in range(rounds):
            t0 = time.monotonic()
            r = conn.call("SAVE")
            times.append(time.monotonic() - t0)
            if r != "OK":
                raise RuntimeError("SAVE failed: %r" % (r,))
        return statistics.median(times)
    finally:
        conn.close()


def parse_csv_get(text):
    """redis-benchmark --csv: the GET row -> (rps, p50 ms, p99 ms)."""
    for line in text.splitlines():
        cells = [c.strip('"') for c in line.split('","')]
        if cells and cells[0].startswith("GET"):
            # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
            return float(cells[1]), float(cells[4]), float(cells[6])
    return None


def bench_argv(args, port, requests):
    return [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(port), "-c", "50", "-n", str(requests),
            "-r", str(args.keys), "-t", "get", "--csv"]


def get_latency(args, port):
    p = subprocess.run(bench_argv(args, port, args.requests), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    return parse_csv_get(p.stdout.decode(errors="replace"))


def bgsave_under_load(args, server):
    """Runs redis-benchmark, sends BGSAVE once it is under way, samples memory until the child is gone."""
    conn = Conn(server.port)
    base_rss, base_pss, _ = tree_memory(server.proc.pid)
    out = {}
    bench = subprocess.Popen(bench_argv(args, server.port, args.bgsave_requests), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    reader = threading.Thread(target=lambda: out.update(stdout=bench.stdout.read()), daemon=True)
    reader.start()
    try:
        time.sleep(0.3)  # let the clients connect and run
        if bench.poll() is not None:
            raise RuntimeError("redis-benchmark ended before BGSAVE; raise --bgsave-requests")
        t0 = time.monotonic()
        r = conn.call("BGSAVE")
        if r not in ("Background saving started",):
            raise RuntimeError("BGSAVE: %r" % (r,))
        peak_rss = peak_pss = 0
        max_procs = 1
        deadline = t0 + BGSAVE_LIMIT_S
        last_check = 0.0
        done_at = None
        while time.monotonic() < deadline:
            rss, pss, n = tree_memory(server.proc.pid)
            peak_rss, peak_pss, max_procs = max(peak_rss, rss), max(peak_pss, pss), max(max_procs, n)
            now = time.monotonic()
            if now - last_check > 0.05:
                last_check = now
                if conn.info("persistence").get("rdb_bgsave_in_progress") == "0":
                    done_at = now
                    break
            time.sleep(SAMPLE_EVERY_S)
        if done_at is None:
            raise RuntimeError("BGSAVE still running after %.0f s" % BGSAVE_LIMIT_S)
        status = conn.info("persistence").get("rdb_last_bgsave_status")
        bench.wait(timeout=600)
        bench_end = time.monotonic()
        reader.join(timeout=10)
        lat = parse_csv_get((out.get("stdout") or b"").decode(errors="replace"))
        return {"bgsave_s": done_at - t0, "bgsave_status": status, "covered": bench_end > done_at,
                "lat": lat, "peak_rss": peak_rss, "peak_pss": peak_pss, "base_rss": base_rss,
                "base_pss": base_pss, "procs": max_procs}
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait(timeout=10)
        conn.close()


def measure(args, name, binary, pool):
    server = Server(name, binary)
    res = {}
    try:
        log("[%s] starting %s" % (name, binary))
        server.start()
        t0 = time.monotonic()
        res["keys"] = fill(server.port, args.keys, pool)
        log("[%s] filled %d keys in %.1f s" % (name, res["keys"], time.monotonic() - t0))
        res["save_s"] = timed_saves(server.port, args.save_rounds)
        res["dump_mb"] = os.path.getsize(os.path.join(server.dir, "dump.rdb")) / 1e6
        log("[%s] SAVE %.3f s, dump.rdb %.1f MB" % (name, res["save_s"], res["dump_mb"]))
        server.stop()
        res["first_reply_s"], res["ready_s"], res["loading_rtt_s"] = server.start()
        res["loaded_s"] = server.loaded_from_disk_s()
        c = Conn(server.port)
        res["loaded_keys"] = int(c.call("DBSIZE"))
        c.close()
        log("[%s] restart: first reply %.3f s, PONG %.3f s, log says %s s, %d keys" % (
            name, res["first_reply_s"], res["ready_s"], res["loaded_s"], res["loaded_keys"]))
        res["idle"] = get_latency(args, server.port)
        log("[%s] GET alone: %s" % (name, res["idle"]))
        res["bg"] = bgsave_under_load(args, server)
        log("[%s] GET during BGSAVE: %s" % (name, res["bg"]))
    finally:
        server.cleanup()
    return res


# ---------------------------------------------------------------------------------------------- report

def rows(t, r):
    def g(d, *path):
        for p in path:
            if d is None:
                return None
            d = d[p] if isinstance(d, dict) else d[p]
        return d
    mb = lambda v: None if v is None else v / (1 << 20)
    ms = lambda v: None if v is None else v * 1000
    return [
        ("SAVE (s)", g(t, "save_s"), g(r, "save_s"), "%.3f"),
        ("dump.rdb size (MB)", g(t, "dump_mb"), g(r, "dump_mb"), "%.1f"),
        ("start-up: first reply (s)", g(t, "first_reply_s"), g(r, "first_reply_s"), "%.3f"),
        ("start-up: first PONG, no LOADING (s)", g(t, "ready_s"), g(r, "ready_s"), "%.3f"),
        ("start-up: \"DB loaded from disk\" (s)", g(t, "loaded_s"), g(r, "loaded_s"), "%.3f"),
        ("start-up: longest PING round trip while loading (ms)", ms(g(t, "loading_rtt_s")),
         ms(g(r, "loading_rtt_s")), "%.1f"),
        ("GET p50, no BGSAVE (ms)", g(t, "idle", 1), g(r, "idle", 1), "%.3f"),
        ("GET p99, no BGSAVE (ms)", g(t, "idle", 2), g(r, "idle", 2), "%.3f"),
        ("GET rps, no BGSAVE", g(t, "idle", 0), g(r, "idle", 0), "%.0f"),
        ("BGSAVE duration (s)", g(t, "bg", "bgsave_s"), g(r, "bg", "bgsave_s"), "%.3f"),
        ("GET p50 during BGSAVE (ms)", g(t, "bg", "lat", 1), g(r, "bg", "lat", 1), "%.3f"),
        ("GET p99 during BGSAVE (ms)", g(t, "bg", "lat", 2), g(r, "bg", "lat", 2), "%.3f"),
        ("GET rps during BGSAVE", g(t, "bg", "lat", 0), g(r, "bg", "lat", 0), "%.0f"),
        ("RSS before BGSAVE (MiB)", mb(g(t, "bg", "base_rss")), mb(g(r, "bg", "base_rss")), "%.0f"),
        ("peak RSS parent+child during BGSAVE (MiB)", mb(g(t, "bg", "peak_rss")), mb(g(r, "bg", "peak_rss")),
         "%.0f"),
        ("peak PSS parent+child during BGSAVE (MiB)", mb(g(t, "bg", "peak_pss")), mb(g(r, "bg", "peak_pss")),
         "%.0f"),
    ]


def fmt(v, f):
    return "-" if v is None else f % v


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(ts, rs):
    """Rows of (metric, troupe, redis, ratio): each figure the median over rounds, the ratio the median of
    the per-round ratios (troupe and redis of the same round)."""
    per_round = [rows(t, r) for t, r in zip(ts, rs)]
    out = []
    for i, (name, _, _, f) in enumerate(per_round[0]):
        tv = median_or_none([pr[i][1] for pr in per_round])
        rv = median_or_none([pr[i][2] for pr in per_round])
        ratio = median_or_none([pr[i][1] / pr[i][2] for pr in per_round
                                if pr[i][1] is not None and pr[i][2] not in (None, 0)])
        out.append((name, fmt(tv, f), fmt(rv, f), "-" if ratio is None else "%.2f" % ratio))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000, help="string keys in the data set (default 1M)")
    ap.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--rounds", type=int, default=1,
                    help="whole measurements per server, alternating the order (figures: medians)")
    ap.add_argument("--save-rounds", type=int, default=3, help="SAVEs timed per round (median)")
    ap.add_argument("--requests", type=int, default=200_000, help="GETs of the run without BGSAVE")
    ap.add_argument("--bgsave-requests", type=int, default=600_000,
                    help="GETs of the run during BGSAVE (must outlast the BGSAVE)")
    ap.add_argument("--markdown", help="write the Markdown section to this file instead of stdout")
    args = ap.parse_args()
    args.troupe, args.redis = os.path.abspath(args.troupe), os.path.abspath(args.redis)
    for b in (args.troupe, args.redis, args.redis_benchmark):
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            sys.exit("not an executable: %s" % b)

    pool = value_pool()
    results = {"troupe": [], "redis": []}
    servers = [("troupe", args.troupe), ("redis", args.redis)]
    for rnd in range(args.rounds):
        # One server at a time; the order alternates so that drift in background load falls on both.
        for name, binary in (servers if rnd % 2 == 0 else servers[::-1]):
            log("--- round %d/%d: %s" % (rnd + 1, args.rounds, name))
            results[name].append(measure(args, name, binary, pool))
    tab = table(results["troupe"], results["redis"])

    width = max(len(n) for n, *_ in tab)
    print("%-*s  %12s  %12s  %12s" % (width, "", "troupe", "redis", "troupe/redis"))
    for name, tv, rv, ratio in tab:
        print("%-*s  %12s  %12s  %12s" % (width, name, tv, rv, ratio))
    notes = []
    for name in ("troupe", "redis"):
        for rnd, res in enumerate(results[name], 1):
            bg = res["bg"]
            if not bg["covered"]:
                notes.append("%s, round %d: the GET run ended before the BGSAVE did (raise --bgsave-requests)"
                             % (name, rnd))
            if bg["bgsave_status"] != "ok":
                notes.append("%s, round %d: BGSAVE status %s" % (name, rnd, bg["bgsave_status"]))
            if res["loaded_keys"] != args.keys:
                notes.append("%s, round %d: %d keys after restart, expected %d" % (
                    name, rnd, res["loaded_keys"], args.keys))
    for n in notes:
        print("NOTE: " + n)

    cmd = "/usr/bin/python3 bench/persistence_bench.py" + " ".join(
        [""] + (["--keys %d" % args.keys] if args.keys != 1_000_000 else []) +
        (["--rounds %d" % args.rounds] if args.rounds != 1 else []))
    md = ["### Run of %s UTC" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S"), "",
          "`%s` — %d keys of %d-byte values, %d round(s), %s, %d cores; redis-server: %s." % (
              cmd, args.keys, VALUE_SIZE, args.rounds, platform.machine(), os.cpu_count(),
              subprocess.run([args.redis, "--version"], stdout=subprocess.PIPE).stdout.decode().strip()), "",
          "| | troupe | redis | troupe/redis |", "|---|---:|---:|---:|"]
    md += ["| %s | %s | %s | %s |" % row for row in tab]
    md += [""] + ["Note: " + n for n in notes]
    text = "\n".join(md).rstrip() + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    else:
        print()
        print(text)


if __name__ == "__main__":
    main()
