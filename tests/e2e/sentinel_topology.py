# Sentinel deployments for the end-to-end tests (tests/e2e/test_sentinel.py)
# and the failover benchmark (bench/failover_bench.py): a master, its
# replicas and a set of sentinels, each a separate process on a fixed free
# 127.0.0.1 port (restarts keep the port, as an operator's would) in its
# own directory, with its log captured. Data nodes and sentinels can each
# be Troupe's or Debian's redis-server (`redis-server conf --sentinel` is
# what Debian's redis-sentinel runs), so every mix can be deployed.
#
# Sentinel configs are written here in the tutorial's form (port, bind,
# announce-ip, monitor, down-after, failover-timeout, dir). Every wait is
# bounded; every process is stopped by Topology.stop() (and, as a last
# resort, by harness's atexit hook). Standard library plus harness.py only.

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import harness

REDIS_SERVER = "/usr/bin/redis-server"
MASTER_NAME = "mymaster"

# `pid:X 26 Nov 2026 04:58:36.017 # +sdown master mymaster 127.0.0.1 7601`
LOG_LINE = re.compile(
    r"^(\d+):([XMSC]) (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3}) ([.\-*#]) (.*)$")


def free_ports(n):
    """`n` distinct currently free 127.0.0.1 ports."""
    ports = []
    for _ in range(n * 20):
        p = harness.free_port()
        if p not in ports:
            ports.append(p)
        if len(ports) == n:
            return ports
    raise harness.ServerError("could not find enough free ports")


def wait_for(predicate, timeout, step=0.05):
    """Polls `predicate` until truthy or `timeout` seconds pass; returns its
    last value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (OSError, harness.ConnectionClosed, harness.ServerError):
            value = None
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def call(port, *args, timeout=3.0):
    """One command on a fresh raw connection: the typed reply, or None when
    the server cannot be reached."""
    try:
        with harness.RawConn(port, timeout=timeout) as c:
            return c.call(*args)
    except (OSError, harness.ConnectionClosed):
        return None


def flat(reply):
    """A typed reply -> plain Python (str / int / list / None)."""
    if reply is None:
        return None
    t, v = reply[0], reply[1]
    if t == "$":
        return None if v is None else v.decode()
    if t == "*":
        return None if v is None else [flat(x) for x in v]
    return v


def records(reply):
    """SENTINEL REPLICAS / SENTINELS / MASTERS reply -> list of dicts."""
    items = flat(reply) or []
    return [dict(zip(r[::2], r[1::2])) for r in items if isinstance(r, list)]


class Proc(harness.ServerProcess):
    """A server or sentinel on a fixed port; `args` is its whole argv after
    the binary. Restarts (start() again) reuse the port and the directory."""

    def __init__(self, binary, workdir, name, port, args):
        super().__init__(binary, workdir=workdir, name=name)
        self.port = port
        self.args = [str(a) for a in args]

    def argv(self, port):
        return [str(self.binary), *self.args]

    def start(self, timeout=harness.START_TIMEOUT_S):
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv(self.port), cwd=str(self.dir), stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)
        harness._LIVE.add(self)
        ok, why = self._wait_ready(timeout)
        if not ok:
            self._terminate()
            raise harness.ServerError(
                f"{self.name} did not answer PING on port {self.port}: {why}\n--- log ---\n"
                + self.log()[-3000:])
        return self

    def kill9(self):
        """SIGKILL, as `kill -9` (a crash: nothing is saved, nothing said)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=harness.STOP_TIMEOUT_S)
        self._terminate()

    def signal(self, sig):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def events(self):
        """The sentinel events of the log: [(mark, type, rest, line)]."""
        out = []
        for line in self.log().splitlines():
            m = LOG_LINE.match(line)
            if not m:
                continue
            msg = m.group(11)
            word, _, rest = msg.partition(" ")
            if word[:1] in "+-" and len(word) > 1:
                out.append((m.group(10), word, rest, line))
        return out

    def has_event(self, word, contains=""):
        return any(w == word and contains in rest for _, w, rest, _ in self.events())


