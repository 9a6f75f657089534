# Runs deploy/cluster.sh (the tutorial's part 4: six daemonized nodes on
# 7001-7003 / 8001-8003 from the tutorial's redis.conf, joined by
# `redis-cli --cluster create --cluster-replicas 1`) with `up`, `show` and
# `down`, once with the server under test ($TROUPE_SERVER) and once with
# /usr/bin/redis-server (so the script itself is known to be faithful), and
# replays the tutorial's redis-cli sessions on a terminal. It uses the
# tutorial's real ports, so it is skipped when any of them (or their bus
# ports) is taken. Whatever `down` leaves running is killed by the pids in
# the nodes' pid files (only those). The script's refusals run on other ports.

import os
import pty
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import harness

SCRIPT = harness.REPO_ROOT / "deploy" / "cluster.sh"
SCRIPT_TIMEOUT_S = 240
MASTERS = (7001, 7002, 7003)
REPLICAS = (8001, 8002, 8003)
PORTS = MASTERS + REPLICAS
SLOTS = {7001: "0-5460", 7002: "5461-10922", 7003: "10923-16383"}
REDIS_SERVER = Path("/usr/bin/redis-server")
PROMPT = re.compile(rb"(\d+\.\d+\.\d+\.\d+:\d+)> $")


def run(action, base, binary, ports=PORTS):
    env = dict(os.environ, PORTS=" ".join(map(str, ports)), TROUPE_SERVER=str(binary))
    return subprocess.run(["bash", str(SCRIPT), action, str(base)], env=env, capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT_S)


def cli(port, *args):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *map(str, args)],
                          capture_output=True, text=True, timeout=30).stdout


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def fresh_base(tmp_path):
    """A base dir whose path has no "6379" (the tutorial's sed would rewrite it)."""
    if "6379" not in str(tmp_path):
        return tmp_path / "cluster"
    for _ in range(20):
        d = tempfile.mkdtemp(prefix="troupe-cluster-")
        if "6379" not in d:
            return Path(d) / "cluster"
    raise AssertionError("no temp dir without 6379 in its path")


def kill_leftovers(base, ports):
    for port in ports:
        try:
            pid = int((Path(base) / str(port) / "redis.pid").read_text().strip())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


class Terminal:
    """An interactive redis-cli on a pseudo-terminal, as the tutorial types
    into it (TERM=dumb: linenoise reads plain lines, prompts still show)."""

    def __init__(self, *args):
        self.fd, slave = pty.openpty()
        self.proc = subprocess.Popen(["redis-cli", *map(str, args)], stdin=slave, stdout=slave,
                                     stderr=slave, close_fds=True, start_new_session=True,
                                     env=dict(os.environ, TERM="dumb"))
        os.close(slave)
        self.prompt = self._until_prompt()

    def _until_prompt(self, timeout=10.0):
        out = b""
        deadline = time.monotonic() + timeout
        while not PROMPT.search(out):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no redis-cli prompt within {timeout}s; got {out!r}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"redis-cli exited; got {out!r}")
                out += chunk
        self.last = out
        return PROMPT.search(out).group(1).decode()

    def type(self, line):
        """Sends one line; returns what redis-cli printed before its next
        prompt (the echo of the line removed), and the new prompt's address."""
        os.write(self.fd, line.encode() + b"\n")
        self.prompt = self._until_prompt()
        text = PROMPT.sub(b"", self.last).decode().replace("\r\n", "\n")
        assert text.startswith(line + "\n"), text
        return text[len(line) + 1:].rstrip("\n"), self.prompt

    def close(self):
        try:
            os.write(self.fd, b"quit\n")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=5)
        finally:
            os.close(self.fd)


def nodes_of(port):
    return [line.split(" ") for line in cli(port, "cluster", "nodes").splitlines() if line]


