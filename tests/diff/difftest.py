#!/usr/bin/env python3
# Differential tester: sends the same seeded random command sequences to
# troupe-server ($TROUPE_SERVER) and to a reference redis-server
# ($REDIS_SERVER, default /usr/bin/redis-server) over raw RESP sockets and
# fails on the first reply that differs (type included: status vs bulk vs
# error vs integer, RESP2 or RESP3), printing seed, step, command and both
# replies.
#
#   difftest.py --seed 7 --steps 500 --families strings,keys --resp 3
#
# Commands come from generator functions, one per command family, in
# FAMILIES (see `family`); add a family by writing one function. Keys come from
# a small pool so types collide. TTLs are chosen so that no key expires during
# a run and no GT/LT comparison depends on timing. Nondeterministic replies
# are compared by shape only, unordered ones as sorted lists, and SCAN is
# driven to completion on each side with the key sets compared.

import argparse
import os
import random
import shlex
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402  (tests/e2e/harness.py: server process + RESP client)

DEFAULT_REDIS_SERVER = "/usr/bin/redis-server"
REPLY_TIMEOUT_S = 10.0
SCAN_MAX_CALLS = 10_000      # bound on one full SCAN iteration
LCS_MAX_CELLS = 4_000_000    # skip LCS whose matrix would be larger than this
HISTORY = 15                 # commands shown before a difference


# ---------------------------------------------------------------------------
# Commands and comparison modes
# ---------------------------------------------------------------------------

@dataclass
class Cmd:
    """One generated command and how its replies are compared.

    mode: exact      typed replies must be equal
          unordered  top-level array elements compared as a sorted list
          pairs      map / flat key-value array compared as sorted pairs
          shape      only reply types (and nil-ness, array lengths) compared
          type       only the top-level reply type compared (bulk = verbatim)
          scanonce   one SCAN call: [bulk cursor, array of bulks] on both
          ttl        integers equal if negative, else within `tolerance`
          scan       args are SCAN's arguments after the cursor; SCAN is run
                     to completion on each side, the key sets compared
          cmdinfo    COMMAND INFO: name, arity, flags (as a set), key
                     positions and ACL categories (as a set) compared
    """
    args: list
    mode: str = "exact"
    tolerance: int = 0
    lcs_keys: tuple = ()     # LCS guard: keys whose lengths bound the work

    def text(self):
        return " ".join(_show_arg(a) for a in self.args)


def _show_arg(a):
    b = a if isinstance(a, bytes) else str(a).encode()
    try:
        s = b.decode()
        if s and s.isprintable() and not any(c in s for c in " '\"\\"):
            return s
    except UnicodeDecodeError:
        pass
    return repr(b)[1:]


CLOSED = ("closed", None)


def _sorted_items(items):
    return sorted(items, key=repr)


def normalize(cmd, reply):
    """The comparable form of a reply under cmd.mode."""
    t = reply[0]
    if t in ("-", "closed", "!"):
        return reply
    mode = cmd.mode
    if mode == "exact":
        return reply
    if mode == "unordered":
        if t in ("*", "~") and reply[1] is not None:
            return ("unordered", _sorted_items(reply[1]))
        return reply
    if mode == "pairs":
        if t == "%":
            return ("pairs", _sorted_items(reply[1]))
        if t == "*" and reply[1] is not None:
            flat = reply[1]
            return ("pairs", _sorted_items(list(zip(flat[::2], flat[1::2]))))
        return reply
    if mode == "shape":
        return shape(reply)
    if mode == "type":
        return ("$",) if t == "=" else (t,)
    if mode == "scanonce":
        ok = (t == "*" and reply[1] is not None and len(reply[1]) == 2 and reply[1][0][0] == "$"
              and reply[1][1][0] == "*" and all(x[0] == "$" for x in reply[1][1][1]))
        return ("scanonce", ok)
    if mode == "ttl":
        return reply   # compared by replies_equal
    if mode == "cmdinfo":
        if t != "*" or reply[1] is None:
            return reply
        out = []
        for entry in reply[1]:
            try:
                e = entry[1]
                out.append((e[0], e[1], ("set", _sorted_items(e[2][1])), e[3], e[4], e[5],
                            ("set", _sorted_items(e[6][1]))))
            except (IndexError, TypeError):   # nil entry or a malformed one
                out.append(entry)
        return ("cmdinfo", out)
    raise ValueError(f"unknown compare mode {mode}")


def shape(reply):
    t, v = reply[0], reply[1]
    if t in ("*", "~", ">"):
        return (t, None if v is None else [shape(x) for x in v])
    if t == "%":
        return (t, len(v))
    if t in ("$", "="):
        return ("$", v is None)     # bulk vs verbatim is a RESP2/3 matter
    return (t,)


def replies_equal(cmd, a, b):
    if cmd.mode == "ttl" and a[0] == ":" and b[0] == ":":
        if a[1] < 0 or b[1] < 0:
            return a == b
        return abs(a[1] - b[1]) <= cmd.tolerance
    return normalize(cmd, a) == normalize(cmd, b)


# ---------------------------------------------------------------------------
# Generator context and the family registry
# ---------------------------------------------------------------------------

KEYS = [f"k{i}" for i in range(8)]
DBS = ["0", "1", "2", "15", "16", "-1", "abc"]

