# Cluster-aware clients other than redis-py against a six-node Troupe
# cluster (issue 8): ioredis's `Cluster` (npm, pinned in
# tests/e2e/clients/package-lock.json) runs tests/e2e/clients/ioredis_cluster.js
# — 1,000 keys across slots, a multi-slot flow without MGET, hash-tagged
# pipeline and MULTI, CROSSSLOT, reads from the replicas. The cluster is the
# one tests/e2e/test_cluster.py builds (its fixture and helpers, imported).
# `npm ci` runs in tests/e2e/clients when node_modules lacks the pinned
# ioredis (deploy/install-deps.sh installs Node.js and npm).

import json
import shutil
import subprocess

import pytest

import harness
import test_cluster
from test_cluster import _call, _wait

cluster = test_cluster.cluster  # its module-scoped fixture: six nodes, --cluster-replicas 1

CLIENTS = harness.REPO_ROOT / "tests" / "e2e" / "clients"
NPM_CI_TIMEOUT_S = 300
SCRIPT_LIMIT_S = 120


def _pinned(package):
    return json.loads((CLIENTS / "package.json").read_text())["dependencies"][package]


def _installed(package):
    try:
        return json.loads((CLIENTS / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def node_clients():
    """node, with tests/e2e/clients/node_modules installed from the lock file."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed (bash deploy/install-deps.sh installs them)")
    if any(_installed(p) != _pinned(p) for p in ("ioredis", "cluster-key-slot")):
        out = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENTS, capture_output=True,
                             text=True, timeout=NPM_CI_TIMEOUT_S)
        assert out.returncode == 0, "npm ci failed:\n" + out.stdout + out.stderr
        assert _installed("ioredis") == _pinned("ioredis")
    return node


def _replicas_in_sync(servers):
    replicas = [s for s in servers if _call(s.port, "ROLE")[0] == b"slave"]
    return len(replicas) == 3 and all(
        b"master_link_status:up" in _call(s.port, "INFO", "replication") for s in replicas)


def test_ioredis_cluster(cluster, node_clients):
    servers = cluster["servers"]
    # The script reads from the replicas after WAIT: their first sync (after
    # repl-diskless-sync-delay) must be done.
    _wait("three replicas in sync", lambda: _replicas_in_sync(servers))
    version = subprocess.run([node_clients, "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    out = subprocess.run([node_clients, "ioredis_cluster.js", f"127.0.0.1:{servers[0].port}", "1000",
                          str(SCRIPT_LIMIT_S)], cwd=CLIENTS, capture_output=True, text=True,
                         timeout=SCRIPT_LIMIT_S + 30)
    report = f"node {version}, ioredis {_installed('ioredis')}\n{out.stdout}{out.stderr}"
    assert out.returncode == 0, report
    assert out.stdout.rstrip().endswith("PASS"), report
    assert "FAIL" not in out.stdout, report
    # Each check printed its line.
    assert out.stdout.count("\nok   ") + out.stdout.startswith("ok   ") >= 15, report
