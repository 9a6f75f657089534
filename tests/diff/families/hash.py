# Differential family "hash": HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN
# HSTRLEN HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, on the
# shared key pool so hashes collide with strings and the other types
# (WRONGTYPE paths), with OBJECT ENCODING checks and, now and then, a CONFIG
# SET of hash-max-listpack-entries/-value so that listpack -> hashtable
# conversions happen within short runs. Exec'd in difftest.py's namespace
# (Cmd, family, weighted, shape, KEYS, VALUES, INTS, FLOATS come from there).
#
# This file also adds two comparison tools that the "set" family (set.py,
# exec'd after this one) uses as well:
#   mode "random"   replies of random commands (HRANDFIELD, SRANDMEMBER,
#                   SPOP): same shape (types, array lengths), every field or
#                   member from the generator's universe, no repeats where
#                   Redis promises distinct elements, and a field seen in
#                   both replies carries the same value on both sides.
#   HSCAN / SSCAN   a Cmd in mode "scan" whose args start with HSCAN or SSCAN
#                   is driven to completion on each side (difftest's
#                   full_scan is wrapped once, from the generators: it is
#                   defined after this file runs), and the element sets
#                   compared. The wrapper runs plain SCAN itself and passes
#                   only other *SCAN commands down the chain, so wrappers
#                   of other families cannot form a loop through it.

import dataclasses

HASH_FIELDS = ["f1", "f2", "f3", "f4", "a", "b", "c", "", "1", "2", "-5", "007", "x" * 64,
               "y" * 65, "f\u00e9ld", "k1"]
HASH_VALUES = ["v", "1", "-1", "0", "10", "3.5", "abc", "", "9223372036854775807",
               "-9223372036854775808", "1e3", "x" * 64, "z" * 65, b"\x00\xff"]
# (No large negative counts: they ask for that many elements.)
HASH_COUNTS = ["0", "1", "2", "3", "5", "100", "-1", "-2", "-5", "-20", "abc", "", "1.5",
               "9223372036854775807", "-9223372036854775808", "4611686018427387903"]
# Out of range only together with WITHVALUES.
HASH_WITHVALUES_COUNTS = ["4611686018427387904", "-4611686018427387904", "9223372036854775807"]
SCAN_PATTERNS = ["*", "f*", "?", "[ab]", "*1*", "x*", "nomatch", "[", "\\f1"]
SCAN_COUNTS = ["1", "2", "5", "10", "1000", "0", "-1", "abc"]


def _hs_bytes(x):
    return x if isinstance(x, bytes) else str(x).encode()


# Every field a hash may hold: this family's fields and the ones of the
# "types" family (f1, f2); values are arbitrary (HINCRBY results...).
HASH_FIELD_UNIVERSE = frozenset(_hs_bytes(f) for f in HASH_FIELDS + ["f1", "f2"])


@dataclasses.dataclass
class RandomCmd(Cmd):
    """A random command compared in mode "random"."""
    distinct: bool = False   # no element may repeat within one reply
    pairs: bool = False      # elements are (field, value) pairs
    universe: frozenset = frozenset()   # allowed fields / members (empty: any)


def _hs_random_elements(cmd, reply):
    """[(element, value-or-None)] of a random command's reply, or None when
    the reply is not an array / set (errors, nil, bulks compare by shape)."""
    t, v = reply[0], reply[1]
    if t in ("$", "="):
        return [(v, None)] if v is not None else []
    if t not in ("*", "~") or v is None:
        return None
    if not cmd.pairs:
        return [(x[1], None) for x in v]
    if v and v[0][0] == "*":   # RESP3: [[field, value], ...]
        return [(p[1][0][1], p[1][1][1]) for p in v]
    return [(v[i][1], v[i + 1][1]) for i in range(0, len(v), 2)]