VALUES = ["", "0", "1", "-1", "7", "10", "42", "100", "9999", "10000", "3.5", "-2.25",
          "1e3", "abc", "hello world", "ohmytext", "mynewtext", "foobar",
          "9223372036854775807", "-9223372036854775808", "9223372036854775808",
          " 5", "5 ", "0x10", "+3", "007", "x" * 44, "y" * 45, b"\x00\x01\xff",
          b"\xf0\x0f", "\u00e9t\u00e9"]

INTS = ["0", "1", "-1", "2", "3", "5", "10", "-10", "100", "-100", "1000",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "abc", "", "1.5", " 1", "0x1", "+1", "1e3"]

FLOATS = ["0", "1", "-1", "0.1", "1.5", "-2.25", "1e3", "5.0e3", "1e300", "-1e300",
          "3.0", ".5", "abc", "", "inf", "-inf", "nan", "1e400", "0x10", " 1"]

SMALL_OFFSETS = ["0", "1", "2", "3", "5", "7", "8", "15", "16", "31", "63", "100"]


class Gen:
    """What generators draw from: the seeded RNG and the run's constants."""

    def __init__(self, rng, base_time):
        self.rng = rng
        self.base_time = base_time   # Unix seconds, fixed for the run
        self.step = 0

    def choice(self, seq):
        return self.rng.choice(seq)

    def chance(self, p):
        return self.rng.random() < p

    def key(self):
        return self.rng.choice(KEYS)

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def value(self):
        return self.rng.choice(VALUES)

    def int_arg(self):
        return self.rng.choice(INTS)

    def float_arg(self):
        return self.rng.choice(FLOATS)

    def index(self):
        r = self.rng.random()
        if r < 0.75:
            return str(self.rng.randint(-20, 60))
        return self.rng.choice(["-100", "1000", "9223372036854775807",
                                "-9223372036854775808", "abc", "1.5"])

    # -- timing-safe TTLs ------------------------------------------------
    # Relative TTLs are base + step seconds; different bases are >= 10x
    # apart, and the step makes later values strictly larger, so GT/LT
    # outcomes never depend on how fast the servers run. Nothing expires
    # during a run except keys given a past or non-positive time.

    def rel_seconds(self):
        base = self.rng.choice([1000, 10_000, 100_000, 1_000_000])
        return str(base + self.step)

    def rel_millis(self):
        return str((self.rng.choice([1000, 10_000, 100_000, 1_000_000]) + self.step) * 1000)

    def abs_seconds(self):
        off = self.rng.choice([3000, 30_000, 300_000, 3_000_000])
        return str(self.base_time + off + self.step)

    def abs_millis(self):
        return str(int(self.abs_seconds()) * 1000 + self.rng.randint(0, 999))

    def bad_time(self, absolute=False):
        """Invalid, non-positive, overflowing or (absolute) past times; never a
        small positive relative TTL, which would expire mid-run and race."""
        extra = ["1", "1000"] if absolute else []
        return self.rng.choice(["0", "-1", "-100", "abc", "", "1.5",
                                "9223372036854775807", "-9223372036854775808",
                                "9223372036854775808"] + extra)


@dataclass
class Family:
    name: str
    generate: object
    requires: tuple = ()     # commands an optional family needs on the server
    optional: bool = False   # beyond the current issue: dropped if unsupported
    doc: str = ""


FAMILIES = {}


def family(name, requires=(), optional=False):
    """Registers a generator: fn(gen: Gen) -> Cmd.

    Families of the issue under test always run (an unknown command is a
    difference). An optional family (commands of a later issue) declares the
    commands it needs and is left out, with a notice, when the server under
    test lacks them.
    """
    def register(fn):
        FAMILIES[name] = Family(name, fn, tuple(requires), optional,
                                (fn.__doc__ or "").strip())
        return fn
    return register


def weighted(g, table):
    """Picks one generator function from [(weight, fn), ...] and calls it."""
    total = sum(w for w, _ in table)
    x = g.rng.random() * total
    for w, fn in table:
        x -= w
        if x < 0:
            return fn()
    return table[-1][1]()


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------

