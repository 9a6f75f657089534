# Differential family "sort": SORT and SORT_RO (BY, GET, LIMIT, ASC/DESC,
# ALPHA, STORE) over lists, sets and sorted sets, with weights in string keys
# (w_<element>) and hash fields (h_<element>->f), numeric and non-numeric
# weights (the conversion error), missing ones, "BY nosort", GET # and
# missing GET keys, STORE over keys of every type, and the shared key pool
# for WRONGTYPE and missing-key paths. Exec'd in difftest.py's namespace.
#
# Sources have fixed types by name (sl* lists, ss* sets, sz* sorted sets),
# so the generator knows where Redis leaves the order open and compares
# those replies loosely: a set's own order (BY nosort without STORE) is
# its hash order, and ALPHA with BY keeps ties in input order, which for
# sets and sorted sets is hash order too and under LIMIT is Redis's
# partial quicksort's. There the reply is compared as a multiset, or only
# by its type when a LIMIT window picks which elements appear.

SORT_ELEMS = ["1", "2", "3", "10", "-1", "1.5", "0", "a", "b", "c", "", "07", " 5", "1e3",
              "x y", "B", "inf", "0x10"]
# No weight overflows a double: Redis checks strtod()'s errno without
# clearing it first, so after one ERANGE (here, or a "1e400" score in any
# other command) its numeric SORTs fail until something resets errno; that
# depends on the server's history, not on the command.
SORT_WEIGHTS = ["1", "2", "5", "-3", "1.5", "10", "3", "0", "abc", "", "inf", " 2", "2 ",
                "nan", "-0", "b", "a", "1e3", "-inf"]
SORT_LISTS = ["sl0", "sl1", "sl2"]
SORT_SETS = ["ss0", "ss1"]
SORT_ZSETS = ["sz0", "sz1"]


def _sort_source(g):
    r = g.rng.random()
    if r < 0.4:
        return g.choice(SORT_LISTS), "list"
    if r < 0.65:
        return g.choice(SORT_SETS), "set"
    if r < 0.9:
        return g.choice(SORT_ZSETS), "zset"
    return g.key(), "other"


@family("sort")
def gen_sort(g):
    """SORT SORT_RO with BY GET LIMIT ASC DESC ALPHA STORE over lists, sets,
    sorted sets; RPUSH SADD ZADD SET HSET DEL to build their inputs"""

    def elems(lo=1, hi=5):
        return [g.choice(SORT_ELEMS) for _ in range(g.rng.randint(lo, hi))]

    def build():
        r = g.rng.random()
        if r < 0.3:
            return Cmd([g.choice(["RPUSH", "LPUSH"]), g.choice(SORT_LISTS)] + elems())
        if r < 0.5:
            return Cmd(["SADD", g.choice(SORT_SETS)] + elems())
        if r < 0.7:
            args = ["ZADD", g.choice(SORT_ZSETS)]
            for e in elems():
                args += [g.choice(["1", "2", "0", "-1", "1.5", "3"]), e]
            return Cmd(args)
        if r < 0.85:
            return Cmd(["SET", "w_" + g.choice(SORT_ELEMS), g.choice(SORT_WEIGHTS)])
        if r < 0.95:
            return Cmd(["HSET", "h_" + g.choice(SORT_ELEMS), g.choice(["f", "f", "g"]),
                        g.choice(SORT_WEIGHTS)])
        return Cmd(["DEL", g.choice(SORT_LISTS + SORT_SETS + SORT_ZSETS +
                                    ["w_" + g.choice(SORT_ELEMS)])])

    def sort():
        key, kind = _sort_source(g)
        ro = g.chance(0.25)
        args = ["SORT_RO" if ro else "SORT", key]
        by = None
        if g.chance(0.45):
            by = g.choice(["w_*", "w_*", "h_*->f", "h_*->g", "nosort", "w_", "*", "h_*->"])
            args += ["BY", by]
        limited = False
        if g.chance(0.35):
            limited = True
            args += ["LIMIT", g.choice(["0", "1", "2", "-1", "5", "100", "abc"]),
                     g.choice(["0", "1", "2", "3", "-1", "10", "x"])]
        for _ in range(g.rng.choice([0, 0, 1, 2])):
            args += ["GET", g.choice(["#", "w_*", "h_*->f", "h_*->g", "nostar", "h_*->"])]
        alpha = g.chance(0.4)
        if alpha:
            args.append(g.choice(["ALPHA", "alpha"]))
        if g.chance(0.35):
            args.append(g.choice(["ASC", "DESC", "desc"]))
        # Where Redis leaves the order open (see the top of the file).
        nosort = by is not None and "*" not in by
        ties_open = alpha and by is not None and not nosort and (kind != "list" or limited)
        store = not ro and not ties_open and g.chance(0.25)
        if store:
            args += ["STORE", g.choice(["dst", "dst", g.key(), g.choice(SORT_LISTS)])]
        if g.chance(0.04):
            args.append(g.choice(["LIMIT", "BY", "GET", "STORE", "FOO", "1"]))
        hash_order = nosort and not store and kind in ("set", "other")
        if ties_open or hash_order:
            return Cmd(args, mode="type" if limited else "unordered")
        return Cmd(args)

    def check_store():
        return Cmd(["LRANGE", "dst", "0", "-1"])

    table = [
        (10, build),
        (10, sort),
        (1, check_store),
        (1, lambda: Cmd(["TYPE", "dst"])),
        (1, lambda: Cmd(["OBJECT", "ENCODING", g.choice(SORT_ZSETS)])),
        (1, lambda: Cmd(["SET", g.key(), g.value()])),
    ]
    return weighted(g, table)
