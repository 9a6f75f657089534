# Differential family "hll": PFADD PFCOUNT PFMERGE PFDEBUG on the shared key
# pool, with GET comparing the HLL bytes exactly (Troupe must write the very
# bytes redis-server writes), hand-made HLL strings SET from the generator
# (valid sparse and dense ones, and corrupted ones: bad magic, bad encoding,
# wrong dense length, opcodes covering too few or too many registers, cut
# short), SETRANGE/APPEND damage to existing HLLs, plain strings for the
# WRONGTYPE paths, TTLs that PFADD/PFMERGE must keep, OBJECT ENCODING and
# hll-sparse-max-bytes changes. Exec'd in difftest.py's namespace (Cmd,
# family, weighted, KEYS, VALUES come from there).

HLL_REGISTERS = 16384
HLL_DENSE_SIZE = 16 + HLL_REGISTERS * 6 // 8
HLL_ELEMENT_SPACE = 30000   # distinct elements: enough to push keys to dense


def _hll_header(encoding, card=0, valid=True, unused=b"\x00\x00\x00"):
    card_bytes = bytearray(card.to_bytes(8, "little"))
    if not valid:
        card_bytes[7] |= 0x80
    return b"HYLL" + bytes([encoding]) + unused + bytes(card_bytes)


def _hll_sparse_ops(regs):
    """Canonical sparse opcodes for a register list (any valid encoding is
    accepted by Redis; this one is not necessarily the one it would build)."""
    out = bytearray()
    i, n = 0, len(regs)
    while i < n:
        v = regs[i]
        j = i
        while j < n and regs[j] == v:
            j += 1
        run = j - i
        if v == 0:
            while run > 0:
                if run > 64:
                    chunk = min(run, 16384)
                    out += bytes([0x40 | ((chunk - 1) >> 8), (chunk - 1) & 0xFF])
                else:
                    chunk = run
                    out.append(chunk - 1)
                run -= chunk
        else:
            while run > 0:
                chunk = min(run, 4)
                out.append(0x80 | ((v - 1) << 2) | (chunk - 1))
                run -= chunk
        i = j
    return bytes(out)


def _hll_dense_regs(regs):
    bits = 0
    for idx, v in enumerate(regs):
        bits |= (v & 63) << (6 * idx)
    return bits.to_bytes(HLL_DENSE_SIZE - 16, "little")


def _hll_random_regs(g, max_value, density):
    regs = [0] * HLL_REGISTERS
    for _ in range(density):
        pos = g.rng.randrange(HLL_REGISTERS)
        for p in range(pos, min(HLL_REGISTERS, pos + g.rng.choice([1, 1, 1, 2, 3, 5, 9]))):
            regs[p] = g.rng.randint(1, max_value)
    return regs


def _hll_crafted(g):
    """A hand-made value and whether it may be damaged (see _hll_state):
    valid HLLs (sparse or dense), strings that are no HLL at all, and sparse
    HLLs whose opcodes are broken."""
    r = g.rng.random()
    card = g.rng.choice([0, 1, 3, 1000, 2 ** 40, 2 ** 63 - 1])
    valid_cache = g.chance(0.3)
    if r < 0.35:
        regs = _hll_random_regs(g, 32, g.rng.choice([0, 1, 3, 10, 60, 300]))
        return _hll_header(1, card, valid_cache) + _hll_sparse_ops(regs), False
    if r < 0.55:
        regs = _hll_random_regs(g, g.choice([32, 51, 63]), g.rng.choice([0, 5, 200, 3000]))
        return _hll_header(0, card, valid_cache) + _hll_dense_regs(regs), False
    regs = _hll_random_regs(g, 32, g.rng.choice([1, 5, 30]))
    ops = _hll_sparse_ops(regs)
    kind = g.choice(["magic", "encoding", "dense_len", "short", "long", "cut_xzero",
                     "header_only", "tiny", "val_overflow", "unused_bytes"])
    if kind == "magic":
        return b"HYLX" + _hll_header(1, card, valid_cache)[4:] + ops, False
    if kind == "encoding":
        return _hll_header(g.choice([2, 3, 255]), card, valid_cache) + ops, False
    if kind == "dense_len":
        return (_hll_header(0, card, valid_cache) + b"\x00" * g.choice([0, 10, 12287, 12289]),
                False)
    if kind == "tiny":
        return g.choice([b"HYLL", b"HYLL\x01", b"HYLL" + b"\x00" * 11]), False
    if kind == "unused_bytes":   # valid: the unused header bytes are kept as they are
        return _hll_header(1, card, valid_cache, unused=b"ab\xff") + ops, False
    if kind == "short":   # opcodes covering fewer registers than 16384
        v = _hll_header(1, card, valid_cache) + ops[:g.rng.randint(0, max(0, len(ops) - 1))]
    elif kind == "long":    # more registers than 16384
        v = _hll_header(1, card, valid_cache) + ops + g.choice([b"\x00", b"\x80", b"\x7f\xff"])
    elif kind == "cut_xzero":   # an XZERO whose second byte is missing
        v = _hll_header(1, card, valid_cache) + ops + b"\x40"
    elif kind == "header_only":
        v = _hll_header(1, card, valid_cache)
    else:   # val_overflow: a VAL run past the last register
        v = _hll_header(1, card, valid_cache) + bytes([0x7F, 0xFE, 0x83])
    return v, True