@family("strings")
def gen_strings(g):
    """GET SET(+options) SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX
    APPEND STRLEN INCR/DECR/INCRBY/DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS"""
    k = g.key()

    def set_cmd():
        args = ["SET", k, g.value()]
        opts = []
        r = g.rng.random()
        if r < 0.15:
            opts += ["EX", g.rel_seconds()]
        elif r < 0.25:
            opts += ["PX", g.rel_millis()]
        elif r < 0.32:
            opts += ["EXAT", g.abs_seconds()]
        elif r < 0.38:
            opts += ["PXAT", g.abs_millis()]
        elif r < 0.45:
            opts += [g.choice(["EX", "PX", "EXAT", "PXAT"]), g.bad_time()]
        elif r < 0.5:
            opts += ["KEEPTTL"]
        if g.chance(0.2):
            opts.append(g.choice(["NX", "XX"]))
        if g.chance(0.2):
            opts.append("GET")
        if g.chance(0.06):
            opts.append(g.choice(["NX", "XX", "KEEPTTL", "EX", "FOO", "GET", "PX"]))
        g.rng.shuffle(opts) if g.chance(0.1) else None
        return Cmd(args + opts)

    def getex():
        opts = []
        r = g.rng.random()
        if r < 0.2:
            opts = ["EX", g.rel_seconds()]
        elif r < 0.3:
            opts = ["PX", g.rel_millis()]
        elif r < 0.4:
            opts = ["EXAT", g.abs_seconds()]
        elif r < 0.45:
            opts = ["PXAT", g.abs_millis()]
        elif r < 0.6:
            opts = ["PERSIST"]
        elif r < 0.7:
            opts = [g.choice(["EX", "PX", "EXAT", "PXAT"]), g.bad_time()]
        elif r < 0.75:
            opts = [g.choice(["PERSIST", "EX", "FOO"]), g.choice(["EX", "1", "PERSIST"])]
        return Cmd(["GETEX", k] + opts)

    def mset():
        args = []
        for kk in g.keys(1, 3):
            args += [kk, g.value()]
        if g.chance(0.05):
            args.append(g.key())
        return Cmd([g.choice(["MSET", "MSETNX"])] + args)

    def lcs():
        a, b = g.key(), g.key()
        opts = []
        r = g.rng.random()
        if r < 0.25:
            opts = ["LEN"]
        elif r < 0.5:
            opts = ["IDX"]
            if g.chance(0.5):
                opts += ["MINMATCHLEN", g.choice(["0", "1", "2", "4", "-1", "abc"])]
            if g.chance(0.5):
                opts.append("WITHMATCHLEN")
        elif r < 0.55:
            opts = [g.choice(["LEN", "IDX", "FOO"]), g.choice(["IDX", "LEN", "MINMATCHLEN"])]
        return Cmd(["LCS", a, b] + opts, lcs_keys=(a, b))

    table = [
        (10, lambda: Cmd(["GET", k])),
        (10, set_cmd),
        (3, lambda: Cmd(["SETNX", k, g.value()])),
        (3, lambda: Cmd(["SETEX", k, g.choice([g.rel_seconds(), g.bad_time()]), g.value()])),
        (3, lambda: Cmd(["PSETEX", k, g.choice([g.rel_millis(), g.bad_time()]), g.value()])),
        (5, lambda: Cmd(["MGET"] + g.keys(1, 5))),
        (4, mset),
        (3, lambda: Cmd(["GETSET", k, g.value()])),
        (3, lambda: Cmd(["GETDEL", k])),
        (5, getex),
        (4, lambda: Cmd(["APPEND", k, g.choice(VALUES[:20])])),
        (4, lambda: Cmd(["STRLEN", k])),
        (5, lambda: Cmd([g.choice(["INCR", "DECR"]), k])),
        (5, lambda: Cmd([g.choice(["INCRBY", "DECRBY"]), k, g.int_arg()])),
        (5, lambda: Cmd(["INCRBYFLOAT", k, g.float_arg()])),
        (4, lambda: Cmd([g.choice(["GETRANGE", "SUBSTR"]), k, g.index(), g.index()])),
        # (no large valid offsets: SETRANGE k 536870911 x would allocate 512 MB)
        (4, lambda: Cmd(["SETRANGE", k, g.choice(SMALL_OFFSETS + ["-1", "abc", "536870912"]),
                         g.choice(VALUES[:20])])),
        (3, lcs),
    ]
    return weighted(g, table)


@family("bits")
def gen_bits(g):
    """SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO"""
    k = g.key()
    bit_offsets = ["0", "1", "3", "7", "8", "9", "15", "33", "100", "511"]

    def bitcount():
        args = ["BITCOUNT", k]
        if g.chance(0.6):
            args += [g.index(), g.index()]
            if g.chance(0.4):
                args.append(g.choice(["BYTE", "BIT", "bit", "FOO"]))
        elif g.chance(0.2):
            args.append(g.index())
        return Cmd(args)

    def bitpos():
        args = ["BITPOS", k, g.choice(["0", "1", "1", "0", "2", "x"])]
        if g.chance(0.6):
            args.append(g.index())
            if g.chance(0.6):
                args.append(g.index())
                if g.chance(0.4):
                    args.append(g.choice(["BYTE", "BIT", "FOO"]))
        return Cmd(args)

    def bitop():
        op = g.choice(["AND", "OR", "XOR", "NOT", "and", "NAND"])
        srcs = g.keys(1, 3) if op.upper() != "NOT" or g.chance(0.2) else [g.key()]
        return Cmd(["BITOP", op, g.key()] + srcs)

    def field_type():
        return g.choice(["u1", "u4", "u8", "i8", "i16", "u16", "i32", "u63", "i64",
                         "u64", "i65", "x8", "u0"])

    def field_offset(big_ok):
        r = g.rng.random()
        if r < 0.6:
            return g.choice(["0", "1", "3", "8", "13", "64", "100"])
        if r < 0.8:
            return "#" + g.choice(["0", "1", "2", "5", "-1", "x"])
        if big_ok:
            return g.choice(["4294967295", "4294967296", "-1", "abc"])
        return g.choice(["-1", "abc", "4294967296"])

    def bitfield(ro):
        args = ["BITFIELD_RO" if ro else "BITFIELD", k]
        for _ in range(g.rng.randint(0, 3)):
            r = g.rng.random()
            if ro and r < 0.85:
                args += ["GET", field_type(), field_offset(True)]
            elif r < 0.35:
                args += ["GET", field_type(), field_offset(True)]
            elif r < 0.6:
                args += ["SET", field_type(), field_offset(False), g.int_arg()]
            elif r < 0.85:
                args += ["INCRBY", field_type(), field_offset(False), g.int_arg()]
            elif r < 0.95:
                args += ["OVERFLOW", g.choice(["WRAP", "SAT", "FAIL", "sat", "FOO"])]
            else:
                args += [g.choice(["GET", "FOO", "SET"])]
        return Cmd(args)

    table = [
        (6, lambda: Cmd(["SETBIT", k, g.choice(bit_offsets + ["-1", "4294967296", "x"]),
                         g.choice(["0", "1", "1", "2", "x"])])),
        (5, lambda: Cmd(["GETBIT", k, g.choice(bit_offsets + ["-1", "4294967296",
                                                              "4294967295", "x"])])),
        (5, bitcount),
        (5, bitpos),
        (4, bitop),
        (6, lambda: bitfield(False)),
        (3, lambda: bitfield(True)),
        (4, lambda: Cmd(["SET", k, g.value()])),
        (2, lambda: Cmd(["GET", k])),
    ]
    return weighted(g, table)


