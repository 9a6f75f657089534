# Differential family "zset": every sorted-set command (ZADD with NX XX GT LT
# CH INCR, ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE, ZRANK,
# ZREVRANK, ZRANGE with BYSCORE BYLEX REV LIMIT WITHSCORES, ZRANGESTORE,
# ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZREMRANGEBYRANK/SCORE/LEX,
# ZPOPMIN, ZPOPMAX, BZPOPMIN, BZPOPMAX, ZMPOP, BZMPOP, ZRANDMEMBER, ZUNION,
# ZINTER, ZDIFF, their STORE forms, ZINTERCARD, ZSCAN), OBJECT ENCODING and
# CONFIG SET of zset-max-listpack-entries/-value. Exec'd in difftest.py's
# namespace (Cmd, family, weighted, shape, KEYS, VALUES come from there).
#
# Three key pools keep every comparison exact:
#   shared  difftest's KEYS (k0..k7), which the other families also write,
#           so WRONGTYPE paths run. At most 15 members of at most 3 bytes:
#           these sets stay listpacks (the CONFIG SETs below never go under
#           16 entries / 4 bytes), where Redis's lexicographic ranges are
#           deterministic even over mixed scores.
#   lex     lx0..lx2: every score is 0 (bulk adds of 130+ members and long
#           members make skiplists), so lexicographic ranges over skiplists
#           are well defined. Store commands write here only from here.
#   big     bg0..bg1: skiplists with mixed scores (bulk adds, long members);
#           everything but lexicographic ranges, which Redis leaves
#           unspecified there (the answer depends on random node levels).
# Random replies (ZRANDMEMBER) are compared in mode "zrandom": same shape,
# distinct where Redis promises it (members may come from other families
# that write the same keys, so they are not checked against a universe),
# one score per member across both replies; exactly when a positive count
# exceeds the set (the whole set comes back in a fixed order). ZSCAN over a whole set is driven
# to completion on each side (mode "scan", args starting with ZSCAN) and the
# (member, score) sets compared.

import dataclasses

ZS_MEMBERS = ["a", "b", "c", "d", "e", "aa", "ab", "ba", "m1", "m2", "10", "2", "", "-1",
              "z\u00e9"]
ZS_LONG = ["L" + "x" * 70 + str(i) for i in range(3)]
ZS_LEX_KEYS = ["lx0", "lx1", "lx2"]
ZS_BIG_KEYS = ["bg0", "bg1"]
ZS_BULK = ["m%03d" % i for i in range(300)]
ZS_SCORES = ["0", "1", "2", "3", "-1", "1.5", "2.5", "0.1", "0.2", "0.3", "-0", "10", "100",
             "1e10", "3.0", "-2.25", "inf", "-inf", "+inf", "1e308", "4.9e-324", "1e-300",
             "123456789.123456789", "0.30000000000000004"]
ZS_BAD_SCORES = ["abc", "nan", "", " 1", "1 ", "1e400", "0x10", "1.5.5", "-nan", "(1"]
ZS_SCORE_BOUNDS = ["-inf", "+inf", "inf", "0", "1", "(1", "(0", "2", "(2", "1.5", "(1.5", "-1",
                   "(-inf", "(+inf", "3", "(3", "10", "100", "-0", "0.1", "(0.3"]
ZS_BAD_SCORE_BOUNDS = ["abc", "(abc", "", "(", " 1", "0x1", "nan", "(nan", "1e400", "1 ",
                       "((1", "[1"]