def _hll_elements(g):
    r = g.rng.random()
    if r < 0.1:
        return []
    if r < 0.5:
        n = g.rng.randint(1, 5)
    elif r < 0.85:
        n = g.rng.randint(5, 60)
    else:
        n = g.rng.randint(60, 400)
    out = []
    for _ in range(n):
        x = g.rng.random()
        if x < 0.9:
            out.append(f"e{g.rng.randrange(HLL_ELEMENT_SPACE)}")
        elif x < 0.95:
            out.append(g.choice(VALUES))
        else:
            out.append(bytes(g.rng.randrange(256) for _ in range(g.rng.randint(0, 12))))
    return out


# Keys whose bytes may end in an XZERO cut short ("damaged": crafted broken
# values, SETRANGE, APPEND) read their missing byte past the end, where Redis
# reads its string's terminator. Redis's own edit of such a value can leave a
# non-zero byte there that it reads in later commands; Troupe stores only the
# value's bytes (actors/shard/types/hll.h). So after one HLL write to a
# damaged key ("tainted") the generator only reads its bytes (GET, STRLEN,
# OBJECT ENCODING) or replaces it, and never reads it as an HLL again. Other
# families' SETRANGE/APPEND/SETBIT on HLL keys escape this bookkeeping; the
# divergence then needs a split of an XZERO cut short at the very end followed
# by a read past it, and mixed runs (strings,bits,keys,expire,errors,server,
# hll for 100 seeds x 2000 steps) stayed green.
def _hll_state(g):
    if not hasattr(g, "hll_state"):
        g.hll_state = {}
    return g.hll_state


def _hll_usable(g, keys):
    """The keys, minus tainted ones (replaced with an absent key)."""
    state = _hll_state(g)
    return [x if state.get(x) != "tainted" else "nokey" for x in keys]


@family("hll")
def gen_hll(g):
    """PFADD PFCOUNT PFMERGE PFDEBUG, GET of the HLL bytes, crafted and damaged
    HLL strings, WRONGTYPE paths, TTL kept, OBJECT ENCODING"""
    k = g.key()
    state = _hll_state(g)

    def written():   # an HLL write to k
        if state.get(k) == "damaged":
            state[k] = "tainted"

    def set_crafted():
        value, damaged = _hll_crafted(g)
        if damaged:
            state[k] = "damaged"
        else:
            state.pop(k, None)
        return Cmd(["SET", k, value])

    def set_plain():
        state.pop(k, None)
        return Cmd(["SET", k, g.value()])

    def delete():
        state.pop(k, None)
        return Cmd(["DEL", k])

    if state.get(k) == "tainted":
        return weighted(g, [
            (4, lambda: Cmd(["GET", k])),
            (1, lambda: Cmd(["STRLEN", k])),
            (1, lambda: Cmd(["OBJECT", "ENCODING", k])),
            (3, set_crafted),
            (2, set_plain),
            (2, delete),
        ])

    def pfadd():
        written()
        return Cmd(["PFADD", k] + _hll_elements(g))

    def pfmerge():
        written()
        return Cmd(["PFMERGE", k] + _hll_usable(g, g.keys(0, 3)))

    def damage(cmd):
        state[k] = "damaged"
        return cmd

    def pfdebug():
        sub = g.choice(["ENCODING", "encoding", "DECODE", "DECODE", "TODENSE", "GETREG", "FOO"])
        return Cmd(["PFDEBUG", sub, g.choice([k, k, "nokey"])])

    def copy():
        dst = _hll_usable(g, [g.key()])[0]
        if "damaged" in (state.get(k), state.get(dst)):
            state[dst] = "damaged"
        return Cmd(["COPY", k, dst, "REPLACE"])

    def config_sparse_max():
        return Cmd(["CONFIG", "SET", "hll-sparse-max-bytes",
                    g.choice(["3000", "3000", "3000", "0", "40", "300", "1000", "abc", "-1"])])

    table = [
        (30, pfadd),
        (10, lambda: Cmd(["PFCOUNT", k])),
        (5, lambda: Cmd(["PFCOUNT"] + _hll_usable(g, g.keys(2, 4)))),
        (6, pfmerge),
        (12, lambda: Cmd(["GET", k])),
        (4, set_crafted),
        (1, set_plain),
        (2, lambda: damage(Cmd(["SETRANGE", k,
                                g.choice(["4", "15", "16", "17", "20", "100", "3000"]),
                                g.choice([b"\x00", b"\x80", b"\x7f", b"\xff", b"\x40\x00",
                                          b"x"])]))),
        (1, lambda: damage(Cmd(["APPEND", k, g.choice([b"\x00", b"\x80", b"\x7f\xff", b"ab"])]))),
        (3, pfdebug),
        (3, lambda: Cmd(["OBJECT", "ENCODING", k])),
        (2, lambda: Cmd(["STRLEN", k])),
        (2, lambda: Cmd(["EXPIRE", k, g.rel_seconds()])),
        (2, lambda: Cmd(["TTL", k], mode="ttl", tolerance=2)),
        (2, delete),
        (1, copy),
        (0.5, config_sparse_max),
        (0.5, lambda: Cmd(["COMMAND", "INFO",
                           g.choice(["pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"])],
                          mode="cmdinfo")),
    ]
    return weighted(g, table)