@family("keys")
def gen_keys(g):
    """DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY TOUCH OBJECT"""
    k = g.key()

    def scan():
        opts = []
        if g.chance(0.5):
            opts += ["MATCH", g.choice(["*", "k*", "k?", "k[0-3]", "*1*", "[^k]*", "nomatch",
                                        "k[", "\\k1"])]
        if g.chance(0.5):
            opts += ["COUNT", g.choice(["1", "2", "5", "10", "1000", "0", "-1", "abc"])]
        if g.chance(0.4):
            opts += ["TYPE", g.choice(["string", "list", "set", "hash", "zset", "none", "foo"])]
        if g.chance(0.05):
            opts += [g.choice(["FOO", "MATCH", "COUNT"])]
        if g.chance(0.06):
            # odd cursors, one call: errors compared exactly, anything else by
            # form only ("" parses as cursor 0; keys come in hash order)
            return Cmd(["SCAN", g.choice(["abc", "-1x", "18446744073709551616", "", " 0",
                                          "0x"])] + opts, mode="scanonce")
        return Cmd(opts, mode="scan")

    def copy():
        args = ["COPY", g.key(), g.key()]
        if g.chance(0.3):
            args += ["DB", g.choice(DBS)]
        if g.chance(0.3):
            args.append("REPLACE")
        if g.chance(0.04):
            args.append("FOO")
        return Cmd(args)

    def obj():
        sub = g.choice(["ENCODING", "ENCODING", "ENCODING", "REFCOUNT", "FREQ", "IDLETIME",
                        "HELP", "FOO", "encoding"])
        if sub == "IDLETIME":
            return Cmd(["OBJECT", sub, k], mode="shape")
        if sub == "HELP":
            return Cmd(["OBJECT", sub], mode="type")
        return Cmd(["OBJECT", sub, k])

    table = [
        (5, lambda: Cmd([g.choice(["DEL", "UNLINK"])] + g.keys(1, 3))),
        (5, lambda: Cmd(["EXISTS"] + g.keys(1, 4))),
        (5, lambda: Cmd(["TYPE", k])),
        (4, lambda: Cmd(["KEYS", g.choice(["*", "k*", "k?", "k[0-3]", "*1*", "[^k]*",
                                           "nomatch", "k[", "k\\1", "?"])], mode="unordered")),
        (4, scan),
        (2, lambda: Cmd(["RANDOMKEY"], mode="shape")),
        (4, lambda: Cmd([g.choice(["RENAME", "RENAMENX"]), g.key(), g.key()])),
        (3, lambda: Cmd(["MOVE", k, g.choice(DBS)])),
        (4, copy),
        (3, lambda: Cmd(["TOUCH"] + g.keys(1, 3))),
        (5, obj),
        (8, lambda: Cmd(["SET", k, g.value()])),
        (2, lambda: Cmd(["GET", k])),
        (2, lambda: Cmd(["SELECT", g.choice(["0", "0", "1"])])),
    ]
    return weighted(g, table)


