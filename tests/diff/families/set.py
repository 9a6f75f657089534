# Differential family "set": SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD
# SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE
# SDIFF SDIFFSTORE SSCAN, on the shared key pool so sets collide with strings
# and the other types (WRONGTYPE paths), with OBJECT ENCODING checks (intset
# vs hashtable) and, now and then, a CONFIG SET of set-max-intset-entries so
# that conversions happen within short runs. Exec'd in difftest.py's
# namespace after hash.py, whose RandomCmd (mode "random") and HSCAN/SSCAN
# full-scan support it uses.
#
# SPOP removes different members on each side, so it must not touch a key
# whose contents are later compared. It runs with a count that empties the
# set (deterministic) on the shared keys, and freely on two keys of its own,
# "spop:0" and "spop:1", which are only ever filled by SUNIONSTORE /
# SINTERSTORE / SDIFFSTORE from the shared keys (deterministic replies) and
# only ever read in ways that depend on their size alone (SCARD, SPOP,
# SRANDMEMBER, EXISTS). Not OBJECT ENCODING: when SPOP takes most of a set,
# Redis rebuilds it from the members that stay, so a hashtable set whose
# remaining members are all integers becomes an intset.

SET_MEMBERS = ["a", "b", "c", "d", "", "0", "1", "2", "3", "-1", "10", "100", "-100",
               "70000", "-70000", "4294967296", "9223372036854775807",
               "-9223372036854775808", "9223372036854775808", "007", "-0", "+1", "1.5",
               "x" * 50, b"\x00\xff", "\u00e9"]
SET_INT_MEMBERS = ["0", "1", "2", "3", "5", "-1", "10", "100", "-100", "70000", "-70000",
                   "4294967296", "-4294967296", "9223372036854775807", "-9223372036854775808"]
# (No large negative counts: SRANDMEMBER would return that many elements.)
SET_COUNTS = ["0", "1", "2", "3", "5", "100", "-1", "-2", "-5", "-20", "abc", "", "1.5",
              "9223372036854775807", "-9223372036854775808"]
POP_KEYS = ["spop:0", "spop:1"]

# Every member a set may hold: this family's and the "types" family's values.
SET_UNIVERSE = frozenset(_hs_bytes(m) for m in SET_MEMBERS + SET_INT_MEMBERS + VALUES)


def _set_member(g):
    r = g.rng.random()
    if r < 0.45:
        return g.choice(SET_INT_MEMBERS)
    if r < 0.95:
        return g.choice(SET_MEMBERS)
    return g.choice(VALUES)


def _count_is_positive(count):
    try:
        return int(count) > 0
    except ValueError:
        return False


