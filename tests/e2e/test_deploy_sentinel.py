# Runs deploy/sentinel.sh (the tutorial's part 3: three sentinels watching
# the master and two replicas of deploy/replication.sh) with `up`, `show` and
# `down` on six free ports (PORTS=..., SENTINEL_PORTS=...) in a temp base dir,
# with the server under test ($TROUPE_SERVER) and its troupe-sentinel
# symlink. Everything daemonizes, so whatever `down` leaves running is
# stopped here by the pids in the pid files (only those).

import os
import signal
import subprocess
import time
from pathlib import Path

import harness
from sentinel_topology import free_ports

SCRIPT = harness.REPO_ROOT / "deploy" / "sentinel.sh"
SCRIPT_TIMEOUT_S = 120


def run(action, base, ports, sports, binary):
    sentinel = Path(binary).parent / "troupe-sentinel"
    env = dict(os.environ, PORTS=" ".join(map(str, ports)),
               SENTINEL_PORTS=" ".join(map(str, sports)), TROUPE_SERVER=str(binary),
               TROUPE_SENTINEL=str(sentinel if sentinel.exists() else binary))
    return subprocess.run(["bash", str(SCRIPT), action, str(base)], env=env, capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT_S)


def kill_leftovers(base, ports):
    pidfiles = [Path(base) / str(p) / "redis.pid" for p in ports]
    pidfiles += [Path(base) / f"s{i}" / "sentinel.pid" for i in (1, 2, 3)]
    for pidfile in pidfiles:
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


def answers(port):
    try:
        with harness.RawConn(port, timeout=1) as c:
            return c.call("PING") == ("+", "PONG")
    except (OSError, harness.ConnectionClosed):
        return False


def test_sentinel_script_up_show_down(server_binary, tmp_path):
    base = tmp_path / "tutorial"
    ports = free_ports(6)
    data, sports = ports[:3], ports[3:]
    master, r1, r2 = data
    try:
        up = run("up", base, data, sports, server_binary)
        assert up.returncode == 0, up.stdout + up.stderr
        out = up.stdout
        assert "connected_slaves:2" in out
        for i, sport in enumerate(sports, start=1):
            conf = (base / f"s{i}" / "sentinel.conf").read_text().split("\n")
            assert conf[:6] == [f"port {sport}", 'sentinel announce-ip "127.0.0.1"',
                                f"sentinel monitor mymaster 127.0.0.1 {master} 2",
                                "sentinel down-after-milliseconds mymaster 5000",
                                "sentinel failover-timeout mymaster 60000",
                                f'dir "{base}/s{i}"']
            assert f"sentinel known-replica mymaster 127.0.0.1 {r1}" in conf
            log = (base / f"s{i}" / "sentinel.log").read_text()
            assert f"+monitor master mymaster 127.0.0.1 {master} quorum 2" in log

        show = run("show", base, data, sports, server_binary)
        assert show.returncode == 0, show.stderr
        text = show.stdout
        for sport in sports:
            assert f"== sentinel 127.0.0.1:{sport}\n" in text
        assert text.count(f"name=mymaster ip=127.0.0.1 port={master} flags=master ") == 3
        assert text.count("num-slaves=2 num-other-sentinels=2 quorum=2") == 3
        for port in (r1, r2):
            assert text.count(f"  replica 127.0.0.1:{port} flags=slave master-link-status=ok") == 3
        assert text.count("  sentinel 127.0.0.1:") == 6
        assert f"== 127.0.0.1:{master}\n# Replication\nrole:master\n" in text.replace("\r", "")

        down = run("down", base, data, sports, server_binary)
        assert down.returncode == 0, down.stdout + down.stderr
        for sport in sports:
            assert f"sentinel 127.0.0.1:{sport} stopped" in down.stdout
        for port in data:
            assert f"127.0.0.1:{port} stopped" in down.stdout
        assert not any(answers(p) for p in ports)
        again = run("down", base, data, sports, server_binary)
        assert again.returncode == 0 and f"sentinel 127.0.0.1:{sports[0]} not running" in again.stdout
    finally:
        kill_leftovers(base, data)
