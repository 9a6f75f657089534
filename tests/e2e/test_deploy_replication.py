# Runs deploy/replication.sh (the tutorial's part 2: a master and two
# replicas from stock redis.conf files) with `up`, `show` and `down` on three
# free ports (PORTS=...) in a temp base dir, with the server under test
# ($TROUPE_SERVER). The servers daemonize, so whatever `down` leaves running
# is stopped here by the pids in their pid files (only those).

import os
import signal
import subprocess
import time
from pathlib import Path

import harness

SCRIPT = harness.REPO_ROOT / "deploy" / "replication.sh"
SCRIPT_TIMEOUT_S = 120
READONLY = "READONLY You can't write against a read only replica."


def run(action, base, ports, binary):
    env = dict(os.environ, PORTS=" ".join(map(str, ports)), TROUPE_SERVER=str(binary))
    return subprocess.run(["bash", str(SCRIPT), action, str(base)], env=env, capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT_S)


def cli(port, *args):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *map(str, args)],
                          capture_output=True, text=True, timeout=30).stdout.strip()


def distinct_free_ports(n):
    ports = set()
    for _ in range(100):
        ports.add(harness.free_port())
        if len(ports) == n:
            return sorted(ports)
    raise AssertionError("could not find free ports")


def kill_leftovers(base, ports):
    for port in ports:
        pidfile = Path(base) / str(port) / "redis.pid"
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_replication_script_up_show_down(server_binary, tmp_path):
    base = tmp_path / "tutorial"
    ports = distinct_free_ports(3)
    master, r1, r2 = ports
    try:
        up = run("up", base, ports, server_binary)
        assert up.returncode == 0, up.stdout + up.stderr
        out = up.stdout
        assert f"redis-cli -p {r1} slaveof 127.0.0.1 {master}: OK" in out
        assert f"redis-cli -p {r2} slaveof 127.0.0.1 {master}: OK" in out
        assert "role:master" in out and "connected_slaves:2" in out
        for i, port in enumerate((r1, r2)):
            assert f"slave{i}:ip=127.0.0.1,port={port},state=online," in out
        for port in ports:
            conf = (base / str(port) / "redis.conf").read_text()
            assert conf.split("\n")[1] == "replica-announce-ip 127.0.0.1"
            assert f"\nport {port}\n" in conf and f"\ndir {base}/{port}/\n" in conf
            assert "\ndaemonize yes\n" in conf and "\nsave 60 10000\n" in conf

        show = run("show", base, ports, server_binary)
        assert show.returncode == 0, show.stderr
        assert show.stdout.count("# Replication") == 3
        assert show.stdout.count("role:master") == 1 and show.stdout.count("role:slave") == 2
        assert show.stdout.count(f"master_port:{master}") == 2

        assert cli(master, "set", "num", "123") == "OK"
        for port in (r1, r2):
            wait_for(lambda port=port: cli(port, "get", "num") == "123", what=f"num on {port}")
            assert cli(port, "set", "num", "666") == READONLY

        down = run("down", base, ports, server_binary)
        assert down.returncode == 0, down.stdout + down.stderr
        for port in ports:
            assert f"127.0.0.1:{port} stopped" in down.stdout
            assert cli(port, "ping") != "PONG"
            # Nothing else is removed.
            assert (base / str(port) / "redis.conf").exists()
            assert (base / str(port) / "redis.log").exists()
        again = run("down", base, ports, server_binary)
        assert again.returncode == 0 and again.stdout.count("not running") == 3
    finally:
        kill_leftovers(base, ports)


def test_replication_script_refuses_busy_ports_and_bad_usage(server_binary, tmp_path):
    srv = harness.ServerProcess(server_binary, workdir=tmp_path / "busy", name="busy")
    try:
        srv.start()
        ports = [srv.port] + distinct_free_ports(2)
        up = run("up", tmp_path / "tutorial", ports, server_binary)
        assert up.returncode == 1 and f"port {srv.port} already answers" in up.stderr
        assert not (tmp_path / "tutorial").exists()
    finally:
        srv.stop()
    bad = run("sideways", tmp_path / "tutorial", distinct_free_ports(3), server_binary)
    assert bad.returncode == 2 and "usage:" in bad.stderr
    two = run("up", tmp_path / "tutorial", distinct_free_ports(2), server_binary)
    assert two.returncode == 2 and "three ports" in two.stderr