def _hs_random_equal(cmd, a, b):
    if a[0] in ("-", "closed", "!") or b[0] in ("-", "closed", "!"):
        return a == b
    if shape(a) != shape(b):
        return False
    seen = {}
    for reply in (a, b):
        elems = _hs_random_elements(cmd, reply)
        if elems is None:
            continue
        if cmd.universe and any(e not in cmd.universe for e, _ in elems):
            return False
        if cmd.distinct and len({e for e, _ in elems}) != len(elems):
            return False
        if cmd.pairs:
            for e, val in elems:   # the same field has one value, on both sides
                if seen.setdefault(e, val) != val:
                    return False
    return True


_hs_prev_replies_equal = replies_equal


def replies_equal(cmd, a, b):   # noqa: F811  (wraps difftest's, see above)
    if cmd.mode == "random":
        return _hs_random_equal(cmd, a, b)
    return _hs_prev_replies_equal(cmd, a, b)


_hs_scan_installed = False


def _hs_install_scan():
    """Wraps difftest's full_scan (defined after the families are exec'd, so
    this runs from the generators, before the first command is sent). Once
    only: other families may wrap it too, and wrapping again would make the
    chain a loop."""
    global full_scan, _hs_prev_full_scan, _hs_scan_installed
    if not _hs_scan_installed:
        _hs_scan_installed = True
        _hs_prev_full_scan = full_scan
        full_scan = _hs_full_scan


def _hs_full_scan(side, opts):
    """HSCAN/SSCAN key [opts] to completion: ('scan', sorted elements). Plain
    SCAN (opts are SCAN's options) is run here too, exactly as difftest's
    full_scan does, so that no chain of wrappers can loop back to this one;
    other families' *SCAN commands go down the chain."""
    head = str(opts[0]).upper() if opts else ""
    if head in ("HSCAN", "SSCAN"):
        prefix, rest = [opts[0], opts[1]], list(opts[2:])
    elif head.endswith("SCAN"):
        return _hs_prev_full_scan(side, opts)
    else:
        prefix, rest = ["SCAN"], list(opts)
    cursor, found = "0", set()
    for _ in range(SCAN_MAX_CALLS):
        reply = side.call(prefix + [cursor] + rest)
        if reply[0] != "*":
            return reply
        items = reply[1]
        if (items is None or len(items) != 2 or items[0][0] != "$" or items[0][1] is None
                or items[1][0] != "*" or items[1][1] is None):
            return ("badscan", reply)
        cursor = items[0][1].decode()
        elems = [x[1] for x in items[1][1]]
        if head == "HSCAN":
            if len(elems) % 2:
                return ("badscan", reply)
            found.update(zip(elems[::2], elems[1::2]))
        else:
            found.update(elems)
        if cursor == "0":
            return ("scan", sorted(found))
    return ("scan-did-not-finish", len(found))


def _hash_field(g):
    return g.choice(HASH_FIELDS) if g.chance(0.9) else g.choice(["f1", "f2"])


def _hash_value(g):
    return g.choice(HASH_VALUES) if g.chance(0.7) else g.value()


