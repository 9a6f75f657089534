#!/usr/bin/python3
"""Cluster join benchmark (issue 8): how long six nodes take to agree, Troupe and redis-server side by side.

For each implementation in turn, `--runs` times: six nodes on free 127.0.0.1 ports (cluster-enabled, node
timeout 2000, explicit bus ports), the slots and config epochs `redis-cli --cluster create` would set
(CLUSTER ADDSLOTSRANGE on three masters, SET-CONFIG-EPOCH 1..6), then CLUSTER MEET from the first node to the
five others; the time from the first MEET until every node lists six nodes, none in a handshake, and the same
slot map (redis-cli's config signature) is measured by polling every 5 ms. Prints each time and the median.

Run: /usr/bin/python3 bench/cluster_join_bench.py [--runs 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import harness  # noqa: E402
import test_cluster as tc  # noqa: E402  (cluster arguments and CLUSTER NODES parsing)

POLL_S = 0.005
LIMIT_S = 30.0


def start(binary, workdir, name):
    cport = harness.free_port()
    srv = harness.ServerProcess(binary, workdir=workdir, name=name, extra_args=tc._cluster_args(cport))
    srv.cport = cport
    srv.start()
    return srv


def agreed(servers):
    sigs = []
    for s in servers:
        nodes = tc._nodes(s.port)
        if len(nodes) != len(servers) or any("handshake" in f[2] for f in nodes):
            return False
        sigs.append(tc._slot_signature(s.port))
    return all(x == sigs[0] and len(x) == 3 for x in sigs)


def join_once(binary):
    with tempfile.TemporaryDirectory(prefix="troupe-join-") as base:
        servers = []
        try:
            for i in range(6):
                servers.append(start(binary, Path(base) / f"n{i}", f"n{i}"))
            for i, (a, b) in enumerate([(0, 5460), (5461, 10922), (10923, 16383)]):
                tc._call(servers[i].port, "CLUSTER", "ADDSLOTSRANGE", a, b)
            for i, s in enumerate(servers):
                tc._call(s.port, "CLUSTER", "SET-CONFIG-EPOCH", i + 1)
            t0 = time.monotonic()
            for s in servers[1:]:
                tc._call(servers[0].port, "CLUSTER", "MEET", "127.0.0.1", s.port, s.cport)
            while time.monotonic() - t0 < LIMIT_S:
                if agreed(servers):
                    return time.monotonic() - t0
                time.sleep(POLL_S)
            raise RuntimeError(f"{binary}: no agreement within {LIMIT_S} s")
        finally:
            for s in servers:
                s.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--troupe", default=os.path.join(REPO, "build", "bin", "troupe-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for name, binary in (("troupe", args.troupe), ("redis", args.redis)):
        times = [join_once(binary) for _ in range(args.runs)]
        print(f"{name}: join of 6 nodes, s: {' '.join(f'{t:.3f}' for t in times)}; "
              f"median {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