@family("set")
def gen_set(g):
    """SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE
    SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN,
    OBJECT ENCODING, CONFIG SET set-max-intset-entries"""
    _hs_install_scan()
    k = g.key()

    def sadd():
        n = g.rng.randint(1, 5)
        if g.chance(0.05):
            n = g.rng.randint(10, 40)
        ints_only = g.chance(0.5)
        members = [g.choice(SET_INT_MEMBERS) if ints_only else _set_member(g) for _ in range(n)]
        return Cmd(["SADD", k] + members)

    def srandmember(key):
        if g.chance(0.25):
            return RandomCmd(["SRANDMEMBER", key], mode="random", universe=SET_UNIVERSE)
        count = g.choice(SET_COUNTS)
        args = ["SRANDMEMBER", key, count]
        if g.chance(0.04):
            args.append("1")
        return RandomCmd(args, mode="random", distinct=_count_is_positive(count),
                         universe=SET_UNIVERSE)

    def spop_shared():
        # Only replies that do not depend on the random choice: a count that
        # empties any set, zero, or invalid counts and argument lists.
        args = ["SPOP", k, g.choice(["100000", "100000", "0", "-1", "abc", "", "1.5"])]
        if g.chance(0.05):
            args.append("1")
        return Cmd(args, mode="unordered")

    def pop_key():
        pk = g.choice(POP_KEYS)
        r = g.rng.random()
        if r < 0.3:
            op = g.choice(["SUNIONSTORE", "SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"])
            return Cmd([op, pk] + g.keys(1, 3))
        if r < 0.55:
            if g.chance(0.3):
                return RandomCmd(["SPOP", pk], mode="random", universe=SET_UNIVERSE)
            count = g.choice(SET_COUNTS)
            return RandomCmd(["SPOP", pk, count], mode="random",
                             distinct=_count_is_positive(count), universe=SET_UNIVERSE)
        if r < 0.7:
            return srandmember(pk)
        if r < 0.9:
            return Cmd(["SCARD", pk])
        return Cmd([g.choice(["EXISTS", "DEL", "TYPE"]), pk])

    def sintercard():
        keys = g.keys(1, 4)
        numkeys = str(len(keys))
        if g.chance(0.1):
            numkeys = g.choice(["0", "-1", "abc", str(len(keys) + 1), "1"])
        args = ["SINTERCARD", numkeys] + keys
        if g.chance(0.5):
            args += ["LIMIT", g.choice(["0", "1", "2", "3", "10", "-1", "abc"])]
        if g.chance(0.05):
            args.append(g.choice(["LIMIT", "FOO"]))
        return Cmd(args)

    def sscan():
        opts = []
        if g.chance(0.5):
            opts += ["MATCH", g.choice(["*", "1*", "?", "[ab]", "*0*", "-*", "nomatch", "[",
                                        "\\a"])]
        if g.chance(0.5):
            opts += ["COUNT", g.choice(["1", "2", "5", "10", "1000", "0", "-1", "abc"])]
        if g.chance(0.05):
            opts.append(g.choice(["MATCH", "COUNT", "TYPE", "FOO"]))
        if g.chance(0.08):
            return Cmd(["SSCAN", k, g.choice(["abc", "-1", "18446744073709551616", " 0", "",
                                              "18446744073709551615"])] + opts,
                       mode="scanonce")
        return Cmd(["SSCAN", k] + opts, mode="scan")

    def config():
        return Cmd(["CONFIG", "SET", "set-max-intset-entries",
                    g.choice(["0", "1", "2", "3", "5", "8", "512", "512"])])

    def arity():
        return Cmd(g.choice([["SADD", k], ["SREM", k], ["SMEMBERS"], ["SMEMBERS", k, k],
                             ["SISMEMBER", k], ["SMISMEMBER", k], ["SCARD"], ["SPOP"],
                             ["SRANDMEMBER"], ["SMOVE", k, k], ["SINTER"], ["SINTERCARD", "1"],
                             ["SINTERSTORE", k], ["SUNIONSTORE", k], ["SDIFF"], ["SSCAN", k]]))

    table = [
        (12, sadd),
        (6, lambda: Cmd(["SREM", k] + [_set_member(g) for _ in range(g.rng.randint(1, 4))])),
        (5, lambda: Cmd(["SMEMBERS", k], mode="unordered")),
        (5, lambda: Cmd(["SISMEMBER", k, _set_member(g)])),
        (3, lambda: Cmd(["SMISMEMBER", k] + [_set_member(g) for _ in range(g.rng.randint(1, 4))])),
        (4, lambda: Cmd(["SCARD", k])),
        (3, spop_shared),
        (4, lambda: srandmember(k)),
        (8, pop_key),
        (5, lambda: Cmd(["SMOVE", g.key(), g.key(), _set_member(g)])),
        (4, lambda: Cmd(["SINTER"] + g.keys(1, 4), mode="unordered")),
        (4, sintercard),
        (4, lambda: Cmd(["SINTERSTORE", g.key()] + g.keys(1, 3))),
        (4, lambda: Cmd(["SUNION"] + g.keys(1, 4), mode="unordered")),
        (4, lambda: Cmd(["SUNIONSTORE", g.key()] + g.keys(1, 3))),
        (4, lambda: Cmd(["SDIFF"] + g.keys(1, 4), mode="unordered")),
        (4, lambda: Cmd(["SDIFFSTORE", g.key()] + g.keys(1, 3))),
        (4, sscan),
        (5, lambda: Cmd(["OBJECT", "ENCODING", k])),
        (2, lambda: Cmd(["TYPE", k])),
        (1, config),
        (2, arity),
        (2, lambda: Cmd(["DEL", k])),
        (2, lambda: Cmd(["SET", k, g.value()])),
        (1, lambda: Cmd(["COPY", k, g.key()])),
    ]
    return weighted(g, table)
