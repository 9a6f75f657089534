// The directive table and per-type parsing / formatting / rewriting of
// directive values, plus Redis-compatible text primitives. Used only by
// Config (config.cc); see config_directives.h for the contract. Pure
// functions over constant data: thread-safe, no I/O except the `dir` check
// (realpath / stat / access on the named directory).

#include "actors/node/config_directives.h"

#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <utility>

namespace troupe {
namespace config_internal {
namespace {

constexpr int64_t kIntMax = INT_MAX;
constexpr int64_t kIntMin = INT_MIN;
constexpr int64_t kUIntMax = UINT_MAX;
constexpr int64_t kLongMax = LLONG_MAX;  // LP64: long == long long
constexpr int64_t kULLongMax = -1;       // ULLONG_MAX, compared unsigned

// ---- Enum value lists ----

const EnumValue kLoglevelEnum[] = {
    {"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}, {nullptr, 0}};
const EnumValue kSupervisedEnum[] = {
    {"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}, {nullptr, 0}};
const EnumValue kSyslogFacilityEnum[] = {
    {"user", 8},     {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
    {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}, {nullptr, 0}};
const EnumValue kReplDisklessLoadEnum[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {nullptr, 0}};
const EnumValue kMaxmemoryPolicyEnum[] = {
    {"volatile-lru", 0},   {"volatile-lfu", 1}, {"volatile-random", 2},
    {"volatile-ttl", 3},   {"allkeys-lru", 4},  {"allkeys-lfu", 5},
    {"allkeys-random", 6}, {"noeviction", 7},   {nullptr, 0}};
const EnumValue kAppendfsyncEnum[] = {{"everysec", 1}, {"always", 2}, {"no", 0}, {nullptr, 0}};
const EnumValue kOomScoreAdjEnum[] = {
    {"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}, {nullptr, 0}};
const EnumValue kAclPubsubDefaultEnum[] = {{"allchannels", 1}, {"resetchannels", 0}, {nullptr, 0}};
const EnumValue kSanitizeDumpPayloadEnum[] = {{"no", 0}, {"yes", 1}, {"clients", 2}, {nullptr, 0}};
const EnumValue kProtectedActionEnum[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {nullptr, 0}};
const EnumValue kClusterEndpointTypeEnum[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}, {nullptr, 0}};
const EnumValue kPropagationErrorBehaviorEnum[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}, {nullptr, 0}};
const EnumValue kShutdownOnSigEnum[] = {{"default", 0}, {"save", 1},  {"nosave", 2},
                                        {"now", 4},     {"force", 8}, {nullptr, 0}};
const EnumValue kTlsAuthClientsEnum[] = {{"no", 0}, {"yes", 1}, {"optional", 2}, {nullptr, 0}};

// ---- String validators (messages as Redis 7.0.15) ----

bool IsBaseName(const std::string& v) {
  return v.find('/') == std::string::npos && v.find('\\') == std::string::npos;
}

const char* ValidateDbFilename(const std::string& v, const ParseContext&) {
  return IsBaseName(v) ? nullptr : "dbfilename can't be a path, just a filename";
}

const char* ValidateAofFilename(const std::string& v, const ParseContext&) {
  if (v.empty()) return "appendfilename can't be empty";
  return IsBaseName(v) ? nullptr : "appendfilename can't be a path, just a filename";
}

const char* ValidateAofDirname(const std::string& v, const ParseContext&) {
  if (v.empty()) return "appenddirname can't be empty";
  return IsBaseName(v) ? nullptr : "appenddirname can't be a path, just a dirname";
}

const char* ValidateHostname(const std::string& v, const ParseContext&) {
  if (v.size() >= 256) return "Hostnames must be less than 256 characters";
  for (char c : v) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return "Hostnames may only contain alphanumeric characters, hyphens or dots";
  }
  return nullptr;
}

// Expands a process-title template the way Redis validates one: unknown
// variables or an unterminated "{" fail, and the expansion (with an empty
// {title}) must not be blank.
const char* ValidateProcTitleTemplate(const std::string& v, const ParseContext& ctx) {
  static const char kError[] = "template format is invalid or contains unknown variables";
  std::string out;
  size_t p = 0;
  while (p < v.size()) {
    size_t open = v.find('{', p);
    if (open == std::string::npos) {
      out.append(v, p, std::string::npos);
      break;
    }
    out.append(v, p, open - p);
    size_t name_start = open + 1;
    if (name_start >= v.size()) return kError;
    if (v[name_start] == '{') {
      out.push_back('{');
      p = name_start + 1;
      continue;
    }
    size_t close = v.find('}', name_start);
    if (close == std::string::npos) return kError;
    std::string var = v.substr(name_start, close - name_start);
    if (var == "title") {
      // Validation expands the title as empty.
    } else if (var == "listen-addr") {
      if (ctx.port || ctx.tls_port) {
        out += "*:" + std::to_string(ctx.port ? ctx.port : ctx.tls_port);
      } else {
        out += ctx.unixsocket;
      }
    } else if (var == "server-mode") {
      if (ctx.cluster_enabled) out += "[cluster]";
      if (ctx.sentinel_mode) out += "[sentinel]";
    } else if (var == "port") {
      out += std::to_string(ctx.port);
    } else if (var == "tls-port") {
      out += std::to_string(ctx.tls_port);
    } else if (var == "unixsocket") {
      out += ctx.unixsocket;
    } else if (var == "config-file") {
      out += ctx.config_file;
    } else {
      return kError;
    }
    p = close + 1;
  }
  if (out.find_first_not_of(' ') == std::string::npos) return kError;
  return nullptr;
}

// ---- The table ----

#define BOOL_CFG(name, alias, flags, def) \
  { name, alias, Kind::kBool, flags, 0, 0, def, nullptr, nullptr, nullptr }
#define STR_CFG(name, alias, flags, def, validator) \
  { name, alias, Kind::kString, flags, 0, 0, 0, def, nullptr, validator }
#define ENUM_CFG(name, alias, flags, values, def) \
  { name, alias, Kind::kEnum, flags, 0, 0, def, nullptr, values, nullptr }
#define NUM_CFG(name, alias, flags, lower, upper, def) \
  { name, alias, Kind::kNumeric, flags, lower, upper, def, nullptr, nullptr, nullptr }
#define SPECIAL_CFG(name, alias, kind, flags) \
  { name, alias, kind, flags, 0, 0, 0, nullptr, nullptr, nullptr }

constexpr uint32_t kImm = kImmutable;
constexpr uint32_t kImpl = kImplemented;
constexpr uint32_t kNull = kEmptyIsNull;
constexpr uint32_t kMem = kMemory;
constexpr uint32_t kUns = kUnsignedBounds;

const DirectiveSpec kTable[] = {
    // Booleans.
    BOOL_CFG("rdbchecksum", nullptr, kImm | kImpl, 1),
    BOOL_CFG("daemonize", nullptr, kImm | kImpl, 0),
    BOOL_CFG("io-threads-do-reads", nullptr, kImm, 0),
    BOOL_CFG("always-show-logo", nullptr, kImm, 0),
    BOOL_CFG("protected-mode", nullptr, kImpl, 1),
    BOOL_CFG("rdbcompression", nullptr, kImpl, 1),
    BOOL_CFG("rdb-del-sync-files", nullptr, 0, 0),
    BOOL_CFG("activerehashing", nullptr, 0, 1),
    BOOL_CFG("stop-writes-on-bgsave-error", nullptr, 0, 1),
    BOOL_CFG("set-proc-title", nullptr, kImm, 1),
    BOOL_CFG("dynamic-hz", nullptr, 0, 1),
    BOOL_CFG("lazyfree-lazy-eviction", nullptr, 0, 0),
    BOOL_CFG("lazyfree-lazy-expire", nullptr, 0, 0),
    BOOL_CFG("lazyfree-lazy-server-del", nullptr, 0, 0),
    BOOL_CFG("lazyfree-lazy-user-del", nullptr, 0, 0),
    BOOL_CFG("lazyfree-lazy-user-flush", nullptr, 0, 0),
    BOOL_CFG("repl-disable-tcp-nodelay", nullptr, 0, 0),
    BOOL_CFG("repl-diskless-sync", nullptr, kImpl, 1),
    BOOL_CFG("aof-rewrite-incremental-fsync", nullptr, 0, 1),
    BOOL_CFG("no-appendfsync-on-rewrite", nullptr, 0, 0),
    BOOL_CFG("cluster-require-full-coverage", nullptr, kImpl, 1),
    BOOL_CFG("rdb-save-incremental-fsync", nullptr, 0, 1),
    BOOL_CFG("aof-load-truncated", nullptr, kImpl, 1),
    BOOL_CFG("aof-use-rdb-preamble", nullptr, kImpl, 1),
    BOOL_CFG("aof-timestamp-enabled", nullptr, 0, 0),
    BOOL_CFG("cluster-replica-no-failover", "cluster-slave-no-failover", kImpl, 0),
    BOOL_CFG("replica-lazy-flush", "slave-lazy-flush", 0, 0),
    BOOL_CFG("replica-serve-stale-data", "slave-serve-stale-data", kImpl, 1),
    BOOL_CFG("replica-read-only", "slave-read-only", kImpl, 1),
    BOOL_CFG("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, 1),
    BOOL_CFG("jemalloc-bg-thread", nullptr, 0, 1),
    BOOL_CFG("activedefrag", nullptr, kValidateDefrag, 0),
    BOOL_CFG("syslog-enabled", nullptr, kImm, 0),
    BOOL_CFG("cluster-enabled", nullptr, kImm | kImpl, 0),
    BOOL_CFG("appendonly", nullptr, kImpl, 0),
    BOOL_CFG("cluster-allow-reads-when-down", nullptr, kImpl, 0),
    BOOL_CFG("cluster-allow-pubsubshard-when-down", nullptr, 0, 1),
    BOOL_CFG("crash-log-enabled", nullptr, 0, 1),
    BOOL_CFG("crash-memcheck-enabled", nullptr, 0, 1),
    BOOL_CFG("use-exit-on-panic", nullptr, kHidden, 0),
    BOOL_CFG("disable-thp", nullptr, kImm, 1),
    BOOL_CFG("cluster-allow-replica-migration", nullptr, 0, 1),
    BOOL_CFG("replica-announced", nullptr, kImpl, 1),
    BOOL_CFG("latency-tracking", nullptr, 0, 1),
    BOOL_CFG("aof-disable-auto-gc", nullptr, 0, 0),
    BOOL_CFG("replica-ignore-disk-write-errors", nullptr, 0, 0),
    BOOL_CFG("tls-cluster", nullptr, kTlsSetting, 0),
    BOOL_CFG("tls-replication", nullptr, kTlsSetting, 0),
    BOOL_CFG("tls-prefer-server-ciphers", nullptr, kTlsSetting, 0),
    BOOL_CFG("tls-session-caching", nullptr, kTlsSetting, 1),

    // Strings.
    STR_CFG("aclfile", nullptr, kImm, "", nullptr),
    STR_CFG("unixsocket", nullptr, kImm | kNull, nullptr, nullptr),
    STR_CFG("pidfile", nullptr, kImm | kNull | kImpl, nullptr, nullptr),
    STR_CFG("replica-announce-ip", "slave-announce-ip", kNull | kImpl, nullptr, nullptr),
    STR_CFG("masteruser", nullptr, kNull | kSensitive | kImpl, nullptr, nullptr),
    STR_CFG("cluster-announce-ip", nullptr, kNull | kImpl, nullptr, nullptr),
    STR_CFG("cluster-config-file", nullptr, kImm | kImpl, "nodes.conf", nullptr),
    STR_CFG("cluster-announce-hostname", nullptr, kNull | kImpl, nullptr, ValidateHostname),
    STR_CFG("syslog-ident", nullptr, kImm, "redis", nullptr),
    STR_CFG("dbfilename", nullptr, kProtected | kImpl, "dump.rdb", ValidateDbFilename),
    STR_CFG("appendfilename", nullptr, kImm | kImpl, "appendonly.aof", ValidateAofFilename),
    STR_CFG("appenddirname", nullptr, kImm | kImpl, "appendonlydir", ValidateAofDirname),
    STR_CFG("server_cpulist", nullptr, kImm | kNull, nullptr, nullptr),
    STR_CFG("bio_cpulist", nullptr, kImm | kNull, nullptr, nullptr),
    STR_CFG("aof_rewrite_cpulist", nullptr, kImm | kNull, nullptr, nullptr),
    STR_CFG("bgsave_cpulist", nullptr, kImm | kNull, nullptr, nullptr),
    STR_CFG("ignore-warnings", nullptr, 0, "", nullptr),
    STR_CFG("proc-title-template", nullptr, 0, "{title} {listen-addr} {server-mode}",
            ValidateProcTitleTemplate),
    STR_CFG("bind-source-addr", nullptr, kNull, nullptr, nullptr),
    STR_CFG("logfile", nullptr, kImm | kImpl, "", nullptr),
    STR_CFG("masterauth", nullptr, kNull | kSensitive | kImpl, nullptr, nullptr),
    STR_CFG("requirepass", nullptr, kNull | kSensitive | kImpl, nullptr, nullptr),
    STR_CFG("tls-cert-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-key-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-key-file-pass", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-client-cert-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-client-key-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-client-key-file-pass", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-dh-params-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-ca-cert-file", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-ca-cert-dir", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-protocols", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-ciphers", nullptr, kNull | kTlsSetting, nullptr, nullptr),
    STR_CFG("tls-ciphersuites", nullptr, kNull | kTlsSetting, nullptr, nullptr),

    // Enums.
    ENUM_CFG("supervised", nullptr, kImm, kSupervisedEnum, 0),
    ENUM_CFG("syslog-facility", nullptr, kImm, kSyslogFacilityEnum, 128),
    ENUM_CFG("repl-diskless-load", nullptr, 0, kReplDisklessLoadEnum, 0),
    ENUM_CFG("loglevel", nullptr, kImpl, kLoglevelEnum, 2),
    ENUM_CFG("maxmemory-policy", nullptr, 0, kMaxmemoryPolicyEnum, 7),
    ENUM_CFG("appendfsync", nullptr, kImpl, kAppendfsyncEnum, 1),
    ENUM_CFG("oom-score-adj", nullptr, 0, kOomScoreAdjEnum, 0),
    ENUM_CFG("acl-pubsub-default", nullptr, 0, kAclPubsubDefaultEnum, 0),
    ENUM_CFG("sanitize-dump-payload", nullptr, 0, kSanitizeDumpPayloadEnum, 0),
    ENUM_CFG("enable-protected-configs", nullptr, kImm, kProtectedActionEnum, 0),
    ENUM_CFG("enable-debug-command", nullptr, kImm | kImpl, kProtectedActionEnum, 0),
    ENUM_CFG("enable-module-command", nullptr, kImm, kProtectedActionEnum, 0),
    ENUM_CFG("cluster-preferred-endpoint-type", nullptr, 0, kClusterEndpointTypeEnum, 0),
    ENUM_CFG("propagation-error-behavior", nullptr, 0, kPropagationErrorBehaviorEnum, 0),
    ENUM_CFG("shutdown-on-sigint", nullptr, kMultiArg | kFlagsEnum, kShutdownOnSigEnum, 0),
    ENUM_CFG("shutdown-on-sigterm", nullptr, kMultiArg | kFlagsEnum, kShutdownOnSigEnum, 0),
    ENUM_CFG("tls-auth-clients", nullptr, 0, kTlsAuthClientsEnum, 1),

    // Integers (C int).
    NUM_CFG("databases", nullptr, kImm | kImpl, 1, kIntMax, 16),
    NUM_CFG("port", nullptr, kImpl, 0, 65535, 6379),
    NUM_CFG("io-threads", nullptr, kImm, 1, 128, 1),
    NUM_CFG("auto-aof-rewrite-percentage", nullptr, kImpl, 0, kIntMax, 100),
    NUM_CFG("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, kIntMax, 10),
    NUM_CFG("list-max-listpack-size", "list-max-ziplist-size", kImpl, kIntMin, kIntMax, -2),
    NUM_CFG("tcp-keepalive", nullptr, kImpl, 0, kIntMax, 300),
    NUM_CFG("cluster-migration-barrier", nullptr, 0, 0, kIntMax, 1),
    NUM_CFG("active-defrag-cycle-min", nullptr, 0, 1, 99, 1),
    NUM_CFG("active-defrag-cycle-max", nullptr, 0, 1, 99, 25),
    NUM_CFG("active-defrag-threshold-lower", nullptr, 0, 0, 1000, 10),
    NUM_CFG("active-defrag-threshold-upper", nullptr, 0, 0, 1000, 100),
    NUM_CFG("lfu-log-factor", nullptr, kImpl, 0, kIntMax, 10),
    NUM_CFG("lfu-decay-time", nullptr, kImpl, 0, kIntMax, 1),
    NUM_CFG("replica-priority", "slave-priority", kImpl, 0, kIntMax, 100),
    NUM_CFG("repl-diskless-sync-delay", nullptr, kImpl, 0, kIntMax, 5),
    NUM_CFG("maxmemory-samples", nullptr, 0, 1, kIntMax, 5),
    NUM_CFG("maxmemory-eviction-tenacity", nullptr, 0, 0, 100, 10),
    NUM_CFG("timeout", nullptr, kImpl, 0, kIntMax, 0),
    NUM_CFG("replica-announce-port", "slave-announce-port", kImpl, 0, 65535, 0),
    NUM_CFG("tcp-backlog", nullptr, kImm | kImpl, 0, kIntMax, 511),
    NUM_CFG("cluster-port", nullptr, kImm | kImpl, 0, 65535, 0),
    NUM_CFG("cluster-announce-bus-port", nullptr, kImpl, 0, 65535, 0),
    NUM_CFG("cluster-announce-port", nullptr, kImpl, 0, 65535, 0),
    NUM_CFG("cluster-announce-tls-port", nullptr, 0, 0, 65535, 0),
    NUM_CFG("repl-timeout", nullptr, kImpl, 1, kIntMax, 60),
    NUM_CFG("repl-ping-replica-period", "repl-ping-slave-period", kImpl, 1, kIntMax, 10),
    NUM_CFG("list-compress-depth", nullptr, 0, 0, kIntMax, 0),
    NUM_CFG("rdb-key-save-delay", nullptr, kHidden, kIntMin, kIntMax, 0),
    NUM_CFG("key-load-delay", nullptr, kHidden | kImpl, kIntMin, kIntMax, 0),
    NUM_CFG("active-expire-effort", nullptr, 0, 1, 10, 1),
    NUM_CFG("hz", nullptr, kImpl, 0, kIntMax, 10),
    NUM_CFG("min-replicas-to-write", "min-slaves-to-write", kImpl, 0, kIntMax, 0),
    NUM_CFG("min-replicas-max-lag", "min-slaves-max-lag", kImpl, 0, kIntMax, 10),
    NUM_CFG("watchdog-period", nullptr, kHidden, 0, kIntMax, 0),
    NUM_CFG("shutdown-timeout", nullptr, 0, 0, kIntMax, 10),
    NUM_CFG("repl-diskless-sync-max-replicas", nullptr, 0, 0, kIntMax, 0),
    NUM_CFG("tls-port", nullptr, 0, 0, 65535, 0),
    NUM_CFG("tls-session-cache-size", nullptr, kTlsSetting, 0, kIntMax, 20480),
    NUM_CFG("tls-session-cache-timeout", nullptr, kTlsSetting, 0, kIntMax, 300),

    // Unsigned int.
    NUM_CFG("maxclients", nullptr, kUns | kImpl, 1, kUIntMax, 10000),
    NUM_CFG("unixsocketperm", nullptr, kImm | kUns | kOctal, 0, 0777, 0),
    NUM_CFG("socket-mark-id", nullptr, kImm | kUns, 0, kUIntMax, 0),

    // Unsigned long (bounds checked as signed, as Redis does).
    NUM_CFG("active-defrag-max-scan-fields", nullptr, 0, 1, kLongMax, 1000),
    NUM_CFG("slowlog-max-len", nullptr, 0, 0, kLongMax, 128),
    NUM_CFG("acllog-max-len", nullptr, 0, 0, kLongMax, 128),

    // Long long.
    NUM_CFG("busy-reply-threshold", "lua-time-limit", 0, 0, kLongMax, 5000),
    NUM_CFG("cluster-node-timeout", nullptr, kImpl, 0, kLongMax, 15000),
    NUM_CFG("slowlog-log-slower-than", nullptr, 0, -1, kLongMax, 10000),
    NUM_CFG("latency-monitor-threshold", nullptr, 0, 0, kLongMax, 0),
    NUM_CFG("proto-max-bulk-len", nullptr, kMem | kImpl, 1024 * 1024, kLongMax,
            512LL * 1024 * 1024),
    NUM_CFG("stream-node-max-entries", nullptr, 0, 0, kLongMax, 100),
    NUM_CFG("repl-backlog-size", nullptr, kMem | kBacklogMin | kImpl, 1, kLongMax, 1024 * 1024),

    // Unsigned long long.
    NUM_CFG("maxmemory", nullptr, kMem | kUns, 0, kULLongMax, 0),
    NUM_CFG("cluster-link-sendbuf-limit", nullptr, kMem | kUns, 0, kULLongMax, 0),

    // size_t / ssize_t.
    NUM_CFG("hash-max-listpack-entries", "hash-max-ziplist-entries", kUns | kImpl, 0, kLongMax,
            512),
    NUM_CFG("set-max-intset-entries", nullptr, kUns | kImpl, 0, kLongMax, 512),
    NUM_CFG("zset-max-listpack-entries", "zset-max-ziplist-entries", kUns | kImpl, 0, kLongMax,
            128),
    NUM_CFG("active-defrag-ignore-bytes", nullptr, kMem | kUns, 1, kLongMax, 100LL << 20),
    NUM_CFG("hash-max-listpack-value", "hash-max-ziplist-value", kMem | kUns | kImpl, 0, kLongMax,
            64),
    NUM_CFG("stream-node-max-bytes", nullptr, kMem | kUns, 0, kLongMax, 4096),
    NUM_CFG("zset-max-listpack-value", "zset-max-ziplist-value", kMem | kUns | kImpl, 0, kLongMax,
            64),
    NUM_CFG("hll-sparse-max-bytes", nullptr, kMem | kUns | kImpl, 0, kLongMax, 3000),
    NUM_CFG("tracking-table-max-keys", nullptr, kUns, 0, kLongMax, 1000000),
    NUM_CFG("client-query-buffer-limit", nullptr, kMem | kUns | kImpl, 1024 * 1024, kLongMax,
            1024LL * 1024 * 1024),
    NUM_CFG("maxmemory-clients", nullptr, kMem | kPercent, -100, kLongMax, 0),

    // time_t / off_t.
    NUM_CFG("repl-backlog-ttl", nullptr, kImpl, 0, kLongMax, 3600),
    NUM_CFG("auto-aof-rewrite-min-size", nullptr, kMem | kImpl, 0, kLongMax, 64LL * 1024 * 1024),
    NUM_CFG("loading-process-events-interval-bytes", nullptr, kHidden | kImpl, 1024, kIntMax,
            2 * 1024 * 1024),

    // Special directives.
    SPECIAL_CFG("dir", nullptr, Kind::kDir, kProtected | kImpl),
    SPECIAL_CFG("save", nullptr, Kind::kSave, kMultiArg | kImpl),
    SPECIAL_CFG("client-output-buffer-limit", nullptr, Kind::kClientOutputBufferLimit, kMultiArg),
    SPECIAL_CFG("oom-score-adj-values", nullptr, Kind::kOomScoreAdjValues, kMultiArg),
    SPECIAL_CFG("notify-keyspace-events", nullptr, Kind::kNotifyKeyspaceEvents, kImpl),
    SPECIAL_CFG("bind", nullptr, Kind::kBind, kMultiArg | kImpl),
    SPECIAL_CFG("replicaof", "slaveof", Kind::kReplicaOf, kImm | kMultiArg | kImpl),
    SPECIAL_CFG("latency-tracking-info-percentiles", nullptr, Kind::kLatencyPercentiles, kMultiArg),
};

#undef BOOL_CFG
#undef STR_CFG
#undef ENUM_CFG
#undef NUM_CFG
#undef SPECIAL_CFG

// ---- Helpers ----

bool EqualsNoCase(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string Printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

// strtoll() that must consume the whole string (leading blanks and a sign
// are accepted, as in the C code Redis uses for these arguments).
bool LooseParseLongLong(const std::string& s, long long* out) {
  char* end = nullptr;
  *out = strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

// Notify-keyspace-events class bits (Redis's NOTIFY_* values).
constexpr int64_t kNotifyKeyspace = 1 << 0;  // K
constexpr int64_t kNotifyKeyevent = 1 << 1;  // E
constexpr int64_t kNotifyGeneric = 1 << 2;   // g
constexpr int64_t kNotifyString = 1 << 3;    // $
constexpr int64_t kNotifyList = 1 << 4;      // l
constexpr int64_t kNotifySet = 1 << 5;       // s
constexpr int64_t kNotifyHash = 1 << 6;      // h
constexpr int64_t kNotifyZset = 1 << 7;      // z
constexpr int64_t kNotifyExpired = 1 << 8;   // x
constexpr int64_t kNotifyEvicted = 1 << 9;   // e
constexpr int64_t kNotifyStream = 1 << 10;   // t
constexpr int64_t kNotifyKeyMiss = 1 << 11;  // m
constexpr int64_t kNotifyModule = 1 << 13;   // d
constexpr int64_t kNotifyNew = 1 << 14;      // n
constexpr int64_t kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet |
                               kNotifyHash | kNotifyZset | kNotifyExpired | kNotifyEvicted |
                               kNotifyStream | kNotifyModule;  // A

bool ParseNotifyFlags(const std::string& classes, int64_t* flags) {
  int64_t f = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        f |= kNotifyAll;
        break;
      case 'g':
        f |= kNotifyGeneric;
        break;
      case '$':
        f |= kNotifyString;
        break;
      case 'l':
        f |= kNotifyList;
        break;
      case 's':
        f |= kNotifySet;
        break;
      case 'h':
        f |= kNotifyHash;
        break;
      case 'z':
        f |= kNotifyZset;
        break;
      case 'x':
        f |= kNotifyExpired;
        break;
      case 'e':
        f |= kNotifyEvicted;
        break;
      case 'K':
        f |= kNotifyKeyspace;
        break;
      case 'E':
        f |= kNotifyKeyevent;
        break;
      case 't':
        f |= kNotifyStream;
        break;
      case 'm':
        f |= kNotifyKeyMiss;
        break;
      case 'd':
        f |= kNotifyModule;
        break;
      case 'n':
        f |= kNotifyNew;
        break;
      default:
        return false;
    }
  }
  *flags = f;
  return true;
}

std::string NotifyFlagsToString(int64_t f) {
  std::string s;
  if ((f & kNotifyAll) == kNotifyAll) {
    s += 'A';
  } else {
    if (f & kNotifyGeneric) s += 'g';
    if (f & kNotifyString) s += '$';
    if (f & kNotifyList) s += 'l';
    if (f & kNotifySet) s += 's';
    if (f & kNotifyHash) s += 'h';
    if (f & kNotifyZset) s += 'z';
    if (f & kNotifyExpired) s += 'x';
    if (f & kNotifyEvicted) s += 'e';
    if (f & kNotifyStream) s += 't';
    if (f & kNotifyModule) s += 'd';
    if (f & kNotifyNew) s += 'n';
  }
  if (f & kNotifyKeyspace) s += 'K';
  if (f & kNotifyKeyevent) s += 'E';
  if (f & kNotifyKeyMiss) s += 'm';
  return s;
}

std::string EnumName(const DirectiveSpec& spec, int64_t value) {
  const EnumValue* ev = spec.enum_values;
  if (spec.flags & kFlagsEnum) {
    if (value == 0) {
      for (const EnumValue* e = ev; e->name; ++e) {
        if (e->value == 0) return e->name;
      }
    }
    std::vector<std::string> names;
    int64_t left = value;
    for (const EnumValue* e = ev; e->name; ++e) {
      if (e->value != 0 && (left & e->value) == e->value) {
        names.push_back(e->name);
        left &= ~e->value;
      }
    }
    return Join(names, " ");
  }
  for (const EnumValue* e = ev; e->name; ++e) {
    if (e->value == value) return e->name;
  }
  return "unknown";
}

std::string EnumChoices(const DirectiveSpec& spec) {
  std::string out = "argument(s) must be one of the following: ";
  bool first = true;
  for (const EnumValue* e = spec.enum_values; e->name; ++e) {
    if (!first) out += ", ";
    out += e->name;
    first = false;
  }
  return out;
}

bool LookupEnum(const DirectiveSpec& spec, const std::string& name, int64_t* value) {
  for (const EnumValue* e = spec.enum_values; e->name; ++e) {
    if (EqualsNoCase(name, e->name)) {
      *value = e->value;
      return true;
    }
  }
  return false;
}

// "%f" then trailing zeros (and a trailing '.') removed, like Redis's
// trimDoubleString().
std::string FormatPercentile(double v) {
  std::string s = Printf("%f", v);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

// Redis's string2d(): the whole string must be a finite-or-infinite double.
bool StrictParseDouble(const std::string& s, double* out) {
  if (s.empty() || isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  double v = strtod(s.c_str(), &end);
  if (static_cast<size_t>(end - s.c_str()) != s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

const char* const kObufClassNames[3] = {"normal", "replica", "pubsub"};
const char* const kObufGetNames[3] = {"normal", "slave", "pubsub"};
const char* const kObufDefaults[9] = {"0",         "0",        "0",    // normal
                                      "268435456", "67108864", "60",   // replica
                                      "33554432",  "8388608",  "60"};  // pubsub

bool ParseNumeric(const DirectiveSpec& spec, const std::string& v, int64_t* result,
                  std::string* err) {
  const uint32_t f = spec.flags;
  int64_t ll = 0;
  bool ok = false;
  if (f & kMemory) {
    uint64_t u = 0;
    if (MemToULL(v, &u)) {
      ll = static_cast<int64_t>(u);
      ok = true;
    }
  }
  if (!ok && (f & kPercent) && v.size() > 1 && v.back() == '%' &&
      StrictParseLongLong(v.substr(0, v.size() - 1), &ll) && ll >= 0) {
    ll = -ll;
    ok = true;
  }
  if (!ok && (f & kOctal)) {
    errno = 0;
    char* end = nullptr;
    long long r = strtoll(v.c_str(), &end, 8);
    if (errno == 0 && *end == '\0') {
      ll = r;
      ok = true;
    }
  }
  if (!ok && !(f & (kMemory | kPercent | kOctal)) && StrictParseLongLong(v, &ll)) ok = true;
  if (!ok) {
    if ((f & kMemory) && (f & kPercent)) {
      *err = "argument must be a memory or percent value";
    } else if (f & kMemory) {
      *err = "argument must be a memory value";
    } else if (f & kOctal) {
      *err = "argument couldn't be parsed as an octal number";
    } else {
      *err = "argument couldn't be parsed into an integer";
    }
    return false;
  }
  // Bounds, as numericBoundaryCheck().
  if (f & kUnsignedBounds) {
    uint64_t u = static_cast<uint64_t>(ll);
    uint64_t lo = static_cast<uint64_t>(spec.lower);
    uint64_t hi = static_cast<uint64_t>(spec.upper);
    if (u > hi || u < lo) {
      if (f & kOctal) {
        *err = Printf("argument must be between %llo and %llo inclusive",
                      static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi));
      } else {
        *err = Printf("argument must be between %llu and %llu inclusive",
                      static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi));
      }
      return false;
    }
  } else if ((f & kPercent) && ll < 0) {
    if (ll < spec.lower) {
      *err = Printf("percentage argument must be less or equal to %lld",
                    static_cast<long long>(-spec.lower));
      return false;
    }
  } else if (ll > spec.upper || ll < spec.lower) {
    *err = Printf("argument must be between %lld and %lld inclusive",
                  static_cast<long long>(spec.lower), static_cast<long long>(spec.upper));
    return false;
  }
  *result = ll;
  return true;
}

std::string FormatNumeric(const DirectiveSpec& spec, int64_t v) {
  if ((spec.flags & kPercent) && v < 0) return std::to_string(-v) + "%";
  if (spec.flags & kMemory) return std::to_string(static_cast<uint64_t>(v));
  if (spec.flags & kOctal) return Printf("%llo", static_cast<unsigned long long>(v));
  return std::to_string(v);
}

// Resolves a `dir` argument the way chdir() would: relative to ctx.cwd, must
// be a searchable directory. On success *abs is the physical absolute path
// (what getcwd() reports after the chdir).
bool ResolveDirectory(const std::string& path, const std::string& cwd, std::string* abs,
                      std::string* err) {
  if (path.empty()) {
    *err = strerror(ENOENT);
    return false;
  }
  std::string full = path[0] == '/' ? path : cwd + "/" + path;
  char resolved[PATH_MAX];
  if (realpath(full.c_str(), resolved) == nullptr) {
    *err = strerror(errno);
    return false;
  }
  struct stat st;
  if (stat(resolved, &st) != 0) {
    *err = strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *err = strerror(ENOTDIR);
    return false;
  }
  if (access(resolved, X_OK) != 0) {
    *err = strerror(errno);
    return false;
  }
  *abs = resolved;
  return true;
}

}  // namespace

// ---- Table access ----

const std::vector<DirectiveSpec>& DirectiveTable() {
  static const std::vector<DirectiveSpec> table(std::begin(kTable), std::end(kTable));
  return table;
}

int FindDirective(const std::string& lower_name, bool* via_alias) {
  const auto& table = DirectiveTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (lower_name == table[i].name) {
      if (via_alias) *via_alias = false;
      return static_cast<int>(i);
    }
    if (table[i].alias && lower_name == table[i].alias) {
      if (via_alias) *via_alias = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

DirectiveValue DefaultValue(const DirectiveSpec& spec) {
  DirectiveValue v;
  switch (spec.kind) {
    case Kind::kBool:
    case Kind::kNumeric:
    case Kind::kEnum:
      v.number = spec.default_number;
      break;
    case Kind::kString:
      if (spec.default_string) {
        v.text = spec.default_string;
      } else {
        v.is_null = true;
      }
      break;
    case Kind::kSave:
      v.items = {"3600", "1", "300", "100", "60", "10000"};
      break;
    case Kind::kBind:
      v.items = {"*", "-::*"};
      break;
    case Kind::kDir:
      break;  // Config fills in the working directory.
    case Kind::kClientOutputBufferLimit:
      v.items.assign(std::begin(kObufDefaults), std::end(kObufDefaults));
      break;
    case Kind::kOomScoreAdjValues:
      v.items = {"0", "200", "800"};
      break;
    case Kind::kNotifyKeyspaceEvents:
      v.number = 0;
      break;
    case Kind::kReplicaOf:
      break;
    case Kind::kLatencyPercentiles:
      v.items = {"50", "99", "99.9"};
      break;
  }
  return v;
}

// ---- Parsing ----

bool ParseDirective(const DirectiveSpec& spec, const std::vector<std::string>& args,
                    const ParseContext& ctx, bool append_save, DirectiveValue* value,
                    std::string* err) {
  switch (spec.kind) {
    case Kind::kBool: {
      const std::string& a = args.empty() ? std::string() : args[0];
      int64_t yn;
      if (EqualsNoCase(a, "yes")) {
        yn = 1;
      } else if (EqualsNoCase(a, "no")) {
        yn = 0;
      } else {
        *err = "argument must be 'yes' or 'no'";
        return false;
      }
      if ((spec.flags & kValidateDefrag) && yn) {
        *err =
            "Active defragmentation cannot be enabled: it requires a Redis server compiled "
            "with a modified Jemalloc like the one shipped by default with the Redis source "
            "distribution";
        return false;
      }
      value->number = yn;
      return true;
    }
    case Kind::kNumeric: {
      int64_t n;
      if (!ParseNumeric(spec, args.empty() ? std::string() : args[0], &n, err)) return false;
      value->number = n;
      return true;
    }
    case Kind::kEnum: {
      if (spec.flags & kFlagsEnum) {
        if (args.empty()) {
          *err = EnumChoices(spec);
          return false;
        }
        int64_t flags = 0;
        for (const std::string& a : args) {
          int64_t v;
          if (!LookupEnum(spec, a, &v)) {
            *err = EnumChoices(spec);
            return false;
          }
          flags |= v;
        }
        if ((flags & 1) && (flags & 2)) {  // save + nosave
          *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
          return false;
        }
        value->number = flags;
        return true;
      }
      int64_t v;
      if (args.size() != 1 || !LookupEnum(spec, args[0], &v)) {
        *err = EnumChoices(spec);
        return false;
      }
      value->number = v;
      return true;
    }
    case Kind::kString: {
      const std::string& a = args.empty() ? std::string() : args[0];
      if (spec.validator) {
        if (const char* e = spec.validator(a, ctx)) {
          *err = e;
          return false;
        }
      }
      if ((spec.flags & kEmptyIsNull) && a.empty()) {
        value->is_null = true;
        value->text.clear();
      } else {
        value->is_null = false;
        value->text = a;
      }
      return true;
    }
    case Kind::kSave: {
      std::vector<std::string> a = args;
      if (a.size() == 1 && a[0].empty()) a.clear();
      if (a.size() % 2) {
        *err = "Invalid save parameters";
        return false;
      }
      std::vector<std::string> parsed;
      for (size_t j = 0; j < a.size(); ++j) {
        long long v;
        if (!LooseParseLongLong(a[j], &v) || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0)) {
          *err = "Invalid save parameters";
          return false;
        }
        // Seconds are a time_t, changes a C int.
        parsed.push_back(j % 2 == 0 ? std::to_string(v) : std::to_string(static_cast<int32_t>(v)));
      }
      if (a.empty() || !append_save) value->items.clear();
      value->items.insert(value->items.end(), parsed.begin(), parsed.end());
      return true;
    }
    case Kind::kBind: {
      if (args.size() > 16) {
        *err = "Too many bind addresses specified.";
        return false;
      }
      value->items = args;
      if (args.size() == 1 && args[0].empty()) value->items.clear();
      return true;
    }
    case Kind::kDir: {
      if (args.size() != 1) {
        *err = "wrong number of arguments";
        return false;
      }
      std::string abs;
      if (!ResolveDirectory(args[0], ctx.cwd, &abs, err)) return false;
      value->text = abs;
      return true;
    }
    case Kind::kClientOutputBufferLimit: {
      if (args.size() % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return false;
      }
      std::vector<std::string> items = value->items;
      if (items.size() != 9) items.assign(std::begin(kObufDefaults), std::end(kObufDefaults));
      std::vector<std::string> next = items;
      for (size_t j = 0; j < args.size(); j += 4) {
        int cls;
        if (EqualsNoCase(args[j], "normal")) {
          cls = 0;
        } else if (EqualsNoCase(args[j], "slave") || EqualsNoCase(args[j], "replica")) {
          cls = 1;
        } else if (EqualsNoCase(args[j], "pubsub")) {
          cls = 2;
        } else {
          *err = "Invalid client class specified in buffer limit configuration.";
          return false;
        }
        uint64_t hard = 0, soft = 0;
        long long secs = 0;
        bool secs_ok = LooseParseLongLong(args[j + 3], &secs);
        int32_t secs32 = static_cast<int32_t>(secs);
        if (!MemToULL(args[j + 1], &hard) || !MemToULL(args[j + 2], &soft) || !secs_ok ||
            secs32 < 0) {
          *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
          return false;
        }
        next[cls * 3] = std::to_string(hard);
        next[cls * 3 + 1] = std::to_string(soft);
        next[cls * 3 + 2] = std::to_string(secs32);
      }
      value->items = next;
      return true;
    }
    case Kind::kOomScoreAdjValues: {
      if (args.size() != 3) {
        *err = "wrong number of arguments";
        return false;
      }
      std::vector<std::string> items;
      for (const std::string& a : args) {
        long long v;
        if (!LooseParseLongLong(a, &v) || v < -2000 || v > 2000) {
          *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
          return false;
        }
        items.push_back(std::to_string(v));
      }
      value->items = items;
      return true;
    }
    case Kind::kNotifyKeyspaceEvents: {
      if (args.size() != 1) {
        *err = "wrong number of arguments";
        return false;
      }
      int64_t flags;
      if (!ParseNotifyFlags(args[0], &flags)) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return false;
      }
      value->number = flags;
      return true;
    }
    case Kind::kReplicaOf: {
      if (args.size() != 2) {
        *err = "wrong number of arguments";
        return false;
      }
      if (EqualsNoCase(args[0], "no") && EqualsNoCase(args[1], "one")) {
        value->items.clear();
        return true;
      }
      char* end = nullptr;
      long port = strtol(args[1].c_str(), &end, 10);
      if (port < 0 || port > 65535 || *end != '\0') {
        *err = "Invalid master port";
        return false;
      }
      value->items = {args[0], std::to_string(port)};
      return true;
    }
    case Kind::kLatencyPercentiles: {
      std::vector<std::string> items;
      if (!(args.size() == 1 && args[0].empty())) {
        for (const std::string& a : args) {
          double d;
          if (!StrictParseDouble(a, &d)) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            return false;
          }
          if (d > 100.0 || d < 0.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            return false;
          }
          items.push_back(FormatPercentile(d));
        }
      }
      value->items = items;
      return true;
    }
  }
  *err = "unknown directive type";
  return false;
}

// ---- CONFIG GET formatting ----

std::string FormatDirective(const DirectiveSpec& spec, const DirectiveValue& value) {
  switch (spec.kind) {
    case Kind::kBool:
      return value.number ? "yes" : "no";
    case Kind::kNumeric:
      return FormatNumeric(spec, value.number);
    case Kind::kEnum:
      return EnumName(spec, value.number);
    case Kind::kString:
    case Kind::kDir:
      return value.is_null ? std::string() : value.text;
    case Kind::kSave:
    case Kind::kBind:
    case Kind::kOomScoreAdjValues:
    case Kind::kReplicaOf:
    case Kind::kLatencyPercentiles:
      return Join(value.items, " ");
    case Kind::kClientOutputBufferLimit: {
      std::string out;
      for (int cls = 0; cls < 3 && value.items.size() == 9; ++cls) {
        if (cls) out += ' ';
        out += std::string(kObufGetNames[cls]) + " " + value.items[cls * 3] + " " +
               value.items[cls * 3 + 1] + " " + value.items[cls * 3 + 2];
      }
      return out;
    }
    case Kind::kNotifyKeyspaceEvents:
      return NotifyFlagsToString(value.number);
  }
  return std::string();
}

// ---- CONFIG REWRITE lines ----

RewriteLines RewriteDirective(const DirectiveSpec& spec, const DirectiveValue& value,
                              bool sentinel_mode, bool cluster_enabled) {
  RewriteLines out;
  const std::string name = spec.name;
  const DirectiveValue def = DefaultValue(spec);
  auto add = [&out](std::string line, bool force) {
    out.lines.push_back(std::move(line));
    out.force.push_back(force);
  };
  switch (spec.kind) {
    case Kind::kBool:
      add(name + (value.number ? " yes" : " no"), value.number != def.number);
      break;
    case Kind::kNumeric: {
      int64_t v = value.number;
      std::string text;
      if ((spec.flags & kPercent) && v < 0) {
        text = std::to_string(-v) + "%";
      } else if (spec.flags & kMemory) {
        text = FormatMemoryForRewrite(v);
      } else if (spec.flags & kOctal) {
        text = Printf("%llo", static_cast<unsigned long long>(v));
      } else {
        text = std::to_string(v);
      }
      add(name + " " + text, v != def.number);
      break;
    }
    case Kind::kEnum:
      add(name + " " + EnumName(spec, value.number), value.number != def.number);
      break;
    case Kind::kString:
      if (value.is_null) break;  // dropped from the file
      add(name + " " + Repr(value.text),
          !(spec.default_string && value.text == spec.default_string));
      break;
    case Kind::kDir:
      add(name + " " + Repr(value.text), true);
      break;
    case Kind::kSave:
      if (sentinel_mode) break;
      if (value.items.empty()) {
        add("save \"\"", true);
      } else {
        for (size_t j = 0; j + 1 < value.items.size(); j += 2) {
          add("save " + value.items[j] + " " + value.items[j + 1], true);
        }
      }
      break;
    case Kind::kBind:
      if (value.items == def.items) break;  // default: no bind line at all
      add(name + " " + (value.items.empty() ? std::string("\"\"") : Join(value.items, " ")), true);
      break;
    case Kind::kClientOutputBufferLimit:
      for (int cls = 0; cls < 3 && value.items.size() == 9; ++cls) {
        bool force = false;
        for (int k = 0; k < 3; ++k) force |= value.items[cls * 3 + k] != def.items[cls * 3 + k];
        int64_t hard = static_cast<int64_t>(strtoull(value.items[cls * 3].c_str(), nullptr, 10));
        int64_t soft =
            static_cast<int64_t>(strtoull(value.items[cls * 3 + 1].c_str(), nullptr, 10));
        add(name + " " + kObufClassNames[cls] + " " + FormatMemoryForRewrite(hard) + " " +
                FormatMemoryForRewrite(soft) + " " + value.items[cls * 3 + 2],
            force);
      }
      break;
    case Kind::kOomScoreAdjValues:
      add(name + " " + Join(value.items, " "), value.items != def.items);
      break;
    case Kind::kNotifyKeyspaceEvents:
      add(name + " " + Repr(NotifyFlagsToString(value.number)), value.number != 0);
      break;
    case Kind::kReplicaOf:
      if (cluster_enabled || value.items.size() != 2) break;
      add(name + " " + value.items[0] + " " + value.items[1], true);
      break;
    case Kind::kLatencyPercentiles:
      add(name + (value.items.empty() ? std::string(" \"\"") : " " + Join(value.items, " ")), true);
      break;
  }
  return out;
}

// ---- Text primitives ----

bool SplitArgs(const std::string& line, std::vector<std::string>* out) {
  out->clear();
  const char* p = line.c_str();
  auto is_hex = [](char c) { return isxdigit(static_cast<unsigned char>(c)) != 0; };
  auto hex_val = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  while (true) {
    while (*p && isspace(static_cast<unsigned char>(*p))) p++;
    if (!*p) return true;
    bool inq = false;   // inside "double quotes"
    bool insq = false;  // inside 'single quotes'
    bool done = false;
    std::string current;
    while (!done) {
      if (inq) {
        if (p[0] == '\\' && p[1] == 'x' && is_hex(p[2]) && is_hex(p[3])) {
          current.push_back(static_cast<char>(hex_val(p[2]) * 16 + hex_val(p[3])));
          p += 3;
        } else if (p[0] == '\\' && p[1]) {
          p++;
          char c;
          switch (*p) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              c = *p;
              break;
          }
          current.push_back(c);
        } else if (*p == '"') {
          // The closing quote must be followed by a space or nothing.
          if (p[1] && !isspace(static_cast<unsigned char>(p[1]))) return false;
          done = true;
        } else if (!*p) {
          return false;  // unterminated quotes
        } else {
          current.push_back(*p);
        }
      } else if (insq) {
        if (p[0] == '\\' && p[1] == '\'') {
          p++;
          current.push_back('\'');
        } else if (*p == '\'') {
          if (p[1] && !isspace(static_cast<unsigned char>(p[1]))) return false;
          done = true;
        } else if (!*p) {
          return false;
        } else {
          current.push_back(*p);
        }
      } else {
        switch (*p) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            current.push_back(*p);
            break;
        }
      }
      if (*p) p++;
    }
    out->push_back(std::move(current));
  }
}

std::vector<std::string> SplitOnSpaces(const std::string& value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  size_t start = 0;
  for (size_t j = 0; j < value.size(); ++j) {
    if (value[j] == ' ') {
      out.push_back(value.substr(start, j - start));
      start = j + 1;
    }
  }
  out.push_back(value.substr(start));
  return out;
}

std::string Repr(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out.push_back(ch);
        } else {
          out += Printf("\\x%02x", c);
        }
        break;
    }
  }
  out += "\"";
  return out;
}

namespace {

bool GlobMatchAt(const std::string& pat, size_t pi, const std::string& str, size_t si, bool nocase,
                 int depth) {
  auto fold = [nocase](char c) {
    return nocase ? static_cast<char>(tolower(static_cast<unsigned char>(c))) : c;
  };
  if (depth > 1000) return false;  // bounded recursion on hostile patterns
  const size_t plen = pat.size();
  const size_t slen = str.size();
  while (pi < plen && si < slen) {
    switch (pat[pi]) {
      case '*': {
        while (pi + 1 < plen && pat[pi + 1] == '*') pi++;
        if (pi + 1 == plen) return true;
        for (; si < slen; ++si) {
          if (GlobMatchAt(pat, pi + 1, str, si, nocase, depth + 1)) return true;
        }
        return false;
      }
      case '?':
        si++;
        break;
      case '[': {
        pi++;
        bool negate = pi < plen && pat[pi] == '^';
        if (negate) pi++;
        bool match = false;
        while (true) {
          if (pi + 1 < plen && pat[pi] == '\\') {
            pi++;
            if (pat[pi] == str[si]) match = true;
          } else if (pi < plen && pat[pi] == ']') {
            break;
          } else if (pi >= plen) {
            pi--;  // step back so the increment below lands on the end
            break;
          } else if (pi + 2 < plen && pat[pi + 1] == '-') {
            char start = fold(pat[pi]);
            char end = fold(pat[pi + 2]);
            char c = fold(str[si]);
            if (start > end) std::swap(start, end);
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (fold(pat[pi]) == fold(str[si])) {
            match = true;
          }
          pi++;
        }
        if (negate) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case '\\':
        if (pi + 1 < plen) pi++;
        // fall through: compare the escaped character literally
        [[fallthrough]];
      default:
        if (fold(pat[pi]) != fold(str[si])) return false;
        si++;
        break;
    }
    pi++;
    if (si == slen) {
      while (pi < plen && pat[pi] == '*') pi++;
      break;
    }
  }
  return pi >= plen && si == slen;
}

}  // namespace

bool GlobMatch(const std::string& pattern, const std::string& text, bool nocase) {
  return GlobMatchAt(pattern, 0, text, 0, nocase, 0);
}

bool StrictParseLongLong(const std::string& s, int64_t* out) {
  const size_t slen = s.size();
  if (slen == 0 || slen >= 21) return false;
  if (slen == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t p = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    p++;
    if (p == slen) return false;
  }
  if (s[p] < '1' || s[p] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[p] - '0');
  p++;
  while (p < slen && s[p] >= '0' && s[p] <= '9') {
    uint64_t d = static_cast<uint64_t>(s[p] - '0');
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    if (v > UINT64_MAX - d) return false;
    v += d;
    p++;
  }
  if (p < slen) return false;
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool MemToULL(const std::string& s, uint64_t* out) {
  if (!s.empty() && s[0] == '-') return false;
  size_t u = 0;
  while (u < s.size() && isdigit(static_cast<unsigned char>(s[u]))) u++;
  std::string unit = s.substr(u);
  uint64_t mul;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000ULL * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024ULL * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  if (u >= 128) return false;
  // strtoull() semantics: digits saturate at ULLONG_MAX; "" is 0.
  uint64_t val = 0;
  for (size_t i = 0; i < u; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (val > (UINT64_MAX - d) / 10) {
      val = UINT64_MAX;
      break;
    }
    val = val * 10 + d;
  }
  *out = val * mul;  // wraps on overflow, as the C original does
  return true;
}

std::string FormatMemoryForRewrite(int64_t bytes) {
  const int64_t gb = 1024LL * 1024 * 1024;
  const int64_t mb = 1024LL * 1024;
  const int64_t kb = 1024;
  if (bytes && bytes % gb == 0) return std::to_string(bytes / gb) + "gb";
  if (bytes && bytes % mb == 0) return std::to_string(bytes / mb) + "mb";
  if (bytes && bytes % kb == 0) return std::to_string(bytes / kb) + "kb";
  return std::to_string(bytes);
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---- SHA-256 (FIPS 180-4), for the default user's password hash ----

namespace {

constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void Sha256Block(const unsigned char* block, uint32_t h[8]) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = (static_cast<uint32_t>(block[i * 4]) << 24) |
           (static_cast<uint32_t>(block[i * 4 + 1]) << 16) |
           (static_cast<uint32_t>(block[i * 4 + 2]) << 8) | static_cast<uint32_t>(block[i * 4 + 3]);
  }
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + s1 + ch + kSha256K[i] + w[i];
    uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = data;
  uint64_t bit_len = static_cast<uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bit_len >> (i * 8)) & 0xff));
  for (size_t off = 0; off < msg.size(); off += 64) {
    Sha256Block(reinterpret_cast<const unsigned char*>(msg.data() + off), h);
  }
  std::string out;
  for (uint32_t word : h) out += Printf("%08x", word);
  return out;
}

}  // namespace config_internal
}  // namespace troupe
