# End-to-end tests of the bit commands: SETBIT, GETBIT, BITCOUNT (BYTE|BIT),
# BITPOS (BYTE|BIT), BITOP AND/OR/XOR/NOT, BITFIELD (GET/SET/INCRBY,
# OVERFLOW WRAP/SAT/FAIL, #N offsets) and BITFIELD_RO, as redis-server 7.0.15.

from harness import OK, NIL, err, integer, bulk, array

SYNTAX = err("ERR syntax error")
NOT_INT = err("ERR value is not an integer or out of range")
BAD_OFFSET = err("ERR bit offset is not an integer or out of range")
BAD_TYPE = err("ERR Invalid bitfield type. Use something like i16 u8. "
               "Note that u64 is not supported but i64 is.")


def test_setbit_getbit(raw):
    assert raw.call("SETBIT", "k", "7", "1") == integer(0)
    assert raw.call("SETBIT", "k", "7", "1") == integer(1)
    assert raw.call("GET", "k") == bulk(b"\x01")
    assert raw.call("GETBIT", "k", "7") == integer(1)
    assert raw.call("GETBIT", "k", "6") == integer(0)
    assert raw.call("GETBIT", "k", "1000") == integer(0)
    assert raw.call("GETBIT", "nokey", "0") == integer(0)
    assert raw.call("SETBIT", "k", "0", "1") == integer(0)
    assert raw.call("GET", "k") == bulk(b"\x81")
    assert raw.call("SETBIT", "k", "23", "1") == integer(0)
    assert raw.call("GET", "k") == bulk(b"\x81\x00\x01")
    assert raw.call("SETBIT", "k", "0", "0") == integer(1)
    assert raw.call("GET", "k") == bulk(b"\x01\x00\x01")
    assert raw.call("SETBIT", "k", "0", "2") == err("ERR bit is not an integer or out of range")
    assert raw.call("SETBIT", "k", "0", "x") == err("ERR bit is not an integer or out of range")
    assert raw.call("SETBIT", "k", "-1", "1") == BAD_OFFSET
    assert raw.call("SETBIT", "k", "4294967296", "1") == BAD_OFFSET
    assert raw.call("SETBIT", "k", "x", "1") == BAD_OFFSET
    assert raw.call("GETBIT", "k", "-1") == BAD_OFFSET
    assert raw.call("GETBIT", "k", "x") == BAD_OFFSET
    assert raw.call("SETBIT", "k", "1") == err("ERR wrong number of arguments for 'setbit' command")


def test_bitcount(raw):
    assert raw.call("SET", "k", "foobar") == OK
    assert raw.call("BITCOUNT", "k") == integer(26)
    assert raw.call("BITCOUNT", "k", "0", "0") == integer(4)
    assert raw.call("BITCOUNT", "k", "1", "1") == integer(6)
    assert raw.call("BITCOUNT", "k", "0", "-1", "BYTE") == integer(26)
    assert raw.call("BITCOUNT", "k", "5", "30", "BIT") == integer(17)
    assert raw.call("BITCOUNT", "k", "-2", "-1") == integer(7)
    assert raw.call("BITCOUNT", "k", "3", "1") == integer(0)
    assert raw.call("BITCOUNT", "k", "100", "200") == integer(0)
    assert raw.call("BITCOUNT", "nokey") == integer(0)
    assert raw.call("BITCOUNT", "k", "0") == SYNTAX
    assert raw.call("BITCOUNT", "k", "0", "1", "BITS") == SYNTAX
    assert raw.call("BITCOUNT", "k", "a", "1") == NOT_INT


def test_bitpos(raw):
    assert raw.call("SET", "m", b"\xff\xf0\x00") == OK
    assert raw.call("BITPOS", "m", "0") == integer(12)
    assert raw.call("BITPOS", "m", "1") == integer(0)
    assert raw.call("BITPOS", "m", "1", "2") == integer(-1)
    assert raw.call("BITPOS", "m", "0", "1") == integer(12)
    assert raw.call("BITPOS", "m", "1", "1", "-1") == integer(8)
    assert raw.call("BITPOS", "m", "0", "0", "-1", "BIT") == integer(12)
    assert raw.call("BITPOS", "m", "1", "7", "15", "BIT") == integer(7)
    assert raw.call("BITPOS", "m", "0", "2", "100", "BIT") == integer(12)
    assert raw.call("BITPOS", "m", "1", "12", "-1", "BIT") == integer(-1)
    assert raw.call("SET", "f", b"\xff\xff") == OK
    # looking for 0 without an end: the bit right after the string
    assert raw.call("BITPOS", "f", "0") == integer(16)
    assert raw.call("BITPOS", "f", "0", "0") == integer(16)
    # ... but with an explicit end the range is final
    assert raw.call("BITPOS", "f", "0", "0", "-1") == integer(-1)
    assert raw.call("BITPOS", "f", "0", "0", "1", "BIT") == integer(-1)
    assert raw.call("SET", "z", b"\x00\x00") == OK
    assert raw.call("BITPOS", "z", "1") == integer(-1)
    assert raw.call("BITPOS", "nokey", "0") == integer(0)
    assert raw.call("BITPOS", "nokey", "1") == integer(-1)
    assert raw.call("BITPOS", "m", "2") == err("ERR The bit argument must be 1 or 0.")
    assert raw.call("BITPOS", "m", "1", "0", "1", "FOO") == SYNTAX
    assert raw.call("BITPOS", "m", "1", "x") == NOT_INT