@family("expire")
def gen_expire(g):
    """EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME
    PEXPIRETIME PERSIST, SET/GETEX with expiry options"""
    k = g.key()

    def expire():
        cmd = g.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
        r = g.rng.random()
        if r < 0.8:
            t = {"EXPIRE": g.rel_seconds, "PEXPIRE": g.rel_millis,
                 "EXPIREAT": g.abs_seconds, "PEXPIREAT": g.abs_millis}[cmd]()
        else:
            t = g.bad_time(absolute=cmd.endswith("AT"))
        args = [cmd, k, t]
        if g.chance(0.5):
            args.append(g.choice(["NX", "XX", "GT", "LT", "nx", "gt"]))
        if g.chance(0.08):
            args.append(g.choice(["NX", "XX", "GT", "LT", "FOO"]))
        return Cmd(args)

    table = [
        (12, expire),
        (5, lambda: Cmd(["TTL", k], mode="ttl", tolerance=2)),
        (4, lambda: Cmd(["PTTL", k], mode="ttl", tolerance=2000)),
        (4, lambda: Cmd(["EXPIRETIME", k], mode="ttl", tolerance=2)),
        (3, lambda: Cmd(["PEXPIRETIME", k], mode="ttl", tolerance=2000)),
        (4, lambda: Cmd(["PERSIST", k])),
        (6, lambda: Cmd(["SET", k, g.value()] + g.choice([
            [], ["EX", g.rel_seconds()], ["PXAT", g.abs_millis()], ["KEEPTTL"],
            ["EX", g.bad_time()]]))),
        (3, lambda: Cmd(["GETEX", k] + g.choice([
            ["PERSIST"], ["EX", g.rel_seconds()], ["EXAT", g.abs_seconds()],
            ["PX", g.bad_time()]]))),
        (2, lambda: Cmd(["EXISTS", k])),
        (2, lambda: Cmd(["DBSIZE"])),
        (2, lambda: Cmd(["RENAME", k, g.key()])),
        (1, lambda: Cmd(["COPY", k, g.key(), "REPLACE"])),
    ]
    return weighted(g, table)


CONFIG_PARAMS = ["maxmemory", "maxmemory-policy", "databases", "hz", "maxclients", "timeout",
                 "proto-max-bulk-len", "client-query-buffer-limit", "appendonly", "save",
                 "slowlog-log-slower-than", "slowlog-max-len", "requirepass", "nosuchparam",
                 "tcp-keepalive", "protected-mode", "loglevel", "enable-debug-command"]

ISSUE_COMMANDS = """get set setnx setex psetex mget mset msetnx getset getdel getex append
strlen incr decr incrby decrby incrbyfloat getrange setrange substr lcs setbit getbit
bitcount bitpos bitop bitfield bitfield_ro del unlink exists type keys scan randomkey
rename renamenx move copy expire pexpire expireat pexpireat ttl pttl expiretime
pexpiretime persist touch object ping echo quit reset hello auth select swapdb dbsize
flushdb flushall client info config time lastsave shutdown monitor slowlog debug
command""".split()


@family("server")
def gen_server(g):
    """PING ECHO SELECT SWAPDB DBSIZE FLUSHDB FLUSHALL CONFIG GET/SET(invalid)
    CLIENT SETNAME/GETNAME, COMMAND INFO/GETKEYS, TIME/LASTSAVE/INFO (shape)"""
    def config_get():
        names = [g.choice(CONFIG_PARAMS) for _ in range(g.rng.randint(1, 3))]
        if g.chance(0.15):
            names = [g.choice(["max*", "*max-*len", "slowlog-*", "hz", "MAXMEMORY"])]
        return Cmd(["CONFIG", "GET"] + names, mode="pairs")

    def config_set_bad():
        return Cmd(["CONFIG", "SET"] + g.choice([
            ["maxmemory", "abc"], ["nosuchparam", "1"], ["databases", "4"],
            ["maxmemory-policy", "bogus"], ["hz", "abc"], ["maxmemory", "1", "maxmemory", "2"],
            ["slowlog-max-len", "-5"], ["appendonly", "maybe"], ["port"]]))

    def command_getkeys():
        return Cmd(["COMMAND", "GETKEYS"] + g.choice([
            ["SET", "a", "b"], ["GET", "a"], ["MSET", "a", "1", "b", "2"], ["MSET", "a"],
            ["RENAME", "x", "y"], ["BITOP", "AND", "d", "s1", "s2"], ["LCS", "a", "b"],
            ["COPY", "a", "b", "DB", "1"], ["PING", "x"], ["NOSUCH", "x"], ["GET"],
            ["GET", "a", "b"], ["DEL", "a", "b", "c"], ["EXPIRE", "k", "10"],
            ["OBJECT", "ENCODING", "k"], ["GETEX", "k", "EX", "1"]]))

    table = [
        (4, lambda: Cmd(["PING"] + g.choice([[], ["hello"], [g.value()], ["a", "b"]]))),
        (4, lambda: Cmd(["ECHO"] + g.choice([[g.value()], [], ["a", "b"]]))),
        (5, lambda: Cmd(["SELECT", g.choice(DBS)])),
        (3, lambda: Cmd(["SWAPDB", g.choice(DBS), g.choice(DBS)])),
        (5, lambda: Cmd(["DBSIZE"])),
        (1, lambda: Cmd(["FLUSHDB"] + g.choice([[], ["ASYNC"], ["SYNC"], ["FOO"]]))),
        (0.5, lambda: Cmd(["FLUSHALL"] + g.choice([[], ["ASYNC"], ["SYNC"], ["FOO"],
                                                    ["ASYNC", "SYNC"]]))),
        (6, lambda: Cmd(["SET", g.key(), g.value()])),
        (3, lambda: Cmd(["GET", g.key()])),
        (4, config_get),
        (2, config_set_bad),
        (2, lambda: Cmd(["CLIENT", "SETNAME", g.choice(["", "name1", "a b", "x\ny", "ok-2"])])),
        (2, lambda: Cmd(["CLIENT", "GETNAME"])),
        (1, lambda: Cmd(["CLIENT", "ID"], mode="shape")),
        (1, lambda: Cmd(["CLIENT", "INFO"], mode="type")),
        (4, lambda: Cmd(["COMMAND", "INFO"] + [g.choice(ISSUE_COMMANDS + ["nosuch"])
                                               for _ in range(g.rng.randint(1, 3))],
                        mode="cmdinfo")),
        (3, command_getkeys),
        (1, lambda: Cmd(["TIME"], mode="shape")),
        (1, lambda: Cmd(["LASTSAVE"], mode="shape")),
        (1, lambda: Cmd(["INFO", g.choice(["server", "keyspace", "stats", "memory"])],
                        mode="type")),
    ]
    return weighted(g, table)


