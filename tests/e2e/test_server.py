# End-to-end tests of the server commands: PING, ECHO, SELECT, SWAPDB, DBSIZE,
# FLUSHDB/FLUSHALL (SYNC|ASYNC), INFO (sections and Redis's field names),
# CONFIG GET/SET/RESETSTAT/REWRITE, TIME, LASTSAVE, SLOWLOG, DEBUG SLEEP,
# COMMAND (COUNT/INFO/LIST/GETKEYS/DOCS shapes) and the generic errors
# (arity, unknown command), as redis-server 7.0.15 answers them.

import re
import time

from harness import OK, NIL, err, integer, bulk, bulks, array, status

SYNTAX = err("ERR syntax error")
NOT_INT = err("ERR value is not an integer or out of range")


def info_sections(text):
    """INFO text -> {section name: {field: value}} keeping Redis's layout rules."""
    sections, current = {}, None
    assert text.endswith("\r\n")
    for line in text.split("\r\n"):
        if not line:
            continue
        if line.startswith("# "):
            current = line[2:]
            sections[current] = {}
            continue
        assert current is not None, line
        key, sep, value = line.partition(":")
        assert sep == ":", f"INFO line without ':' {line!r}"
        sections[current][key] = value
    return sections


# -- PING / ECHO / errors ----------------------------------------------------

def test_ping_echo(raw):
    assert raw.call_raw("PING") == b"+PONG\r\n"
    assert raw.call_raw("PING", "hello") == b"$5\r\nhello\r\n"
    assert raw.call("ping", "") == bulk("")
    assert raw.call("PING", "a", "b") == err("ERR wrong number of arguments for 'ping' command")
    assert raw.call_raw("ECHO", "hi there") == b"$8\r\nhi there\r\n"
    assert raw.call("ECHO", b"\x00\xff") == bulk(b"\x00\xff")
    assert raw.call("ECHO") == err("ERR wrong number of arguments for 'echo' command")
    assert raw.call("ECHO", "a", "b") == err("ERR wrong number of arguments for 'echo' command")


