# Differential family "pubsub": SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE
# SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB CHANNELS|NUMSUB|NUMPAT|
# SHARDCHANNELS|SHARDNUMSUB|HELP and PING, on the run's one connection, so
# every count is that connection's own subscriptions: deterministic on both
# sides. In RESP2 a subscribed connection answers other commands with the
# subscribed-context error (on both sides alike); in RESP3 confirmations are
# push frames. Exec'd in difftest.py's namespace (Cmd, family, weighted).
#
# The tester reads one reply per command, so the family only sends commands
# with exactly one reply: one channel per (un)subscription, and an argument-
# less (P|S)UNSUBSCRIBE only while the connection holds at most one
# subscription of that kind. It tracks what it subscribed to in a model on
# the Gen object; reconnects (QUIT from another family) can only drop
# subscriptions, so the model never undercounts. It never publishes where
# its own subscriptions would hear it: Redis writes a RESP3 client's own
# pushes before the PUBLISH reply, Troupe after it, and the tester compares
# replies in order.

PS_CHANNELS = ["ch1", "ch2", "news.art", "news.sport", "k0"]
PS_PATTERNS = ["ch*", "c?2", "news.*", "n[ae]ws.*", "x*"]
PS_SHARD = ["s1", "s2", "k1", "{tag}a"]
PS_LONELY = "zz-nobody"   # matched by no channel or pattern of the pool


def _ps_model(g):
    st = getattr(g, "_pubsub", None)
    if st is None:
        st = {"ch": set(), "pat": [], "shard": set()}
        g._pubsub = st
    return st


@family("pubsub")
def gen_pubsub(g):
    """SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
    PUBLISH SPUBLISH PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP
    PING, one connection's own subscriptions"""
    st = _ps_model(g)
    classic = len(st["ch"]) + len(st["pat"])

    def subscribe():
        ch = g.choice(PS_CHANNELS)
        st["ch"].add(ch)
        return Cmd(["SUBSCRIBE", ch])

    def unsubscribe():
        if g.chance(0.3) and len(st["ch"]) <= 1:
            st["ch"].clear()
            return Cmd(["UNSUBSCRIBE"])
        ch = g.choice(PS_CHANNELS + [PS_LONELY])
        st["ch"].discard(ch)
        return Cmd(["UNSUBSCRIBE", ch])

    def psubscribe():
        p = g.choice(PS_PATTERNS)
        if p not in st["pat"]:
            st["pat"].append(p)
        return Cmd(["PSUBSCRIBE", p])

    def punsubscribe():
        if g.chance(0.3) and len(st["pat"]) <= 1:
            st["pat"].clear()
            return Cmd(["PUNSUBSCRIBE"])
        p = g.choice(PS_PATTERNS + ["nope*"])
        if p in st["pat"]:
            st["pat"].remove(p)
        return Cmd(["PUNSUBSCRIBE", p])

    def ssubscribe():
        s = g.choice(PS_SHARD)
        st["shard"].add(s)
        return Cmd(["SSUBSCRIBE", s])

    def sunsubscribe():
        if g.chance(0.3) and len(st["shard"]) <= 1:
            st["shard"].clear()
            return Cmd(["SUNSUBSCRIBE"])
        s = g.choice(PS_SHARD + ["s9"])
        st["shard"].discard(s)
        return Cmd(["SUNSUBSCRIBE", s])

    def publish():
        # Anywhere while nothing listens; otherwise only where nothing matches.
        ch = g.choice(PS_CHANNELS) if classic == 0 else PS_LONELY
        return Cmd(["PUBLISH", ch, g.value()])

    def spublish():
        free = [s for s in PS_SHARD + ["s9"] if s not in st["shard"]]
        return Cmd(["SPUBLISH", g.choice(free), g.value()])

    def numsub():
        n = g.rng.randint(0, 3)
        return Cmd(["PUBSUB", "NUMSUB"] + [g.choice(PS_CHANNELS + [PS_LONELY]) for _ in range(n)])

    def shardnumsub():
        n = g.rng.randint(0, 3)
        return Cmd(["PUBSUB", "SHARDNUMSUB"] + [g.choice(PS_SHARD) for _ in range(n)])

    def channels():
        args = ["PUBSUB", g.choice(["CHANNELS", "SHARDCHANNELS"])]
        if g.chance(0.6):
            args.append(g.choice(PS_PATTERNS + ["*", "s*", "k?", "nomatch"]))
        return Cmd(args, mode="unordered")

    def bad():
        return Cmd(g.choice([
            ["SUBSCRIBE"], ["PSUBSCRIBE"], ["SSUBSCRIBE"], ["PUBLISH", "ch1"],
            ["SPUBLISH", "s1"], ["PUBSUB"], ["PUBSUB", "NOPE"], ["PUBSUB", "CHANNELS", "a", "b"],
            ["PUBSUB", "SHARDCHANNELS", "a", "b"], ["PUBSUB", "NUMPAT", "x"],
            ["PUBSUB", "HELP", "x"], ["PUBLISH", "ch1", "a", "b"]]))

    table = [
        (10, subscribe), (12, unsubscribe), (8, psubscribe), (10, punsubscribe),
        (6, ssubscribe), (8, sunsubscribe), (6, publish), (4, spublish), (6, numsub),
        (4, shardnumsub), (6, channels),
        (4, lambda: Cmd(["PUBSUB", "NUMPAT"])),
        (1, lambda: Cmd(["PUBSUB", "HELP"])),
        (4, lambda: Cmd(["PING"] + ([g.value()] if g.chance(0.5) else []))),
        (3, lambda: Cmd(["GET", g.key()])),   # the subscribed-context error in RESP2
        (3, bad),
    ]
    return weighted(g, table)