# name: arity as COMMAND INFO reports it (negative: at least -arity args)
ARITY = {
    "get": 2, "set": -3, "setnx": 3, "setex": 4, "psetex": 4, "mget": -2, "mset": -3,
    "msetnx": -3, "getset": 3, "getdel": 2, "getex": -2, "append": 3, "strlen": 2,
    "incr": 2, "decr": 2, "incrby": 3, "decrby": 3, "incrbyfloat": 3, "getrange": 4,
    "setrange": 4, "substr": 4, "lcs": -3, "setbit": 4, "getbit": 3, "bitcount": -2,
    "bitpos": -3, "bitop": -4, "bitfield": -2, "bitfield_ro": -2, "del": -2, "unlink": -2,
    "exists": -2, "type": 2, "keys": 2, "scan": -2, "randomkey": 1, "rename": 3,
    "renamenx": 3, "move": 3, "copy": -3, "expire": -3, "pexpire": -3, "expireat": -3,
    "pexpireat": -3, "ttl": 2, "pttl": 2, "expiretime": 2, "pexpiretime": 2, "persist": 2,
    "touch": -2, "object": -2, "echo": 2, "reset": 1, "auth": -2, "select": 2, "swapdb": 3,
    "dbsize": 1, "client": -2, "config": -2, "time": 1, "lastsave": 1, "monitor": 1,
    "slowlog": -2, "debug": -2,
    "client|setname": 3, "client|getname": 2, "client|id": 2, "client|info": 2,
    "client|kill": -3, "client|pause": -3, "client|unpause": 2, "client|reply": 3,
    "client|list": -2, "config|get": -3, "config|set": -4, "config|resetstat": 2,
    "config|rewrite": 2, "object|encoding": 3, "object|freq": 3, "object|refcount": 3,
    "object|idletime": 3, "command|info": -2, "command|getkeys": -4, "command|count": 2,
    "slowlog|get": -2, "slowlog|len": 2, "slowlog|reset": 2,
}


@family("errors")
def gen_errors(g):
    """Wrong arity for every command of issue 2 (and subcommands), unknown
    commands and subcommands"""
    def wrong_arity():
        name = g.choice(list(ARITY))
        arity = ARITY[name]
        words = name.split("|")
        if arity > 0:
            counts = [n for n in (arity - 1, arity + 1, arity + 2) if n >= len(words)]
        else:
            counts = list(range(len(words), -arity))   # fewer than the minimum
        if not counts:
            return unknown()
        n = g.choice(counts)
        args = [w.upper() if g.chance(0.5) else w for w in words]
        args += [g.choice(["k1", "1", "x", "0"]) for _ in range(n - len(words))]
        return Cmd(args)

    def unknown():
        name = g.choice(["FOO", "GETT", "get_", "", "SETX", "MGETS", "\u00e9", "PINGG",
                         "EXPIRES", "config-get"])
        args = [g.choice(["a", "bb", "", "x" * 150, "1"]) for _ in range(g.rng.randint(0, 3))]
        return Cmd([name] + args)

    def unknown_sub():
        return Cmd([g.choice(["CLIENT", "CONFIG", "OBJECT", "COMMAND", "SLOWLOG"]),
                    g.choice(["FOO", "bar", "", "GETNAMES"])] +
                   ([g.choice(["x", "1"])] if g.chance(0.5) else []))

    table = [(6, wrong_arity), (3, unknown), (2, unknown_sub),
             (2, lambda: Cmd(["SET", g.key(), g.value()]))]
    return weighted(g, table)


@family("types", requires=("rpush", "lrange", "llen", "sadd", "smembers", "scard", "hset",
                           "hget", "hgetall"), optional=True)
def gen_types(g):
    """Other data types on the same keys so WRONGTYPE paths are hit:
    RPUSH LRANGE LLEN SADD SMEMBERS SCARD HSET HGET HGETALL"""
    k = g.key()
    table = [
        (4, lambda: Cmd(["RPUSH", k, g.value()])),
        (2, lambda: Cmd(["LRANGE", k, "0", "-1"])),
        (1, lambda: Cmd(["LLEN", k])),
        (3, lambda: Cmd(["SADD", k, g.value()])),
        (2, lambda: Cmd(["SMEMBERS", k], mode="unordered")),
        (1, lambda: Cmd(["SCARD", k])),
        (3, lambda: Cmd(["HSET", k, g.choice(["f1", "f2"]), g.value()])),
        (1, lambda: Cmd(["HGET", k, "f1"])),
        (1, lambda: Cmd(["HGETALL", k], mode="pairs")),
    ]
    return weighted(g, table)