def check_nodes(port):
    """CLUSTER NODES on <port>: the tutorial's 3 masters with their slots, and
    one replica of each; None if so, else what is wrong."""
    lines = nodes_of(port)
    if len(lines) != 6:
        return f"{len(lines)} lines"
    by_port = {int(f[1].split(":")[1].split("@")[0]): f for f in lines}
    if sorted(by_port) != sorted(PORTS):
        return f"ports {sorted(by_port)}"
    for p, f in by_port.items():
        if f[1] != f"127.0.0.1:{p}@{p + 10000}" or f[7] != "connected":
            return f"line of {p}: {' '.join(f)}"
        if ("myself" in f[2].split(",")) != (p == port):
            return f"myself flag on {p}"
    for p in MASTERS:
        f = by_port[p]
        if "master" not in f[2].split(",") or f[3] != "-" or f[8:] != [SLOTS[p]]:
            return f"master {p}: {' '.join(f)}"
    ids = {by_port[p][0] for p in MASTERS}
    replicated = set()
    for p in REPLICAS:
        f = by_port[p]
        if "slave" not in f[2].split(",") or f[3] not in ids or len(f) != 8:
            return f"replica {p}: {' '.join(f)}"
        replicated.add(f[3])
    if replicated != ids:
        return "not one replica per master"
    return None


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(params=["troupe", "redis-server"])
def binary(request, server_binary):
    if request.param == "troupe":
        return server_binary
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(f"{REDIS_SERVER} is not installed")
    return REDIS_SERVER


def test_cluster_script_replays_the_tutorial(binary, tmp_path):
    busy = [p for q in PORTS for p in (q, q + 10000) if not port_free(p)]
    if busy:
        pytest.skip(f"the tutorial's ports are taken: {busy}")
    base = fresh_base(tmp_path)
    try:
        up = run("up", base, binary)
        assert up.returncode == 0, up.stdout + up.stderr
        out = up.stdout
        assert "redis-cli --cluster create --cluster-replicas 1 " + \
            " ".join(f"127.0.0.1:{p}" for p in PORTS) in out
        for i, slots in enumerate(("0 - 5460", "5461 - 10922", "10923 - 16383")):
            assert f"Master[{i}] -> Slots {slots}" in out
        assert "Can I set the above configuration? (type 'yes' to accept):" in out
        assert "[OK] All nodes agree about slots configuration." in out
        assert "[OK] All 16384 slots covered." in out
        assert "== redis-cli -p 7001 cluster nodes\n" in out

        # One template, sed 's/6379/<port>/g' per directory.
        template = (base / "redis.conf").read_text()
        for line in ("port 6379", "cluster-enabled yes", f"cluster-config-file {base}/6379/nodes.conf",
                     "cluster-node-timeout 5000", f"dir {base}/6379", "bind 127.0.0.1", "daemonize yes",
                     "replica-announce-ip 127.0.0.1", "protected-mode no", "databases 1",
                     f"logfile {base}/6379/run.log"):
            assert line in template.split("\n"), line
        for port in PORTS:
            assert (base / str(port) / "redis.conf").read_text() == template.replace("6379", str(port))
            assert (base / str(port) / "nodes.conf").exists()

        # The tutorial's 4.4: CLUSTER NODES, here on every node.
        for port in PORTS:
            wait_for(lambda port=port: check_nodes(port) is None, what=f"CLUSTER NODES on {port}")
            info = cli(port, "cluster", "info")
            assert "cluster_state:ok" in info and "cluster_known_nodes:6" in info

        # The tutorial's 4.5, typed into redis-cli.
        term = Terminal("-p", 7001)
        try:
            assert term.prompt == "127.0.0.1:7001"
            assert term.type("set num 123") == ("OK", "127.0.0.1:7001")
            assert term.type("get num") == ('"123"', "127.0.0.1:7001")
            assert term.type("set a 1") == ("(error) MOVED 15495 127.0.0.1:7003", "127.0.0.1:7001")
        finally:
            term.close()
        term = Terminal("-c", "-p", 7001)
        try:
            assert term.type("get num") == ('"123"', "127.0.0.1:7001")
            assert term.type("set a 1") == (
                "-> Redirected to slot [15495] located at 127.0.0.1:7003\nOK", "127.0.0.1:7003")
            assert term.type("get a") == ('"1"', "127.0.0.1:7003")
        finally:
            term.close()
        # The same without a terminal.
        assert cli(7001, "--no-raw", "set", "a", "1").strip() == "(error) MOVED 15495 127.0.0.1:7003"
        assert cli(7001, "-c", "set", "a", "1").strip() == "OK"
        assert cli(7003, "get", "a").strip() == "1"

        show = run("show", base, binary)
        assert show.returncode == 0, show.stderr
        text = show.stdout
        assert "== CLUSTER NODES (127.0.0.1:7001)\n" in text and "== CLUSTER INFO (127.0.0.1:7001)\n" in text
        nodes = text.split("== CLUSTER NODES (127.0.0.1:7001)\n")[1].split("== CLUSTER INFO")[0]
        assert len(nodes.splitlines()) == 6
        assert nodes.count(" myself,master ") == 1 and nodes.count(" slave ") == 3
        assert "cluster_state:ok\n" in text and "cluster_size:3\n" in text
        for port in PORTS:
            role = "master" if port in MASTERS else "slave"
            assert f"127.0.0.1:{port} {role} cluster_state:ok cluster_known_nodes:6\n" in text

        down = run("down", base, binary)
        assert down.returncode == 0, down.stdout + down.stderr
        for port in PORTS:
            assert f"127.0.0.1:{port} stopped" in down.stdout
            assert cli(port, "ping").strip() != "PONG"
            # Nothing else is removed.
            for name in ("redis.conf", "nodes.conf", "run.log"):
                assert (base / str(port) / name).exists()
        again = run("down", base, binary)
        assert again.returncode == 0 and again.stdout.count("not running") == 6
    finally:
        try:
            run("down", base, binary)
        finally:
            kill_leftovers(base, PORTS)