ZS_LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[aa", "(ab", "[c", "(c", "[m1", "(m2",
                 "[", "(", "[z", "(10", "[2", "[m100", "(m150", "[m2", "(L"]
ZS_BAD_LEX_BOUNDS = ["a", "+a", "-x", "", "b]", "!a"]
ZS_OFFSETS = ["0", "1", "2", "3", "-1", "5", "10", "abc", "-5", "100", "200", "1.5"]
ZS_COUNTS = ["0", "1", "2", "3", "5", "-1", "-3", "10", "100", "abc", "", "1.5",
             "9223372036854775807", "-9223372036854775808"]
ZS_TIMEOUTS = ["0.01", "0.01", "0.02", "abc", "-1", ""]  # (TimeoutArg: see report on 1e400)
ZS_SCAN_PATTERNS = ["*", "a*", "?", "[ab]", "*1*", "m0*", "nomatch", "[", "\\a", "L*"]
ZS_SCAN_COUNTS = ["1", "2", "5", "10", "1000", "0", "-1", "abc"]


def _zs_b(x):
    return x if isinstance(x, bytes) else str(x).encode()




@dataclasses.dataclass
class ZRandomCmd(Cmd):
    """ZRANDMEMBER, compared in mode "zrandom"."""
    distinct: bool = False      # members never repeat in one reply
    withscores: bool = False


def _zs_random_elements(cmd, reply):
    """[(member, score-or-None)] of a ZRANDMEMBER reply, None when it is not
    an array (errors and nil compare exactly / by shape)."""
    t, v = reply[0], reply[1]
    if t in ("$", "="):
        return [(v, None)] if v is not None else []
    if t != "*" or v is None:
        return None
    if not cmd.withscores:
        return [(x[1], None) for x in v]
    if v and v[0][0] == "*":   # RESP3 pairs
        return [(p[1][0][1], p[1][1][1]) for p in v]
    return [(v[i][1], v[i + 1][1]) for i in range(0, len(v), 2)]


def _zs_random_equal(cmd, a, b):
    if a[0] in ("-", "closed", "!") or b[0] in ("-", "closed", "!"):
        return a == b
    if shape(a) != shape(b):
        return False
    # Fewer elements than a positive count asked for: the whole set, which
    # Redis returns in a fixed order (highest score first).
    elems = _zs_random_elements(cmd, a)
    if cmd.distinct and elems is not None and len(elems) < int(cmd.args[2]):
        return a == b
    seen = {}
    for reply in (a, b):
        elems = _zs_random_elements(cmd, reply)
        if elems is None:
            continue
        if cmd.distinct and len({e for e, _ in elems}) != len(elems):
            return False
        for e, score in elems:
            if score is not None and seen.setdefault(e, score) != score:
                return False
    return True


_zs_prev_replies_equal = replies_equal


def replies_equal(cmd, a, b):   # noqa: F811  (wraps the previous definition)
    if cmd.mode == "zrandom":
        return _zs_random_equal(cmd, a, b)
    return _zs_prev_replies_equal(cmd, a, b)


def _zs_install_scan():
    """Wraps difftest's full_scan (defined after the families are exec'd, so
    this runs from the generator, before the first command is sent)."""
    global full_scan, _zs_prev_full_scan
    if full_scan is not _zs_full_scan:
        _zs_prev_full_scan = full_scan
        full_scan = _zs_full_scan


def _zs_full_scan(side, opts):
    """ZSCAN key [opts] to completion: ('scan', sorted (member, score))."""
    if not opts or str(opts[0]).upper() != "ZSCAN":
        return _zs_prev_full_scan(side, opts)
    key, rest = opts[1], list(opts[2:])
    cursor, found = "0", set()
    for _ in range(SCAN_MAX_CALLS):
        reply = side.call(["ZSCAN", key, cursor] + rest)
        if reply[0] != "*":
            return reply
        items = reply[1]
        if (items is None or len(items) != 2 or items[0][0] != "$" or items[0][1] is None
                or items[1][0] != "*" or items[1][1] is None):
            return ("badscan", reply)
        cursor = items[0][1].decode()
        elems = [x[1] for x in items[1][1]]
        if len(elems) % 2:
            return ("badscan", reply)
        found.update(zip(elems[::2], elems[1::2]))
        if cursor == "0":
            return ("scan", sorted(found))
    return ("scan-did-not-finish", len(found))


@family("zset")
def gen_zset(g):
    """ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK
    ZRANGE ZRANGESTORE ZREVRANGE Z[REV]RANGEBYSCORE Z[REV]RANGEBYLEX
    ZREMRANGEBYRANK/SCORE/LEX ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP BZMPOP
    ZRANDMEMBER ZUNION ZINTER ZDIFF (STORE) ZINTERCARD ZSCAN"""
    _zs_install_scan()
    r = g.rng.random()
    pool = "shared" if r < 0.6 else "lex" if r < 0.8 else "big"

    def key():
        if pool == "lex":
            return g.choice(ZS_LEX_KEYS)
        if pool == "big":
            return g.choice(ZS_BIG_KEYS)
        return g.key()

    def src_key():
        """A key a store command may read (big stores read shared keys too)."""
        if pool == "big" and g.chance(0.3):
            return g.key()
        return key()

    def member():
        if pool == "shared":
            return g.choice(ZS_MEMBERS)
        x = g.rng.random()
        if x < 0.1:
            return g.choice(ZS_LONG)
        if x < 0.4:
            return g.choice(ZS_MEMBERS)
        return g.choice(ZS_BULK)

    def score():
        if pool == "lex":
            return "0"
        if g.chance(0.04):
            return g.choice(ZS_BAD_SCORES)
        return g.choice(ZS_SCORES)

    def score_bound():
        return g.choice(ZS_BAD_SCORE_BOUNDS) if g.chance(0.05) else g.choice(ZS_SCORE_BOUNDS)

    def lex_bound():
        return g.choice(ZS_BAD_LEX_BOUNDS) if g.chance(0.05) else g.choice(ZS_LEX_BOUNDS)

    k = key()

    def zadd():
        args = ["ZADD", k]
        opts = []
        if pool != "lex":
            for opt in ("NX", "XX", "GT", "LT", "CH", "INCR"):
                if g.chance(0.12):
                    opts.append(opt if g.chance(0.8) else opt.lower())
            g.rng.shuffle(opts)
        else:
            for opt in ("NX", "XX", "CH"):
                if g.chance(0.1):
                    opts.append(opt)
        args += opts
        n = 1 if "INCR" in opts and g.chance(0.8) else g.rng.randint(1, 4)
        for _ in range(n):
            args += [score(), member()]
        if g.chance(0.03):
            args.pop()
        return Cmd(args)

    def bulk():
        members = g.rng.sample(ZS_BULK, g.rng.randint(120, 200))
        args = ["ZADD", k]
        for m in members:
            args += ["0" if pool == "lex" else g.choice(ZS_SCORES[:16]), m]
        return Cmd(args)

    def zincrby():
        inc = "0" if pool == "lex" else score()
        return Cmd(["ZINCRBY", k, inc, member()])

    def zrange_args(kind):
        """(range args, options) for ZRANGE-like commands of `kind`."""
        if kind == "rank":
            return [g.index(), g.index()]
        if kind == "score":
            return [score_bound(), score_bound()]
        return [lex_bound(), lex_bound()]

    def limit_opt():
        return ["LIMIT", g.choice(ZS_OFFSETS), g.choice(ZS_OFFSETS + ["-1", "-1"])]

    def zrange(store=False):
        kinds = ["rank", "score"] + (["lex"] if pool != "big" else [])
        kind = g.choice(kinds)
        opts = []
        if kind == "score":
            opts.append(g.choice(["BYSCORE", "byscore"]))
        elif kind == "lex":
            opts.append("BYLEX")
        if g.chance(0.3):
            opts.append("REV")
        if g.chance(0.3 if kind != "rank" else 0.05):
            opts += limit_opt()
        if not store and g.chance(0.4) and (kind != "lex" or g.chance(0.1)):
            opts.append("WITHSCORES")
        if g.chance(0.04):
            opts.append(g.choice(["BYSCORE", "BYLEX", "REV", "FOO", "LIMIT", "WITHSCORES"]))
        g.rng.shuffle(opts) if g.chance(0.2) else None
        if store:
            return Cmd(["ZRANGESTORE", key(), src_key()] + zrange_args(kind) + opts)
        return Cmd(["ZRANGE", k] + zrange_args(kind) + opts)

    def legacy_range():
        names = ["ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]
        if pool != "big":
            names += ["ZRANGEBYLEX", "ZREVRANGEBYLEX"]
        name = g.choice(names)
        kind = "rank" if name == "ZREVRANGE" else "score" if "SCORE" in name else "lex"
        opts = []
        if kind != "lex" and g.chance(0.4):
            opts.append("WITHSCORES")
        if kind != "rank" and g.chance(0.3):
            opts += limit_opt()
        if g.chance(0.05):
            opts.append(g.choice(["WITHSCORES", "LIMIT", "REV", "BYSCORE", "FOO"]))
        g.rng.shuffle(opts) if g.chance(0.2) else None
        return Cmd([name, k] + zrange_args(kind) + opts)

    def zremrange():
        names = ["ZREMRANGEBYRANK", "ZREMRANGEBYSCORE"] + (["ZREMRANGEBYLEX"] if pool != "big"
                                                           else [])
        name = g.choice(names)
        kind = "rank" if "RANK" in name else "score" if "SCORE" in name else "lex"
        return Cmd([name, k] + zrange_args(kind))

    def zpop():
        args = [g.choice(["ZPOPMIN", "ZPOPMAX"]), k]
        if g.chance(0.6):
            args.append(g.choice(ZS_COUNTS[:12]))
        if g.chance(0.03):
            args.append("1")
        return Cmd(args)

    def bzpop():
        keys = [key() for _ in range(g.rng.randint(1, 3))]
        return Cmd([g.choice(["BZPOPMIN", "BZPOPMAX"])] + keys + [g.choice(ZS_TIMEOUTS)])

    def mpop_tail(keys):
        numkeys = str(len(keys))
        if g.chance(0.08):
            numkeys = g.choice(["0", "-1", "abc", str(len(keys) + 1), str(len(keys) + 5)])
        args = [numkeys] + keys + [g.choice(["MIN", "MAX", "min", "max"] if g.chance(0.95)
                                            else ["FOO", "MINN"])]
        if g.chance(0.5):
            args += ["COUNT", g.choice(["1", "2", "3", "10", "0", "-1", "abc"])]
        if g.chance(0.04):
            args += [g.choice(["COUNT", "FOO"])]
        return args

    def zmpop():
        keys = [key() for _ in range(g.rng.randint(1, 3))]
        return Cmd(["ZMPOP"] + mpop_tail(keys))

    def bzmpop():
        keys = [key() for _ in range(g.rng.randint(1, 3))]
        return Cmd(["BZMPOP", g.choice(ZS_TIMEOUTS)] + mpop_tail(keys))

    def zrandmember():
        args = ["ZRANDMEMBER", k]
        if g.chance(0.25):
            return ZRandomCmd(args, mode="zrandom")
        withscores = g.chance(0.5)
        # Huge counts only where Redis refuses them (a valid huge negative
        # count would make both servers reply ~2^62 elements).
        huge = ["-9223372036854775808", "9223372036854775807"]
        if withscores:
            huge += ["4611686018427387904", "-4611686018427387904"]
        count = g.choice(ZS_COUNTS[:12] + huge)
        args.append(count)
        if withscores:
            args.append(g.choice(["WITHSCORES", "withscores", "WITHSCORES", "FOO"]))
        if g.chance(0.03):
            args.append("WITHSCORES")
        try:
            distinct = int(count) > 0
        except ValueError:
            distinct = False
        withscores = len(args) == 4 and args[3].upper() == "WITHSCORES"
        return ZRandomCmd(args, mode="zrandom", distinct=distinct, withscores=withscores)

    def setop():
        op = g.choice(["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE",
                       "ZDIFFSTORE", "ZINTERCARD"])
        store = op.endswith("STORE")
        keys = [src_key() for _ in range(g.rng.randint(1, 3))]
        numkeys = str(len(keys))
        if g.chance(0.06):
            numkeys = g.choice(["0", "-1", "abc", str(len(keys) + 2)])
        args = [op] + ([key()] if store else []) + [numkeys] + keys
        if op == "ZINTERCARD":
            if g.chance(0.4):
                args += ["LIMIT", g.choice(["0", "1", "2", "-1", "abc"])]
        else:
            if op not in ("ZDIFF", "ZDIFFSTORE") or g.chance(0.05):
                if g.chance(0.4):
                    w = ["1", "2", "0", "-1", "0.5", "inf", "-inf", "3"]
                    args += ["WEIGHTS"] + [g.choice(w) for _ in keys]
                    if g.chance(0.05):
                        args[-1] = g.choice(["abc", "", "nan"])
                if g.chance(0.4):
                    args += ["AGGREGATE", g.choice(["SUM", "MIN", "MAX", "min", "FOO"])]
            if not store and g.chance(0.5):
                args.append("WITHSCORES")
        if g.chance(0.04):
            args.append(g.choice(["WITHSCORES", "WEIGHTS", "AGGREGATE", "LIMIT", "FOO"]))
        return Cmd(args)

    def zscan():
        opts = []
        if g.chance(0.5):
            opts += ["MATCH", g.choice(ZS_SCAN_PATTERNS)]
        if g.chance(0.5):
            opts += ["COUNT", g.choice(ZS_SCAN_COUNTS)]
        if g.chance(0.05):
            opts.append(g.choice(["MATCH", "COUNT", "TYPE", "FOO"]))
        if g.chance(0.08):
            return Cmd(["ZSCAN", k, g.choice(["abc", "-1", "18446744073709551616", " 0", ""])] +
                       opts, mode="scanonce")
        return Cmd(["ZSCAN", k] + opts, mode="scan")

    def config():
        if g.chance(0.5):
            return Cmd(["CONFIG", "SET", g.choice(["zset-max-listpack-entries",
                                                   "zset-max-ziplist-entries"]),
                        g.choice(["16", "32", "200", "128", "128", "128"])])
        return Cmd(["CONFIG", "SET", g.choice(["zset-max-listpack-value",
                                               "zset-max-ziplist-value"]),
                    g.choice(["4", "16", "80", "64", "64", "64"])])

    def arity():
        return Cmd(g.choice([["ZADD", k], ["ZADD", k, "1"], ["ZINCRBY", k, "1"], ["ZREM", k],
                             ["ZCARD"], ["ZCARD", k, "x"], ["ZSCORE", k], ["ZRANGE", k, "0"],
                             ["ZRANGESTORE", k, k, "0"], ["ZPOPMIN"], ["BZPOPMIN", k],
                             ["ZMPOP", "1", k], ["BZMPOP", "0.01", "1", k], ["ZUNION", "1"],
                             ["ZUNIONSTORE", k, "1"], ["ZINTERCARD", "1"], ["ZSCAN", k],
                             ["ZRANDMEMBER"], ["ZMSCORE", k], ["ZLEXCOUNT", k, "-"],
                             ["ZRANK", k], ["ZREVRANK", k, "a", "b"]]))

    def other_type():
        if pool == "shared":
            return Cmd(g.choice([["SET", k, g.value()], ["SADD", k, g.choice(ZS_MEMBERS)],
                                 ["SADD", k, g.choice(ZS_MEMBERS), g.choice(ZS_MEMBERS)],
                                 ["DEL", k]]))
        return Cmd(g.choice([["SET", k, "x"], ["DEL", k], ["DEL", k], ["DEL", k]]))

    table = [
        (14, zadd),
        (1 if pool != "shared" else 0, bulk),
        (4, zincrby),
        (5, lambda: Cmd(["ZREM", k] + [member() for _ in range(g.rng.randint(1, 3))])),
        (3, lambda: Cmd(["ZCARD", k])),
        (3, lambda: Cmd(["ZCOUNT", k, score_bound(), score_bound()])),
        (3 if pool != "big" else 0, lambda: Cmd(["ZLEXCOUNT", k, lex_bound(), lex_bound()])),
        (4, lambda: Cmd(["ZSCORE", k, member()])),
        (2, lambda: Cmd(["ZMSCORE", k] + [member() for _ in range(g.rng.randint(1, 3))])),
        (3, lambda: Cmd([g.choice(["ZRANK", "ZREVRANK"]), k, member()])),
        (10, zrange),
        (3, lambda: zrange(store=True)),
        (6, legacy_range),
        (4, zremrange),
        (4, zpop),
        (2, bzpop),
        (2, zmpop),
        (1, bzmpop),
        (3, zrandmember),
        (7, setop),
        (3, zscan),
        (3, lambda: Cmd(["OBJECT", "ENCODING", k])),
        (1, lambda: Cmd(["TYPE", k])),
        (0.3, config),
        (1, arity),
        (2, other_type),
    ]
    return weighted(g, table)