# More families live one per file in tests/diff/families/*.py, run in this
# module's namespace so they register with @family like the ones above.
for _path in sorted((Path(__file__).parent / "families").glob("*.py")):
    exec(compile(_path.read_text(), str(_path), "exec"), globals())

DEFAULT_FAMILIES = ["strings", "bits", "keys", "expire", "server", "errors", "types"] + sorted(
    name for name in FAMILIES if name not in
    ("strings", "bits", "keys", "expire", "server", "errors", "types"))


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

class Side:
    """One server connection (troupe or redis) for a run."""

    def __init__(self, name, port, resp):
        self.name = name
        self.port = port
        self.resp = resp
        self.conn = None

    def connect(self):
        self.close()
        self.conn = harness.RawConn(self.port, timeout=REPLY_TIMEOUT_S)
        if self.resp == 3:
            reply = self.conn.call("HELLO", "3")
            if reply[0] != "%":
                raise harness.ServerError(f"{self.name}: HELLO 3 failed: {reply}")

    def send(self, args):
        try:
            self.conn.send_command(*args)
            return True
        except OSError:
            return False

    def read(self):
        try:
            return self.conn.read()
        except (harness.ConnectionClosed, OSError) as e:
            return ("closed", str(e))

    def call(self, args):
        if not self.send(args):
            return CLOSED
        return self.read()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def full_scan(side, opts):
    """Runs SCAN to completion; ('scan', sorted keys) or the first error."""
    cursor, keys = "0", set()
    for _ in range(SCAN_MAX_CALLS):
        reply = side.call(["SCAN", cursor] + list(opts))
        if reply[0] != "*":
            return reply
        items = reply[1]
        if (items is None or len(items) != 2 or items[0][0] != "$" or items[0][1] is None
                or items[1][0] != "*" or items[1][1] is None):
            return ("badscan", reply)
        cursor = items[0][1].decode()
        keys.update(x[1] for x in items[1][1])
        if cursor == "0":
            return ("scan", sorted(keys))
    return ("scan-did-not-finish", len(keys))


def lcs_too_big(side, keys):
    lens = []
    for k in keys:
        reply = side.call(["STRLEN", k])
        lens.append(reply[1] if reply[0] == ":" else 0)
    return (lens[0] + 1) * (lens[1] + 1) > LCS_MAX_CELLS


@dataclass
class RunResult:
    ok: bool
    seed: int
    steps: int
    report: str = ""
    skipped: int = 0