class FakeNode:
    """Something that answers PONG on <port>, nothing else."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop_flag.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    if conn.recv(1024):
                        conn.sendall(b"+PONG\r\n")
                except OSError:
                    pass

    def close(self):
        self.stop_flag.set()
        self.thread.join(timeout=5)
        self.sock.close()


def low_free_ports(n):
    """n distinct ports <= 55535 that are free, with their bus ports (+10000)."""
    found = []
    for _ in range(200):
        p = harness.free_port() % 45000 + 10000
        if p not in found and port_free(p) and port_free(p + 10000):
            found.append(p)
            if len(found) == n:
                return found
    raise AssertionError("could not find free ports")


def test_cluster_script_refusals(server_binary, tmp_path):
    base = fresh_base(tmp_path)
    ports = low_free_ports(6)
    # A node already answering on one of the ports.
    fake = FakeNode(ports[3])
    try:
        up = run("up", base, server_binary, ports)
        assert up.returncode == 1, up.stdout + up.stderr
        assert f"port {ports[3]} already answers; run " in up.stderr
    finally:
        fake.close()
    # Something listening on one of the bus ports.
    fake = FakeNode(ports[5] + 10000)
    try:
        up = run("up", base, server_binary, ports)
        assert up.returncode == 1, up.stdout + up.stderr
        assert f"bus port {ports[5] + 10000} is already in use" in up.stderr
    finally:
        fake.close()
    assert not base.exists()
    bad = run("sideways", base, server_binary, ports)
    assert bad.returncode == 2 and "usage:" in bad.stderr
    five = run("up", base, server_binary, ports[:5])
    assert five.returncode == 2 and "six ports" in five.stderr
    high = run("up", base, server_binary, ports[:5] + [60000])
    assert high.returncode == 2 and "bad port '60000'" in high.stderr
    odd = run("up", tmp_path / "x6379", server_binary, ports)
    assert odd.returncode == 1 and "contains 6379" in odd.stderr
    assert not base.exists() and not (tmp_path / "x6379").exists()
