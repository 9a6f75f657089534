# Differential family "list": LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP (counts)
# LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS (RANK COUNT MAXLEN) LMOVE
# RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, on the
# shared key pool so lists collide with strings (WRONGTYPE paths) and with
# each other (moves between keys, the same key as source and destination).
# Values come from a small pool so pivots, LREM and LPOS find matches; now
# and then a burst of elements or a long value makes lists span several
# nodes. Blocking commands only ever use short timeouts (10 ms) or invalid
# ones: whether or not a client may block, the reply on an empty key is the
# timeout reply. Exec'd in difftest.py's namespace (Cmd, family, weighted,
# KEYS, VALUES come from there).

LIST_VALUES = ["a", "b", "c", "a", "b", "", "1", "-1", "x" * 40, "y" * 200, b"\x00\xff"]
LIST_COUNTS = ["0", "1", "2", "3", "5", "100", "-1", "-2", "abc", "", "1.5",
               "9223372036854775807", "-9223372036854775808"]
LIST_ENDS = ["LEFT", "RIGHT", "left", "Right", "UP"]
LIST_TIMEOUTS = ["0.01", "0.01", "0.01", "0.01", "-1", "abc", "", "-0.5"]


def _list_value(g):
    r = g.rng.random()
    if r < 0.75:
        return g.choice(LIST_VALUES)
    if r < 0.97:
        return g.value()
    return g.choice(["z" * 3000, "w" * 9000])   # bigger than a node's share


@family("list")
def gen_list(g):
    """LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
    LTRIM LPOS LMOVE RPOPLPUSH LMPOP BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP"""
    k = g.key()

    def push():
        cmd = g.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
        n = g.rng.randint(1, 4)
        if g.chance(0.05):
            n = g.rng.randint(50, 400)    # a burst: several nodes
        return Cmd([cmd, k] + [_list_value(g) for _ in range(n)])

    def pop():
        args = [g.choice(["LPOP", "RPOP"]), k]
        if g.chance(0.5):
            args.append(g.choice(LIST_COUNTS))
        if g.chance(0.03):
            args.append("1")
        return Cmd(args)

    def lpos():
        args = ["LPOS", k, _list_value(g)]
        for _ in range(g.rng.randint(0, 3)):
            opt = g.choice(["RANK", "COUNT", "MAXLEN", "rank", "FOO"])
            if opt == "FOO" or g.chance(0.05):
                args.append(opt)
                continue
            if opt.upper() == "RANK":
                args += [opt, g.choice(["1", "2", "3", "-1", "-2", "-3", "0", "abc", "100",
                                        "-9223372036854775808", "9223372036854775807"])]
            else:
                args += [opt, g.choice(["0", "1", "2", "3", "10", "-1", "abc"])]
        return Cmd(args)

    def insert():
        where = g.choice(["BEFORE", "AFTER", "before", "after", "MIDDLE"])
        return Cmd(["LINSERT", k, where, _list_value(g), _list_value(g)])

    def move():
        src, dst = g.key(), g.choice([g.key(), k])
        if g.chance(0.3):
            return Cmd(["RPOPLPUSH", src, dst])
        return Cmd(["LMOVE", src, dst, g.choice(LIST_ENDS), g.choice(LIST_ENDS)])

    def mpop_tail(args):
        args.append(g.choice(LIST_ENDS + ["LEFT", "RIGHT"]))
        if g.chance(0.5):
            args += ["COUNT", g.choice(LIST_COUNTS)]
        if g.chance(0.05):
            args.append(g.choice(["COUNT", "FOO", "1"]))
        return args

    def numkeys(keys):
        n = str(len(keys))
        if g.chance(0.1):
            n = g.choice(["0", "-1", "abc", str(len(keys) + 1), str(len(keys) + 3),
                          "9223372036854775807"])
        return n

    def lmpop():
        keys = g.keys(1, 3)
        return Cmd(mpop_tail(["LMPOP", numkeys(keys)] + keys))

    def blocking():
        r = g.rng.random()
        t = g.choice(LIST_TIMEOUTS)
        if r < 0.4:
            return Cmd([g.choice(["BLPOP", "BRPOP"])] + g.keys(1, 3) + [t])
        if r < 0.6:
            return Cmd(["BLMOVE", g.key(), g.choice([g.key(), k]), g.choice(LIST_ENDS),
                        g.choice(LIST_ENDS), t])
        if r < 0.75:
            return Cmd(["BRPOPLPUSH", g.key(), g.key(), t])
        keys = g.keys(1, 3)
        return Cmd(mpop_tail(["BLMPOP", t, numkeys(keys)] + keys))

    table = [
        (14, push),
        (8, pop),
        (4, lambda: Cmd(["LLEN", k])),
        (8, lambda: Cmd(["LRANGE", k, g.index(), g.index()])),
        (3, lambda: Cmd(["LRANGE", k, "0", "-1"])),
        (5, lambda: Cmd(["LINDEX", k, g.index()])),
        (4, lambda: Cmd(["LSET", k, g.index(), _list_value(g)])),
        (4, insert),
        (4, lambda: Cmd(["LREM", k, g.choice(["0", "1", "2", "-1", "-2", "abc"]),
                         _list_value(g)])),
        (3, lambda: Cmd(["LTRIM", k, g.index(), g.index()])),
        (5, lpos),
        (5, move),
        (4, lmpop),
        (4, blocking),
        (2, lambda: Cmd(["OBJECT", "ENCODING", k])),
        (1, lambda: Cmd(["TYPE", k])),
        (2, lambda: Cmd(["SET", k, g.value()])),
        (1, lambda: Cmd(["DEL", k])),
        (1, lambda: Cmd(["EXISTS"] + g.keys(1, 3))),
    ]
    return weighted(g, table)