def parse_families(spec):
    """'strings,keys' or 'strings:9,types:1' -> [(name, weight)]."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, w = part.partition(":")
        if name not in FAMILIES:
            raise SystemExit(f"unknown family {name!r}; known: {', '.join(FAMILIES)}")
        out.append((name, float(w) if w else 1.0))
    if not out:
        raise SystemExit("no families selected")
    return out


def unsupported_families(side, names):
    """{family: missing commands} for optional families the server lacks."""
    missing = {}
    for name in names:
        fam = FAMILIES[name]
        if not fam.optional or not fam.requires:
            continue
        reply = side.call(["COMMAND", "INFO"] + list(fam.requires))
        if reply[0] != "*":
            missing[name] = list(fam.requires)
            continue
        lacking = [c for c, r in zip(fam.requires, reply[1]) if r[0] != "*" or r[1] is None]
        if lacking:
            missing[name] = lacking
    return missing


def run_seed(sut, ref, seed, steps, families, resp, base_time=None, inject_step=None):
    """Runs one seeded sequence against both sides; RunResult."""
    for side in (sut, ref):
        side.resp = resp
        side.connect()
        assert side.call(["FLUSHALL"]) == harness.OK
    base_time = int(time.time()) if base_time is None else base_time
    rng = random.Random(seed)
    g = Gen(rng, base_time)
    names = [n for n, _ in families]
    weights = [w for _, w in families]
    history = deque(maxlen=HISTORY)
    skipped = 0
    for step in range(1, steps + 1):
        g.step = step
        fam = rng.choices(names, weights)[0]
        cmd = FAMILIES[fam].generate(g)
        if cmd.lcs_keys and lcs_too_big(ref, cmd.lcs_keys):
            skipped += 1
            continue
        if cmd.mode == "scan":
            a, b = full_scan(sut, cmd.args), full_scan(ref, cmd.args)
            shown = Cmd(["SCAN", "<to completion>"] + cmd.args)
            equal = a == b
        else:
            sent_a, sent_b = sut.send(cmd.args), ref.send(cmd.args)
            a = sut.read() if sent_a else CLOSED
            b = ref.read() if sent_b else CLOSED
            shown = cmd
            if inject_step == step:
                a = ("-", "ERR injected difference (--inject-diff)")
            equal = replies_equal(cmd, a, b)
        if not equal:
            lines = [
                f"DIFFERENCE seed={seed} step={step} family={fam} resp={resp} "
                f"base_time={base_time}",
                f"  command: {shown.text()}   (compare: {cmd.mode})",
                f"  {sut.name:>7}: {a!r}",
                f"  {ref.name:>7}: {b!r}",
                "  preceding commands (step family command -> reference reply):",
            ]
            lines += [f"    {s:>5} {f:<8} {t}  -> {r!r}" for s, f, t, r in history] or ["    (none)"]
            fam_spec = ",".join(f"{n}:{w:g}" if w != 1 else n for n, w in families)
            lines.append(f"  replay: {Path(__file__).name} --seed {seed} --steps {step} "
                         f"--families {fam_spec} --resp {resp} --base-time {base_time}")
            return RunResult(False, seed, step, "\n".join(lines), skipped)
        if a == CLOSED or a[0] == "closed":
            sut.connect()   # QUIT-like endings, identical on both sides
            ref.connect()
        history.append((step, fam, shown.text()[:120], b if len(repr(b)) < 200 else
                        repr(b)[:200] + "..."))
    return RunResult(True, seed, steps, "", skipped)


# ---------------------------------------------------------------------------
# Server pair
# ---------------------------------------------------------------------------

class ServerPair:
    """troupe-server and reference redis-server on free loopback ports (or
    existing servers given by port). Use as a context manager."""

    def __init__(self, troupe_bin=None, redis_bin=None, troupe_args=(), redis_args=(),
                 troupe_port=None, redis_port=None):
        self.troupe_bin = troupe_bin or harness.troupe_server_path()
        self.redis_bin = redis_bin or os.environ.get("REDIS_SERVER") or DEFAULT_REDIS_SERVER
        self.troupe_args, self.redis_args = list(troupe_args), list(redis_args)
        self.troupe_port, self.redis_port = troupe_port, redis_port
        self.procs = []

    def __enter__(self):
        try:
            if self.troupe_port is None:
                p = harness.ServerProcess(self.troupe_bin, extra_args=self.troupe_args,
                                          name="troupe")
                self.procs.append(p)
                self.troupe_port = p.start().port
            if self.redis_port is None:
                p = harness.ServerProcess(self.redis_bin, extra_args=self.redis_args,
                                          name="redis")
                self.procs.append(p)
                self.redis_port = p.start().port
        except BaseException:
            self.__exit__()
            raise
        return self

    def sides(self, resp):
        return Side("troupe", self.troupe_port, resp), Side("redis", self.redis_port, resp)

    def dead(self):
        """Text about started servers that have exited ('' if all run)."""
        return "\n".join(f"{p.name} exited with {p.proc.returncode}; log tail:\n"
                         f"{p.log()[-2000:]}" for p in self.procs if not p.is_running())

    def alive_report(self):
        return "; ".join(f"{p.name} {'running' if p.is_running() else 'EXITED'}"
                         for p in self.procs)

    def __exit__(self, *exc):
        for p in self.procs:
            p.cleanup()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Differential tester: troupe-server vs redis-server",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=None,
                    help="first seed (default: random, printed)")
    ap.add_argument("--seeds", type=int, default=1, help="number of consecutive seeds")
    ap.add_argument("--steps", type=int, default=500, help="commands per seed")
    ap.add_argument("--families", default=None,
                    help="comma list, optional weights (strings:9,types:1); "
                         f"default: all supported of {','.join(DEFAULT_FAMILIES)}")
    ap.add_argument("--resp", type=int, choices=(2, 3), default=2)
    ap.add_argument("--base-time", type=int, default=None,
                    help="Unix time for absolute expiries (printed on failure)")
    ap.add_argument("--troupe-port", type=int,
                    help="use a running server under test (its data is FLUSHALLed)")
    ap.add_argument("--redis-port", type=int,
                    help="use a running reference server (its data is FLUSHALLed)")
    ap.add_argument("--troupe-args", default="", help="extra args for troupe-server")
    ap.add_argument("--redis-args", default="", help="extra args for the reference server")
    ap.add_argument("--inject-diff", type=int, default=None, metavar="STEP",
                    help="fake a differing reply at STEP (proves failures are caught)")
    ap.add_argument("--list-families", action="store_true")
    args = ap.parse_args(argv)

    if args.list_families:
        for f in FAMILIES.values():
            print(f"{f.name:<8} {' '.join(f.doc.split())}")
        return 0
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    explicit = args.families is not None
    families = parse_families(args.families or ",".join(DEFAULT_FAMILIES))
    print(f"difftest: seed={seed} seeds={args.seeds} steps={args.steps} resp={args.resp}",
          flush=True)
    try:
        pair = ServerPair(troupe_args=shlex.split(args.troupe_args),
                          redis_args=shlex.split(args.redis_args),
                          troupe_port=args.troupe_port, redis_port=args.redis_port)
        with pair:
            sut, ref = pair.sides(args.resp)
            sut.connect()
            missing = {} if explicit else unsupported_families(sut, [n for n, _ in families])
            if missing:
                text = "; ".join(f"{n} (no {', '.join(c)})" for n, c in missing.items())
                print(f"difftest: leaving out optional families the server under test "
                      f"lacks: {text}")
                families = [(n, w) for n, w in families if n not in missing]
            print("difftest: families " + ",".join(n for n, _ in families), flush=True)
            total = 0
            for s in range(seed, seed + args.seeds):
                res = run_seed(sut, ref, s, args.steps, families, args.resp,
                               base_time=args.base_time, inject_step=args.inject_diff)
                total += res.steps
                if not res.ok:
                    print(res.report)
                    print(f"difftest: FAILED ({pair.alive_report()})")
                    return 1
            print(f"difftest: OK, {args.seeds} seed(s), {total} steps, no difference")
            return 0
    except harness.ServerError as e:
        print(f"difftest: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