@family("hash")
def gen_hash(g):
    """HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS
    HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, OBJECT ENCODING, CONFIG SET
    hash-max-listpack-entries/-value"""
    _hs_install_scan()
    k = g.key()

    def hset(name):
        args = [name, k]
        for _ in range(g.rng.randint(1, 4)):
            args += [_hash_field(g), _hash_value(g)]
        if g.chance(0.05):
            args.pop()   # odd: wrong number of arguments
        return Cmd(args)

    def hincrby():
        inc = g.int_arg() if g.chance(0.8) else g.choice(["9223372036854775807",
                                                           "-9223372036854775808"])
        return Cmd(["HINCRBY", k, _hash_field(g), inc])

    def hincrbyfloat():
        return Cmd(["HINCRBYFLOAT", k, _hash_field(g), g.float_arg()])

    def hrandfield():
        args = ["HRANDFIELD", k]
        if g.chance(0.25):
            return RandomCmd(args, mode="random", universe=HASH_FIELD_UNIVERSE)
        withvalues = g.chance(0.5)
        if withvalues and g.chance(0.1):
            count = g.choice(HASH_WITHVALUES_COUNTS)
            args += [count, "WITHVALUES"]
        else:
            count = g.choice(HASH_COUNTS)
            args.append(count)
            if withvalues:
                args.append(g.choice(["WITHVALUES", "withvalues", "WITHVALUES", "FOO"]))
        if g.chance(0.04):
            args.append("WITHVALUES")
        withvalues = len(args) == 4 and args[3].upper() == "WITHVALUES"
        try:
            distinct = int(count) > 0
        except ValueError:
            distinct = False
        return RandomCmd(args, mode="random", distinct=distinct, pairs=withvalues,
                         universe=HASH_FIELD_UNIVERSE)

    def hscan():
        opts = []
        if g.chance(0.5):
            opts += ["MATCH", g.choice(SCAN_PATTERNS)]
        if g.chance(0.5):
            opts += ["COUNT", g.choice(SCAN_COUNTS)]
        if g.chance(0.05):
            opts.append(g.choice(["MATCH", "COUNT", "TYPE", "FOO"]))
        if g.chance(0.08):
            return Cmd(["HSCAN", k, g.choice(["abc", "-1", "18446744073709551616", " 0", "",
                                              "18446744073709551615"])] + opts,
                       mode="scanonce")
        return Cmd(["HSCAN", k] + opts, mode="scan")

    def config():
        if g.chance(0.5):
            return Cmd(["CONFIG", "SET", g.choice(["hash-max-listpack-entries",
                                                   "hash-max-ziplist-entries"]),
                        g.choice(["0", "1", "2", "3", "4", "8", "128", "512"])])
        return Cmd(["CONFIG", "SET", g.choice(["hash-max-listpack-value",
                                               "hash-max-ziplist-value"]),
                    g.choice(["0", "1", "4", "16", "64", "64"])])

    def arity():
        return Cmd(g.choice([["HSET", k], ["HSET", k, "f"], ["HGET", k], ["HSETNX", k, "f"],
                             ["HMGET", k], ["HDEL", k], ["HLEN"], ["HLEN", k, "x"],
                             ["HINCRBY", k, "f"], ["HRANDFIELD"], ["HSCAN", k],
                             ["HGETALL", k, "x"], ["HSTRLEN", k], ["HEXISTS", k]]))

    table = [
        (12, lambda: hset("HSET")),
        (3, lambda: hset("HMSET")),
        (4, lambda: Cmd(["HSETNX", k, _hash_field(g), _hash_value(g)])),
        (8, lambda: Cmd(["HGET", k, _hash_field(g)])),
        (4, lambda: Cmd(["HMGET", k] + [_hash_field(g) for _ in range(g.rng.randint(1, 4))])),
        (6, lambda: Cmd(["HDEL", k] + [_hash_field(g) for _ in range(g.rng.randint(1, 4))])),
        (3, lambda: Cmd(["HEXISTS", k, _hash_field(g)])),
        (4, lambda: Cmd(["HLEN", k])),
        (3, lambda: Cmd(["HSTRLEN", k, _hash_field(g)])),
        (3, lambda: Cmd(["HKEYS", k], mode="unordered")),
        (3, lambda: Cmd(["HVALS", k], mode="unordered")),
        (4, lambda: Cmd(["HGETALL", k], mode="pairs")),
        (5, hincrby),
        (5, hincrbyfloat),
        (6, hrandfield),
        (4, hscan),
        (4, lambda: Cmd(["OBJECT", "ENCODING", k])),
        (2, lambda: Cmd(["TYPE", k])),
        (1, config),
        (2, arity),
        (2, lambda: Cmd(["DEL", k])),
        (2, lambda: Cmd(["SET", k, g.value()])),
        (1, lambda: Cmd(["COPY", k, g.key()])),
    ]
    return weighted(g, table)