def test_unknown_command_errors(raw):
    assert raw.call_raw("FOO") == b"-ERR unknown command 'FOO', with args beginning with: \r\n"
    assert raw.call("foo", "a", "b") == err(
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
    # arguments are listed (each cut) only while the list is under 128 bytes
    assert raw.call("foo", "a" * 200, "b") == err(
        "ERR unknown command 'foo', with args beginning with: '" + "a" * 128 + "' ")
    assert raw.call("foo", "a" * 120, "b" * 20, "c") == err(
        "ERR unknown command 'foo', with args beginning with: '" + "a" * 120 + "' 'bbbbb' ")
    assert raw.call("CONFIG", "FOO") == err("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
    assert raw.call("CLIENT", "FOO") == err("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
    assert raw.call("COMMAND", "FOO") == err("ERR unknown subcommand 'FOO'. Try COMMAND HELP.")
    # the connection stays usable
    assert raw.call("PING") == status("PONG")


# -- databases ----------------------------------------------------------------

def test_select_dbsize_swapdb(raw):
    assert raw.call("SET", "a", "0") == OK
    assert raw.call("SELECT", "1") == OK
    assert raw.call("GET", "a") == NIL
    assert raw.call("MSET", "a", "1", "b", "1") == OK
    assert raw.call("DBSIZE") == integer(2)
    assert raw.call("SELECT", "15") == OK
    assert raw.call("DBSIZE") == integer(0)
    assert raw.call("SELECT", "16") == err("ERR DB index is out of range")
    assert raw.call("SELECT", "-1") == err("ERR DB index is out of range")
    assert raw.call("SELECT", "abc") == NOT_INT
    assert raw.call("SELECT", "0") == OK
    assert raw.call("DBSIZE") == integer(1)
    assert raw.call("SWAPDB", "0", "1") == OK
    assert raw.call("DBSIZE") == integer(2)
    assert raw.call("GET", "a") == bulk("1")
    assert raw.call("SWAPDB", "0", "0") == OK
    assert raw.call("SWAPDB", "0", "16") == err("ERR DB index is out of range")
    assert raw.call("SWAPDB", "a", "1") == err("ERR invalid first DB index")
    assert raw.call("SWAPDB", "0", "b") == err("ERR invalid second DB index")
    assert raw.call("DBSIZE", "x") == err("ERR wrong number of arguments for 'dbsize' command")


def test_swapdb_seen_by_other_connection(raw):
    other = raw.connect()
    assert other.call("SELECT", "1") == OK
    assert raw.call("SET", "only0", "x") == OK
    assert other.call("GET", "only0") == NIL
    assert raw.call("SWAPDB", "0", "1") == OK
    assert other.call("GET", "only0") == bulk("x")
    assert raw.call("GET", "only0") == NIL


def test_flushdb_flushall(raw):
    for mode in ([], ["SYNC"], ["ASYNC"], ["sync"], ["async"]):
        assert raw.call("SET", "a", "1") == OK
        assert raw.call("SELECT", "1") == OK
        assert raw.call("SET", "b", "1") == OK
        assert raw.call("FLUSHDB", *mode) == OK
        assert raw.call("DBSIZE") == integer(0)
        assert raw.call("SELECT", "0") == OK
        assert raw.call("DBSIZE") == integer(1)
        assert raw.call("SELECT", "1") == OK
        assert raw.call("SET", "b", "1") == OK
        assert raw.call("FLUSHALL", *mode) == OK
        assert raw.call("DBSIZE") == integer(0)
        assert raw.call("SELECT", "0") == OK
        assert raw.call("DBSIZE") == integer(0)
    assert raw.call("FLUSHDB", "FOO") == SYNTAX
    assert raw.call("FLUSHALL", "ASYNC", "SYNC") == SYNTAX


# -- INFO ---------------------------------------------------------------------

REQUIRED_INFO_FIELDS = {
    "Server": ["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id",
               "redis_mode", "os", "arch_bits", "multiplexing_api", "gcc_version",
               "process_id", "process_supervised", "run_id", "tcp_port",
               "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz",
               "configured_hz", "lru_clock", "executable", "config_file"],
    "Clients": ["connected_clients", "cluster_connections", "maxclients",
                "client_recent_max_input_buffer", "client_recent_max_output_buffer",
                "blocked_clients", "tracking_clients", "clients_in_timeout_table"],
    "Memory": ["used_memory", "used_memory_human", "used_memory_rss",
               "used_memory_rss_human", "used_memory_peak", "used_memory_peak_human",
               "used_memory_peak_perc", "used_memory_overhead", "used_memory_startup",
               "used_memory_dataset", "total_system_memory", "maxmemory",
               "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio",
               "mem_allocator", "lazyfree_pending_objects"],
    "Persistence": ["loading", "async_loading", "rdb_changes_since_last_save",
                    "rdb_bgsave_in_progress", "rdb_last_save_time", "rdb_last_bgsave_status",
                    "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "rdb_saves",
                    "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
                    "aof_last_rewrite_time_sec", "aof_last_bgrewrite_status",
                    "aof_last_write_status"],
    "Stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
              "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
              "expired_keys", "evicted_keys", "keyspace_hits", "keyspace_misses",
              "pubsub_channels", "pubsub_patterns", "latest_fork_usec", "total_forks",
              "total_error_replies", "total_reads_processed", "total_writes_processed"],
    "Replication": ["role", "connected_slaves", "master_failover_state", "master_replid",
                    "master_replid2", "master_repl_offset", "second_repl_offset",
                    "repl_backlog_active", "repl_backlog_size",
                    "repl_backlog_first_byte_offset", "repl_backlog_histlen"],
    "CPU": ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_children",
            "used_cpu_user_children"],
    "Cluster": ["cluster_enabled"],
}


def test_info_default_sections_and_fields(raw, server):
    assert raw.call("SET", "k", "v") == OK
    reply = raw.call("INFO")
    assert reply[0] == "$"
    sections = info_sections(reply[1].decode())
    assert list(sections) == ["Server", "Clients", "Memory", "Persistence", "Stats",
                              "Replication", "CPU", "Modules", "Errorstats", "Cluster",
                              "Keyspace"]
    for name, fields in REQUIRED_INFO_FIELDS.items():
        missing = [f for f in fields if f not in sections[name]]
        assert not missing, f"INFO {name} lacks {missing}"
    s = sections
    assert s["Server"]["redis_mode"] == "standalone"
    assert s["Server"]["tcp_port"] == str(server.port)
    assert s["Server"]["process_id"] == str(server.proc.pid)
    assert s["Server"]["arch_bits"] == "64"
    assert re.fullmatch(r"[0-9a-f]{40}", s["Server"]["run_id"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", s["Server"]["redis_version"])
    assert s["Server"]["config_file"] == ""
    assert int(s["Clients"]["connected_clients"]) >= 1
    assert s["Clients"]["maxclients"] == "10000"
    assert int(s["Memory"]["used_memory"]) > 0
    assert s["Memory"]["maxmemory"] == "0"
    assert s["Memory"]["maxmemory_policy"] == "noeviction"
    assert s["Persistence"]["loading"] == "0"
    assert s["Persistence"]["aof_enabled"] == "0"
    assert s["Persistence"]["rdb_last_bgsave_status"] == "ok"
    assert s["Replication"]["role"] == "master"
    assert s["Replication"]["connected_slaves"] == "0"
    assert s["Replication"]["master_failover_state"] == "no-failover"
    assert re.fullmatch(r"[0-9a-f]{40}", s["Replication"]["master_replid"])
    assert s["Replication"]["master_replid2"] == "0" * 40
    assert s["Cluster"]["cluster_enabled"] == "0"
    assert s["Keyspace"]["db0"].startswith("keys=1,expires=0,avg_ttl=")


def test_info_section_selection(raw):
    def names(*args):
        reply = raw.call("INFO", *args)
        assert reply[0] == "$"
        return list(info_sections(reply[1].decode())) if reply[1] else []
    assert names("server") == ["Server"]
    assert names("SERVER") == ["Server"]
    assert names("clients") == ["Clients"]
    assert names("memory") == ["Memory"]
    assert names("persistence") == ["Persistence"]
    assert names("stats") == ["Stats"]
    assert names("replication") == ["Replication"]
    assert names("cpu") == ["CPU"]
    assert names("commandstats") == ["Commandstats"]
    assert names("errorstats") == ["Errorstats"]
    assert names("keyspace") == ["Keyspace"]
    assert names("server", "clients") == ["Server", "Clients"]
    assert names("nosuchsection") == []
    everything = names("all")
    for sec in ("Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                "CPU", "Commandstats", "Errorstats", "Cluster", "Keyspace"):
        assert sec in everything


def test_info_commandstats_errorstats(raw):
    assert raw.call("CONFIG", "RESETSTAT") == OK
    assert raw.call("SET", "a", "1") == OK
    assert raw.call("GET", "a") == bulk("1")
    assert raw.call("GET", "a") == bulk("1")
    assert raw.call("INCR", "a", "b")[0] == "-"   # arity: rejected
    assert raw.call("SET", "a", "x") == OK
    assert raw.call("INCR", "a") == NOT_INT       # failed
    stats = info_sections(raw.call("INFO", "commandstats")[1].decode())["Commandstats"]
    pat = re.compile(r"calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),"
                     r"rejected_calls=(\d+),failed_calls=(\d+)")
    get = pat.fullmatch(stats["cmdstat_get"])
    assert get and get.group(1) == "2" and get.group(4) == "0" and get.group(5) == "0"
    incr = pat.fullmatch(stats["cmdstat_incr"])
    assert incr and (incr.group(1), incr.group(4), incr.group(5)) == ("1", "1", "1")
    assert "cmdstat_config|resetstat" in stats
    errs = info_sections(raw.call("INFO", "errorstats")[1].decode())["Errorstats"]
    assert errs == {"errorstat_ERR": "count=2"}


def test_info_stats_counters(raw):
    assert raw.call("CONFIG", "RESETSTAT") == OK
    assert raw.call("SET", "a", "1") == OK
    assert raw.call("GET", "a") == bulk("1")
    assert raw.call("GET", "nokey") == NIL
    stats = info_sections(raw.call("INFO", "stats")[1].decode())["Stats"]
    assert stats["keyspace_hits"] == "1"
    assert stats["keyspace_misses"] == "1"
    assert stats["expired_keys"] == "0"
    assert int(stats["total_commands_processed"]) >= 3


# -- CONFIG -------------------------------------------------------------------

def config_get(raw, *patterns):
    reply = raw.call("CONFIG", "GET", *patterns)
    assert reply[0] == "*" and len(reply[1]) % 2 == 0
    items = [x[1].decode() for x in reply[1]]
    return dict(zip(items[::2], items[1::2]))


def test_config_get(raw, server):
    assert config_get(raw, "port") == {"port": str(server.port)}
    assert config_get(raw, "bind") == {"bind": "127.0.0.1"}
    assert config_get(raw, "save") == {"save": ""}
    assert config_get(raw, "appendonly") == {"appendonly": "no"}
    assert config_get(raw, "dir") == {"dir": str(server.dir.resolve())}
    assert config_get(raw, "databases") == {"databases": "16"}
    assert config_get(raw, "maxclients") == {"maxclients": "10000"}
    assert config_get(raw, "proto-max-bulk-len") == {"proto-max-bulk-len": "536870912"}
    assert config_get(raw, "client-query-buffer-limit") == {"client-query-buffer-limit": "1073741824"}
    assert config_get(raw, "maxmemory", "hz") == {"maxmemory": "0", "hz": "10"}
    assert config_get(raw, "MAXMEMORY") == {"MAXMEMORY": "0"}  # echoed as asked
    assert config_get(raw, "nosuchoption") == {}
    mm = config_get(raw, "maxmemory*")
    assert set(mm) >= {"maxmemory", "maxmemory-policy", "maxmemory-samples"}
    everything = config_get(raw, "*")
    for name in ("port", "bind", "databases", "dir", "save", "appendonly", "requirepass",
                 "maxclients", "timeout", "tcp-keepalive", "loglevel", "logfile",
                 "daemonize", "pidfile", "protected-mode", "replica-announce-ip",
                 "cluster-enabled", "cluster-config-file", "cluster-node-timeout",
                 "slowlog-log-slower-than", "slowlog-max-len", "maxmemory-policy",
                 "enable-debug-command"):
        assert name in everything, name
    assert raw.call("CONFIG", "GET") == err("ERR wrong number of arguments for 'config|get' command")


def test_config_set(raw):
    try:
        assert raw.call("CONFIG", "SET", "maxmemory", "10mb") == OK
        assert config_get(raw, "maxmemory") == {"maxmemory": "10485760"}
        assert raw.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "allkeys-lru") == OK
        assert config_get(raw, "maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert raw.call("CONFIG", "SET", "slowlog-max-len", "64") == OK
        assert config_get(raw, "slowlog-max-len") == {"slowlog-max-len": "64"}
        assert raw.call("CONFIG", "SET", "foo", "1") == err(
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        assert raw.call("CONFIG", "SET", "maxmemory", "abc") == err(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
            "argument must be a memory value")
        assert raw.call("CONFIG", "SET", "maxmemory", "0", "maxmemory", "1") == err(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")
        assert raw.call("CONFIG", "SET", "databases", "4") == err(
            "ERR CONFIG SET failed (possibly related to argument 'databases') - "
            "can't set immutable config")
        assert raw.call("CONFIG", "SET", "maxmemory-policy", "bogus") == err(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
        assert raw.call("CONFIG", "SET", "port") == err(
            "ERR wrong number of arguments for 'config|set' command")
        # a failed multi-set changes nothing
        assert raw.call("CONFIG", "SET", "slowlog-max-len", "65", "maxmemory", "abc")[0] == "-"
        assert config_get(raw, "slowlog-max-len") == {"slowlog-max-len": "64"}
    finally:
        assert raw.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction",
                        "slowlog-max-len", "128") == OK


def test_config_resetstat(raw):
    for _ in range(5):
        assert raw.call("PING") == status("PONG")
    assert raw.call("INCR", "a", "b")[0] == "-"
    assert raw.call("CONFIG", "RESETSTAT") == OK
    stats = info_sections(raw.call("INFO", "stats")[1].decode())["Stats"]
    assert int(stats["total_commands_processed"]) <= 2
    assert stats["total_error_replies"] == "0"
    cs = info_sections(raw.call("INFO", "commandstats")[1].decode())["Commandstats"]
    assert "cmdstat_ping" not in cs
    assert raw.call("CONFIG", "RESETSTAT", "x") == err(
        "ERR wrong number of arguments for 'config|resetstat' command")


def test_config_rewrite_without_file(raw):
    assert raw.call("CONFIG", "REWRITE") == err("ERR The server is running without a config file")


# -- TIME / LASTSAVE ----------------------------------------------------------

def test_time(raw):
    reply = raw.call("TIME")
    assert reply[0] == "*" and len(reply[1]) == 2
    secs, usecs = (x[1].decode() for x in reply[1])
    assert secs.isdigit() and usecs.isdigit()
    assert 0 <= int(usecs) < 1_000_000
    assert abs(int(secs) + int(usecs) / 1e6 - time.time()) < 5
    assert raw.call("TIME", "x") == err("ERR wrong number of arguments for 'time' command")


def test_lastsave(raw):
    reply = raw.call("LASTSAVE")
    assert reply[0] == ":"
    assert time.time() - 3600 < reply[1] <= time.time() + 1


# -- SLOWLOG ------------------------------------------------------------------

def test_slowlog(raw):
    assert raw.call("SLOWLOG", "RESET") == OK
    assert raw.call("SLOWLOG", "LEN") == integer(0)
    assert raw.call("SLOWLOG", "GET") == array()
    assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == OK
    try:
        assert raw.call("CLIENT", "SETNAME", "slowpoke") == OK
        assert raw.call("SET", "slowkey", "slowvalue") == OK
    finally:
        assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000") == OK
    assert raw.call("SLOWLOG", "LEN")[1] >= 2
    entries = raw.call("SLOWLOG", "GET", "-1")
    assert entries[0] == "*" and len(entries[1]) >= 2
    for entry in entries[1]:
        assert entry[0] == "*" and len(entry[1]) == 6
    ids = [e[1][0][1] for e in entries[1]]
    assert ids == sorted(ids, reverse=True)   # newest first
    logged = [e[1][3] for e in entries[1]]
    i_set = logged.index(bulks("SET", "slowkey", "slowvalue"))
    i_name = logged.index(bulks("CLIENT", "SETNAME", "slowpoke"))
    assert i_set < i_name
    eid, ts, dur, args, addr, name = entries[1][i_set][1]
    assert eid[0] == ":" and ts[0] == ":" and dur[0] == ":"
    assert abs(ts[1] - time.time()) < 60
    assert addr[0] == "$" and re.fullmatch(rb"127\.0\.0\.1:\d+", addr[1])
    assert name == bulk("slowpoke")
    assert len(raw.call("SLOWLOG", "GET", "1")[1]) == 1
    assert raw.call("SLOWLOG", "GET", "abc") == err("ERR count should be greater than or equal to -1")
    assert raw.call("SLOWLOG", "FOO") == err("ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.")
    assert raw.call("SLOWLOG", "RESET") == OK
    assert raw.call("SLOWLOG", "LEN") == integer(0)


def test_slowlog_truncates_long_arguments(raw):
    assert raw.call("SLOWLOG", "RESET") == OK
    assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == OK
    try:
        assert raw.call("ECHO", "x" * 200) == bulk("x" * 200)
    finally:
        assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000") == OK
    logged = [e[1][3] for e in raw.call("SLOWLOG", "GET", "-1")[1]]
    assert bulks("ECHO", "x" * 128 + "... (72 more bytes)") in logged


# -- DEBUG --------------------------------------------------------------------

def test_debug_refused_by_default(raw):
    assert raw.call("DEBUG", "SLEEP", "0") == err(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
        "\"local\", you can run it from a local connection, otherwise you need to set "
        "this option in the configuration file, and then restart the server.")


def test_debug_sleep(server_factory):
    srv = server_factory("--enable-debug-command", "local", name="debug")
    with srv.raw() as c:
        assert c.call("DEBUG", "SLEEP", "0") == OK
        t0 = time.monotonic()
        assert c.call("DEBUG", "SLEEP", "0.3") == OK
        assert time.monotonic() - t0 >= 0.29


# -- COMMAND ------------------------------------------------------------------

ISSUE_COMMANDS = """get set setnx setex psetex mget mset msetnx getset getdel getex append
strlen incr decr incrby decrby incrbyfloat getrange setrange substr lcs setbit getbit
bitcount bitpos bitop bitfield bitfield_ro del unlink exists type keys scan randomkey
rename renamenx move copy expire pexpire expireat pexpireat ttl pttl expiretime
pexpiretime persist touch object ping echo quit reset hello auth select swapdb dbsize
flushdb flushall client info config time lastsave shutdown monitor slowlog debug
command""".split()


def test_command_count_and_list(raw):
    count = raw.call("COMMAND", "COUNT")
    assert count[0] == ":" and count[1] > 0
    listing = raw.call("COMMAND", "LIST")
    assert listing[0] == "*"
    names = {x[1].decode() for x in listing[1]}
    # COMMAND LIST names subcommands too ("config|get"); COUNT counts commands
    assert len({n for n in names if "|" not in n}) == count[1]
    assert {"config|get", "client|id", "object|encoding"} <= names
    missing = [c for c in ISSUE_COMMANDS if c not in names]
    assert not missing, missing
    full = raw.call("COMMAND")
    assert full[0] == "*" and len(full[1]) == count[1]
    filtered = raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "getex")
    assert filtered == bulks("getex")


def test_command_info_shapes(raw):
    def info(name):
        reply = raw.call("COMMAND", "INFO", name)
        assert reply[0] == "*" and len(reply[1]) == 1
        return reply[1][0]
    get = info("get")
    assert get[0] == "*" and len(get[1]) == 10
    assert get[1][:6] == [bulk("get"), integer(2), array(status("readonly"), status("fast")),
                          integer(1), integer(1), integer(1)]
    assert get[1][6] == array(status("@read"), status("@string"), status("@fast"))
    assert get[1][7] == array()    # tips
    assert get[1][9] == array()    # subcommands
    keyspecs = get[1][8]
    assert keyspecs == array(array(
        bulk("flags"), array(status("RO"), status("access")),
        bulk("begin_search"), array(bulk("type"), bulk("index"), bulk("spec"),
                                    array(bulk("index"), integer(1))),
        bulk("find_keys"), array(bulk("type"), bulk("range"), bulk("spec"),
                                 array(bulk("lastkey"), integer(0), bulk("keystep"),
                                       integer(1), bulk("limit"), integer(0)))))
    expected_positions = {
        # name: (arity, first key, last key, step)
        "set": (-3, 1, 1, 1), "mget": (-2, 1, -1, 1), "mset": (-3, 1, -1, 2),
        "msetnx": (-3, 1, -1, 2), "del": (-2, 1, -1, 1), "rename": (3, 1, 2, 1),
        "copy": (-3, 1, 2, 1), "bitop": (-4, 2, -1, 1), "lcs": (-3, 1, 2, 1),
        "ping": (-1, 0, 0, 0), "scan": (-2, 0, 0, 0), "incr": (2, 1, 1, 1),
        "expire": (-3, 1, 1, 1), "getex": (-2, 1, 1, 1), "keys": (2, 0, 0, 0),
        "select": (2, 0, 0, 0), "hello": (-1, 0, 0, 0), "object": (-2, 0, 0, 0),
        "client": (-2, 0, 0, 0), "config": (-2, 0, 0, 0),
    }
    for name, (arity, first, last, step) in expected_positions.items():
        reply = info(name)
        assert reply[1][:2] == [bulk(name), integer(arity)], name
        assert reply[1][3:6] == [integer(first), integer(last), integer(step)], name
    assert raw.call("COMMAND", "INFO", "nosuchcommand") == array(NIL)
    assert raw.call("COMMAND", "INFO", "GET", "nosuch")[1][1] == NIL
    # container commands list their subcommands
    config = info("config")
    subnames = {sub[1][0][1] for sub in config[1][9][1]}
    assert {b"config|get", b"config|set", b"config|resetstat", b"config|rewrite"} <= subnames


def test_command_getkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "SET", "a", "b") == bulks("a")
    assert raw.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == bulks("a", "b")
    assert raw.call("COMMAND", "GETKEYS", "RENAME", "x", "y") == bulks("x", "y")
    assert raw.call("COMMAND", "GETKEYS", "BITOP", "AND", "d", "s1", "s2") == bulks("d", "s1", "s2")
    assert raw.call("COMMAND", "GETKEYS", "GET") == err(
        "ERR wrong number of arguments for 'command|getkeys' command")
    assert raw.call("COMMAND", "GETKEYS", "GET", "a", "b") == err(
        "ERR Invalid number of arguments specified for command")
    assert raw.call("COMMAND", "GETKEYS", "PING", "x") == err("ERR The command has no key arguments")
    assert raw.call("COMMAND", "GETKEYS", "FOO", "x") == err("ERR Invalid command specified")


def test_command_docs(raw):
    reply = raw.call("COMMAND", "DOCS", "get")
    assert reply[0] == "*" and len(reply[1]) == 2
    assert reply[1][0] == bulk("get")
    doc = reply[1][1]
    assert doc[0] == "*"
    items = doc[1]
    fields = {items[i][1].decode(): items[i + 1] for i in range(0, len(items), 2)}
    assert set(fields) >= {"summary", "since", "group", "complexity", "arguments"}
    assert fields["summary"] == bulk("Get the value of a key")
    assert fields["since"] == bulk("1.0.0")
    assert fields["group"] == bulk("string")
    assert fields["complexity"] == bulk("O(1)")
    assert fields["arguments"] == array(array(bulk("name"), bulk("key"), bulk("type"),
                                              bulk("key"), bulk("key_spec_index"), integer(0)))
    assert raw.call("COMMAND", "DOCS", "nosuchcommand") == array()


def test_redis_py_startup_reads_command_table(server):
    """redis-py's helpers that read COMMAND (e.g. command_info) must parse it."""
    client = server.client(decode_responses=True)
    try:
        table = client.command()
        assert "get" in table and table["get"]["arity"] == 2
        assert client.command_count() == len(table)
    finally:
        client.close()