def test_bitop(raw):
    assert raw.call("SET", "a", b"\xf0\x0f") == OK
    assert raw.call("SET", "b", b"\xff") == OK
    assert raw.call("BITOP", "AND", "d", "a", "b") == integer(2)
    assert raw.call("GET", "d") == bulk(b"\xf0\x00")
    assert raw.call("BITOP", "OR", "d", "a", "b") == integer(2)
    assert raw.call("GET", "d") == bulk(b"\xff\x0f")
    assert raw.call("BITOP", "XOR", "d", "a", "b") == integer(2)
    assert raw.call("GET", "d") == bulk(b"\x0f\x0f")
    assert raw.call("BITOP", "NOT", "d", "a") == integer(2)
    assert raw.call("GET", "d") == bulk(b"\x0f\xf0")
    assert raw.call("bitop", "and", "d", "a", "nokey") == integer(2)
    assert raw.call("GET", "d") == bulk(b"\x00\x00")
    # all sources missing: destination is deleted, length 0
    assert raw.call("BITOP", "OR", "d", "nokey1", "nokey2") == integer(0)
    assert raw.call("EXISTS", "d") == integer(0)
    assert raw.call("BITOP", "NOT", "d", "a", "b") == err(
        "ERR BITOP NOT must be called with a single source key.")
    assert raw.call("BITOP", "NAND", "d", "a") == SYNTAX
    assert raw.call("BITOP", "AND", "d") == err("ERR wrong number of arguments for 'bitop' command")


def test_bitfield(raw):
    assert raw.call("BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0") == array(
        integer(0), integer(100))
    assert raw.call("BITFIELD", "bf", "INCRBY", "i8", "0", "100") == array(integer(-56))
    assert raw.call("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-100") == array(
        integer(-128))
    assert raw.call("BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1") == array(NIL)
    assert raw.call("BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "-1") == array(
        integer(127))
    assert raw.call("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u2", "100", "5") == array(
        integer(3))
    assert raw.call("BITFIELD", "bf", "INCRBY", "u2", "100", "1") == array(integer(0))
    assert raw.call("BITFIELD", "c", "SET", "u4", "#1", "15", "GET", "u4", "#1", "GET", "u4", "0") == array(
        integer(0), integer(15), integer(0))
    assert raw.call("GET", "c") == bulk(b"\x0f")
    assert raw.call("BITFIELD", "c", "GET", "i64", "0") == array(integer(1080863910568919040))
    assert raw.call("BITFIELD", "c", "GET", "u63", "0") == array(integer(540431955284459520))
    assert raw.call("BITFIELD", "nokey", "GET", "u8", "0") == array(integer(0))
    assert raw.call("EXISTS", "nokey") == integer(0)
    assert raw.call("BITFIELD", "c") == array()
    assert raw.call("BITFIELD", "c", "GET", "u64", "0") == BAD_TYPE
    assert raw.call("BITFIELD", "c", "GET", "i65", "0") == BAD_TYPE
    assert raw.call("BITFIELD", "c", "GET", "x8", "0") == BAD_TYPE
    assert raw.call("BITFIELD", "c", "GET", "u8", "-1") == BAD_OFFSET
    assert raw.call("BITFIELD", "c", "INCRBY", "i8", "0", "x") == NOT_INT
    assert raw.call("BITFIELD", "c", "OVERFLOW", "FOO") == err("ERR Invalid OVERFLOW type specified")
    assert raw.call("BITFIELD", "c", "FOO") == SYNTAX
    assert raw.call("BITFIELD", "c", "GET", "i8") == SYNTAX


def test_bitfield_ro(raw):
    assert raw.call("SET", "k", "/") == OK
    assert raw.call("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "4") == array(
        integer(47), integer(-1))
    assert raw.call("BITFIELD_RO", "k") == array()
    assert raw.call("BITFIELD_RO", "k", "SET", "u8", "0", "1") == err(
        "ERR BITFIELD_RO only supports the GET subcommand")
    assert raw.call("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == err(
        "ERR BITFIELD_RO only supports the GET subcommand")
    assert raw.call("GET", "k") == bulk("/")


def test_bits_via_redis_py(r):
    assert r.setbit("b", 3, 1) == 0
    assert r.getbit("b", 3) == 1
    assert r.bitcount("b") == 1
    assert r.bitpos("b", 1) == 3
    bf = r.bitfield("x")
    assert bf.set("u8", 0, 255).get("u8", 0).execute() == [0, 255]