class Topology:
    """A master, `replicas` replicas and `sentinels` sentinels.

    data_binary / sentinel_binaries: the programs (a list with one entry
    per sentinel, so sets can be mixed). Data nodes get
    `--repl-diskless-sync-delay 0` so a full sync starts at once."""

    def __init__(self, root, data_binary, sentinel_binaries, replicas=2, down_after_ms=1000,
                 failover_timeout_ms=10000, quorum=2, data_args=()):
        self.root = Path(root)
        self.data_binary = str(data_binary)
        self.sentinel_binaries = [str(b) for b in sentinel_binaries]
        self.down_after_ms = down_after_ms
        self.failover_timeout_ms = failover_timeout_ms
        self.quorum = quorum
        ports = free_ports(1 + replicas + len(self.sentinel_binaries))
        self.data_ports = ports[:1 + replicas]
        self.sentinel_ports = ports[1 + replicas:]
        self.data_args = list(data_args)
        self.nodes = []      # data nodes, master first
        self.sentinels = []

    # -- data nodes ------------------------------------------------------------
    def _node(self, i, port):
        d = self.root / f"node{port}"
        d.mkdir(parents=True, exist_ok=True)
        args = ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", d, "--repl-diskless-sync-delay", "0", *self.data_args]
        if i > 0:
            args += ["--replicaof", "127.0.0.1", self.data_ports[0]]
        return Proc(self.data_binary, d, f"node{port}", port, args)

    def start_data(self, timeout=20.0):
        self.nodes = [self._node(i, p) for i, p in enumerate(self.data_ports)]
        for n in self.nodes:
            n.start()
        want = len(self.nodes) - 1
        ok = wait_for(lambda: self.online_replicas(self.nodes[0].port) >= want, timeout)
        if not ok:
            raise harness.ServerError(f"replicas did not come online:\n{self.nodes[0].log()[-2000:]}")

    @staticmethod
    def info(port, section="replication"):
        reply = call(port, "INFO", section)
        if reply is None or reply[0] != "$" or reply[1] is None:
            return {}
        out = {}
        for line in reply[1].decode().splitlines():
            k, sep, v = line.partition(":")
            if sep:
                out[k] = v
        return out

    def online_replicas(self, port):
        info = self.info(port)
        return sum(1 for k, v in info.items() if k.startswith("slave") and "state=online" in v)

    def node_by_port(self, port):
        return next(n for n in self.nodes if n.port == int(port))

    # -- sentinels -------------------------------------------------------------
    def sentinel_conf(self, port, d):
        return (f"port {port}\n"
                "bind 127.0.0.1\n"
                "sentinel announce-ip 127.0.0.1\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.data_ports[0]} {self.quorum}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}\n"
                f"sentinel failover-timeout {MASTER_NAME} {self.failover_timeout_ms}\n"
                f'dir "{d}"\n')

    def start_sentinels(self):
        self.sentinels = []
        for i, (binary, port) in enumerate(zip(self.sentinel_binaries, self.sentinel_ports)):
            d = self.root / f"s{i + 1}"
            d.mkdir(parents=True, exist_ok=True)
            conf = d / "sentinel.conf"
            conf.write_text(self.sentinel_conf(port, d))
            s = Proc(binary, d, f"s{i + 1}", port, [conf, "--sentinel"])
            s.config_file = conf
            self.sentinels.append(s)
        for s in self.sentinels:
            s.start()

    def wait_discovery(self, timeout=20.0, sentinels=None):
        """Until every sentinel knows all replicas and all other sentinels."""
        sentinels = sentinels or self.sentinels
        want_r = len(self.nodes) - 1
        want_s = len(self.sentinels) - 1

        def done():
            for s in sentinels:
                if len(records(call(s.port, "SENTINEL", "REPLICAS", MASTER_NAME))) < want_r:
                    return False
                if len(records(call(s.port, "SENTINEL", "SENTINELS", MASTER_NAME))) < want_s:
                    return False
            return True
        if not wait_for(done, timeout, step=0.1):
            raise harness.ServerError("sentinels did not discover the deployment:\n" +
                                      "\n".join(s.log()[-1500:] for s in sentinels))

    def master_addr(self, sentinel):
        return flat(call(sentinel.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME))

    def wait_switch(self, old_port, timeout, sentinels=None):
        """Until every (running) sentinel names a master other than
        old_port; returns the new master's port or None."""
        sentinels = [s for s in (sentinels or self.sentinels) if s.is_running()]

        def switched():
            addrs = {tuple(self.master_addr(s) or ()) for s in sentinels}
            if len(addrs) == 1:
                (addr,) = addrs
                if len(addr) == 2 and addr[1] != str(old_port):
                    return int(addr[1])
            return None
        return wait_for(switched, timeout, step=0.05)

    def stop(self):
        for p in self.sentinels + self.nodes:
            try:
                p.signal(signal.SIGCONT)
            except OSError:
                pass
            p.stop(timeout=5)
