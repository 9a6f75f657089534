// Tests for the config model (actors/node/config.{h,cc} and
// config_directives.{h,cc}). Expected texts and values come from Debian's
// redis-server 7.0.15: testdata/ holds its CONFIG GET * output, the replies
// to CONFIG SET probes of every directive, Debian's stock 7.0 redis.conf, the
// example lines of that file with the verdict redis-server gave on each, and
// a CONFIG REWRITE before/after pair. Plain GoogleTest, no actors; files are
// written only under a fresh temporary directory.

#include "actors/node/config.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "actors/node/config_directives.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace troupe {
namespace {

namespace ci = config_internal;

// ---- Helpers ----

std::string TestDataDir() {
  if (const char* env = std::getenv("TROUPE_CONFIG_TESTDATA")) return env;
  std::string here = __FILE__;
  size_t slash = here.rfind('/');
  return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/testdata";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

std::vector<std::string> Tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '\t') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// A fresh temporary directory (physical path), removed at the end.

Config Load(const std::string& text) {
  Result<Config> r = Config::FromText(text, "");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r.value()) : Config();
}

std::string Error(const std::string& text) {
  Result<Config> r = Config::FromText(text, "");
  EXPECT_FALSE(r.ok()) << "loaded: " << text;
  return r.ok() ? std::string() : r.status().message();
}

std::string Get1(const Config& c, const std::string& name) {
  auto kv = c.Get({name});
  EXPECT_EQ(kv.size(), 1u) << name;
  return kv.empty() ? std::string("<missing>") : kv[0].second;
}

std::string Fatal(int line, const std::string& text, const std::string& reason) {
  return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "
         "at line " +
         std::to_string(line) + "\n>>> '" + text + "'\n" + reason;
}

// ---- Primitives ----

TEST(ConfigPrimitives, SplitArgsHandlesQuotesAndEscapes) {
  std::vector<std::string> a;
  ASSERT_TRUE(ci::SplitArgs("  set key \"a b\\\"c\\n\\x41\"  'it\\'s' x\"y z\" ", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"set", "key", "a b\"c\nA", "it's", "xy z"}));
  ASSERT_TRUE(ci::SplitArgs("", &a));
  EXPECT_TRUE(a.empty());
  ASSERT_TRUE(ci::SplitArgs("requirepass \"\"", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"requirepass", ""}));
  EXPECT_FALSE(ci::SplitArgs("foo \"unbalanced", &a));
  EXPECT_FALSE(ci::SplitArgs("foo 'unbalanced", &a));
  EXPECT_FALSE(ci::SplitArgs("foo \"a\"b", &a));  // closing quote must end the argument
  EXPECT_FALSE(ci::SplitArgs("foo 'a'b", &a));
}

TEST(ConfigPrimitives, SplitOnSpacesKeepsEmptyTokens) {
  EXPECT_TRUE(ci::SplitOnSpaces("").empty());
  EXPECT_EQ(ci::SplitOnSpaces("3600 1"), (std::vector<std::string>{"3600", "1"}));
  EXPECT_EQ(ci::SplitOnSpaces("3600  1"), (std::vector<std::string>{"3600", "", "1"}));
  EXPECT_EQ(ci::SplitOnSpaces(" 1 "), (std::vector<std::string>{"", "1", ""}));
}

TEST(ConfigPrimitives, ReprQuotesLikeSdscatrepr) {
  EXPECT_EQ(ci::Repr("plain"), "\"plain\"");
  EXPECT_EQ(ci::Repr("a\"b\\c\n\r\t\a\b"), "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\"");
  EXPECT_EQ(ci::Repr(std::string("\x01\xff", 2)), "\"\\x01\\xff\"");
}

TEST(ConfigPrimitives, GlobMatchFollowsRedisRules) {
  EXPECT_TRUE(ci::GlobMatch("*", "port", true));
  EXPECT_TRUE(ci::GlobMatch("p?rt", "port", true));
  EXPECT_TRUE(ci::GlobMatch("P*T", "port", true));
  EXPECT_FALSE(ci::GlobMatch("P*T", "port", false));
  EXPECT_TRUE(ci::GlobMatch("h[a-z]", "hz", true));
  EXPECT_TRUE(ci::GlobMatch("h[^a]", "hz", true));
  EXPECT_FALSE(ci::GlobMatch("h[^z]", "hz", true));
  EXPECT_TRUE(ci::GlobMatch("h[z-a]", "hz", true));  // reversed range
  EXPECT_TRUE(ci::GlobMatch("h\\z", "hz", true));
  EXPECT_FALSE(ci::GlobMatch("*\\**", "port", true));
  EXPECT_TRUE(ci::GlobMatch("*-*-*", "repl-diskless-sync", true));
  EXPECT_FALSE(ci::GlobMatch("port?", "port", true));
  EXPECT_TRUE(ci::GlobMatch("port*", "port", true));
  EXPECT_TRUE(ci::GlobMatch("[pq", "p", true));  // unterminated class
}

TEST(ConfigPrimitives, StrictIntegers) {
  int64_t v = 0;
  EXPECT_TRUE(ci::StrictParseLongLong("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ci::StrictParseLongLong("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(ci::StrictParseLongLong("9223372036854775807", &v));
  EXPECT_FALSE(ci::StrictParseLongLong("9223372036854775808", &v));
  EXPECT_FALSE(ci::StrictParseLongLong("+1", &v));
  EXPECT_FALSE(ci::StrictParseLongLong("01", &v));
  EXPECT_FALSE(ci::StrictParseLongLong("-0", &v));
  EXPECT_FALSE(ci::StrictParseLongLong(" 1", &v));
  EXPECT_FALSE(ci::StrictParseLongLong("", &v));
}

TEST(ConfigPrimitives, Sha256) {
  EXPECT_EQ(ci::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ci::Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The hash redis-server 7.0.15 wrote for requirepass "pa ss\"w".
  EXPECT_EQ(ci::Sha256Hex("pa ss\"w"),
            "1ad215efd1ca0fdf23e41ad17deb8326560610d21956f8a14459d4104daad1b3");
}

// ---- ParseMemory ----

TEST(ParseMemory, UnitsLikeMemtoull) {
  EXPECT_EQ(*ParseMemory("42"), 42);
  EXPECT_EQ(*ParseMemory("5b"), 5);
  EXPECT_EQ(*ParseMemory("100k"), 100000);
  EXPECT_EQ(*ParseMemory("100K"), 100000);
  EXPECT_EQ(*ParseMemory("100kb"), 102400);
  EXPECT_EQ(*ParseMemory("100kB"), 102400);
  EXPECT_EQ(*ParseMemory("2m"), 2000000);
  EXPECT_EQ(*ParseMemory("512mb"), 512LL * 1024 * 1024);
  EXPECT_EQ(*ParseMemory("1g"), 1000000000);
  EXPECT_EQ(*ParseMemory("1GB"), 1LL << 30);
  EXPECT_EQ(*ParseMemory(""), 0);  // as memtoull
  EXPECT_FALSE(ParseMemory("-1").ok());
  EXPECT_FALSE(ParseMemory("1.5gb").ok());
  EXPECT_FALSE(ParseMemory("0x10").ok());
  EXPECT_FALSE(ParseMemory("+5").ok());
  EXPECT_FALSE(ParseMemory(" 5").ok());
  EXPECT_FALSE(ParseMemory("1zb").ok());
  EXPECT_FALSE(ParseMemory("18446744073709551615").ok());  // beyond int64
}

// ---- The directive table ----

TEST(ConfigDirectives, TableCoversRedisConfigGetAll) {
  std::set<std::string> ours;
  for (const DirectiveInfo& d : Config::Directives()) {
    EXPECT_TRUE(ours.insert(d.name).second) << "duplicate " << d.name;
    for (const std::string& a : d.aliases) EXPECT_TRUE(ours.insert(a).second) << a;
  }
  std::set<std::string> redis;
  for (const std::string& line :
       Lines(ReadAll(TestDataDir() + "/redis-7.0.15-config-get-all.tsv"))) {
    if (line.empty() || line[0] == '#') continue;
    redis.insert(Tabs(line)[0]);
  }
  ASSERT_EQ(redis.size(), 192u);
  for (const std::string& name : redis) EXPECT_TRUE(ours.count(name)) << "missing " << name;
  // Ours = Redis's visible names + its hidden ones.
  std::set<std::string> hidden = {"use-exit-on-panic", "rdb-key-save-delay", "key-load-delay",
                                  "watchdog-period", "loading-process-events-interval-bytes"};
  for (const std::string& name : ours) {
    EXPECT_TRUE(redis.count(name) || hidden.count(name)) << "unknown to Redis: " << name;
  }
}

TEST(ConfigDirectives, ImplementedSetIsTheBriefs) {
  std::set<std::string> implemented;
  for (const DirectiveInfo& d : Config::Directives()) {
    if (d.implemented) implemented.insert(d.name);
  }
  std::set<std::string> expected = {"bind",
                                    "enable-debug-command",
                                    "hll-sparse-max-bytes",
                                    "lfu-log-factor",
                                    "lfu-decay-time",
                                    "port",
                                    "tcp-backlog",
                                    "timeout",
                                    "tcp-keepalive",
                                    "protected-mode",
                                    "databases",
                                    "daemonize",
                                    "pidfile",
                                    "loglevel",
                                    "logfile",
                                    "dir",
                                    "requirepass",
                                    "maxclients",
                                    "proto-max-bulk-len",
                                    "client-query-buffer-limit",
                                    "hz",
                                    "hash-max-listpack-entries",
                                    "hash-max-listpack-value",
                                    "set-max-intset-entries",
                                    "zset-max-listpack-entries",
                                    "zset-max-listpack-value",
                                    "list-max-listpack-size",
                                    "notify-keyspace-events",
                                    "rdbcompression",
                                    "rdbchecksum",
                                    "appendonly",
                                    "appendfsync",
                                    "appendfilename",
                                    "appenddirname",
                                    "aof-use-rdb-preamble",
                                    "aof-load-truncated",
                                    "auto-aof-rewrite-percentage",
                                    "auto-aof-rewrite-min-size",
                                    "save",
                                    "dbfilename",
                                    "key-load-delay",
                                    "loading-process-events-interval-bytes",
                                    "repl-diskless-sync",
                                    "replica-serve-stale-data",
                                    "replica-read-only",
                                    "replica-announced",
                                    "replica-announce-ip",
                                    "masteruser",
                                    "masterauth",
                                    "replica-priority",
                                    "repl-diskless-sync-delay",
                                    "replica-announce-port",
                                    "repl-timeout",
                                    "repl-ping-replica-period",
                                    "min-replicas-to-write",
                                    "min-replicas-max-lag",
                                    "repl-backlog-size",
                                    "repl-backlog-ttl",
                                    "replicaof",
                                    "cluster-enabled",
                                    "cluster-config-file",
                                    "cluster-node-timeout",
                                    "cluster-replica-no-failover",
                                    "cluster-require-full-coverage",
                                    "cluster-allow-reads-when-down",
                                    "cluster-port",
                                    "cluster-announce-ip",
                                    "cluster-announce-hostname",
                                    "cluster-announce-port",
                                    "cluster-announce-bus-port"};
  EXPECT_EQ(implemented, expected);
}

TEST(ConfigDirectives, MutabilityAndSensitivity) {
  std::map<std::string, DirectiveInfo> by_name;
  for (const DirectiveInfo& d : Config::Directives()) by_name[d.name] = d;
  for (const char* name : {"daemonize", "databases", "replicaof", "cluster-enabled",
                           "cluster-config-file", "tcp-backlog", "logfile", "pidfile"}) {
    EXPECT_FALSE(by_name[name].mutable_at_runtime) << name;
  }
  for (const char* name : {"port", "bind", "save", "appendonly", "maxmemory", "hz"}) {
    EXPECT_TRUE(by_name[name].mutable_at_runtime) << name;
  }
  EXPECT_TRUE(by_name["requirepass"].sensitive);
  EXPECT_TRUE(by_name["masterauth"].sensitive);
  EXPECT_TRUE(by_name["masteruser"].sensitive);
  EXPECT_FALSE(by_name["port"].sensitive);
  EXPECT_EQ(by_name["replicaof"].aliases, std::vector<std::string>{"slaveof"});
}

// ---- Defaults and CONFIG GET ----

TEST(ConfigGet, AllMatchesRedisDefaults) {
  TempDir dir;
  Result<Config> r = Config::FromArgs({"--port", "6413", "--dir", dir.path()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, std::string> ours;
  for (const auto& kv : r->Get({"*"})) {
    EXPECT_TRUE(ours.emplace(kv.first, kv.second).second) << "twice: " << kv.first;
  }
  std::map<std::string, std::string> redis;
  for (const std::string& line :
       Lines(ReadAll(TestDataDir() + "/redis-7.0.15-config-get-all.tsv"))) {
    if (line.empty() || line[0] == '#') continue;
    auto t = Tabs(line);
    redis[t[0]] = t.size() > 1 ? t[1] : "";
  }
  redis["dir"] = dir.path();
  EXPECT_EQ(ours, redis);
}

TEST(ConfigGet, DefaultOptions) {
  Config c;
  const ServerOptions& o = c.options();
  EXPECT_EQ(o.bind, (std::vector<std::string>{"*", "-::*"}));
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.databases, 16);
  EXPECT_EQ(o.loglevel, "notice");
  EXPECT_EQ(o.save_points.size(), 3u);
  EXPECT_EQ(o.save_points[2].seconds, 60);
  EXPECT_EQ(o.save_points[2].changes, 10000);
  EXPECT_EQ(o.hash_max_listpack_entries, 512);
  EXPECT_EQ(o.zset_max_listpack_entries, 128);
  EXPECT_EQ(o.proto_max_bulk_len, 512LL << 20);
  EXPECT_EQ(o.cluster_node_timeout_ms, 15000);
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(o.dir, cwd);
  EXPECT_EQ(Get1(c, "save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(Get1(c, "bind"), "* -::*");
  EXPECT_EQ(Get1(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST(ConfigGet, PatternsAsRedis) {
  Config c;
  // An exact name is echoed as typed; a case variant of it is not repeated.
  auto kv = c.Get({"PORT", "port", "p?rt"});
  ASSERT_EQ(kv.size(), 1u);
  EXPECT_EQ(kv[0].first, "PORT");
  EXPECT_EQ(kv[0].second, "6379");
  // Aliases are names of their own.
  kv = c.Get({"slaveof"});
  ASSERT_EQ(kv.size(), 1u);
  EXPECT_EQ(kv[0].first, "slaveof");
  std::set<std::string> names;
  for (const auto& p : c.Get({"SLAVE*"})) names.insert(p.first);
  EXPECT_EQ(names,
            (std::set<std::string>{"slave-lazy-flush", "slave-serve-stale-data", "slave-priority",
                                   "slave-announce-port", "slaveof", "slave-announce-ip",
                                   "slave-ignore-maxmemory", "slave-read-only"}));
  // Hidden configs only by exact name.
  EXPECT_EQ(c.Get({"use-exit-on-panic"}).size(), 1u);
  EXPECT_TRUE(c.Get({"use-exit*"}).empty());
  // Classes, negation, escapes without glob characters.
  EXPECT_EQ(c.Get({"hz", "h[a-z]"}).size(), 1u);
  EXPECT_EQ(c.Get({"h[^a]"}).size(), 1u);
  EXPECT_TRUE(c.Get({"h\\z"}).empty());  // no * ? [ : looked up literally
  EXPECT_TRUE(c.Get({"*\\**"}).empty());
  EXPECT_TRUE(c.Get({"nosuchthing"}).empty());
  // Several patterns: union without duplicates.
  kv = c.Get({"maxmemory*", "maxmemory"});
  names.clear();
  for (const auto& p : kv) EXPECT_TRUE(names.insert(p.first).second);
  EXPECT_EQ(names, (std::set<std::string>{"maxmemory", "maxmemory-policy", "maxmemory-samples",
                                          "maxmemory-eviction-tenacity", "maxmemory-clients"}));
}

TEST(ConfigGet, PatternGridMatchesRedis) {
  // Patterns (space-separated when several) and the sorted names
  // redis-server 7.0.15 returned for them.
  int rows = 0;
  for (const std::string& line :
       Lines(ReadAll(TestDataDir() + "/redis-7.0.15-config-get-patterns.tsv"))) {
    auto t = Tabs(line);
    ASSERT_EQ(t.size(), 2u) << line;
    std::vector<std::string> patterns;
    std::stringstream ps(t[0]);
    for (std::string p; ps >> p;) patterns.push_back(p);
    std::vector<std::string> got;
    for (const auto& kv : Config().Get(patterns)) got.push_back(kv.first);
    std::sort(got.begin(), got.end());
    std::vector<std::string> want;
    std::stringstream ws(t[1]);
    for (std::string w; ws >> w;) want.push_back(w);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << t[0];
    ++rows;
  }
  EXPECT_EQ(rows, 38);
}

// ---- Loading config text ----

TEST(ConfigLoad, DebianStockRedisConf) {
  TempDir dir;
  std::string text = ReadAll(TestDataDir() + "/redis-7.0-debian.conf");
  ASSERT_FALSE(text.empty());
  text = ReplaceAll(text, "\ndir /var/lib/redis\n", "\ndir " + dir.path() + "\n");
  Result<Config> r = Config::FromText(text, dir.File("redis.conf"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ServerOptions& o = r->options();
  EXPECT_EQ(o.bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  EXPECT_TRUE(o.daemonize);
  EXPECT_EQ(o.pidfile, "/run/redis/redis-server.pid");
  EXPECT_EQ(o.logfile, "/var/log/redis/redis-server.log");
  EXPECT_EQ(o.dir, dir.path());
  EXPECT_EQ(o.hash_max_listpack_entries, 512);
  EXPECT_EQ(Get1(*r, "auto-aof-rewrite-min-size"), "67108864");
  EXPECT_EQ(Get1(*r, "proc-title-template"), "{title} {listen-addr} {server-mode}");
  EXPECT_EQ(Get1(*r, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(r->config_file(), dir.File("redis.conf"));
  // Everything it sets to a non-default value is implemented.
  EXPECT_EQ(r->UnimplementedInUse(), std::vector<std::string>{});
}

TEST(ConfigLoad, Redis62StockDirectivesAsTheTutorialEditsThem) {
  Result<Config> r = Config::FromText(ReadAll(TestDataDir() + "/redis-6.2-directives.conf"), "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ServerOptions& o = r->options();
  EXPECT_EQ(o.bind, std::vector<std::string>{"0.0.0.0"});
  EXPECT_EQ(o.databases, 1);
  EXPECT_EQ(o.replica_announce_ip, "192.168.150.101");
  ASSERT_EQ(o.save_points.size(), 3u);
  EXPECT_EQ(o.save_points[0].seconds, 3600);
  EXPECT_EQ(o.save_points[1].changes, 100);
  EXPECT_EQ(Get1(*r, "repl-diskless-sync"), "no");
  EXPECT_EQ(Get1(*r, "busy-reply-threshold"), "5000");
  EXPECT_EQ(Get1(*r, "pidfile"), "/var/run/redis_6379.pid");
  std::vector<std::string> unimplemented = r->UnimplementedInUse();
  std::sort(unimplemented.begin(), unimplemented.end());
  EXPECT_EQ(unimplemented, std::vector<std::string>{});
}

TEST(ConfigLoad, EveryExampleLineOfTheStockConfBehavesAsRedis) {
  // Each line (active or commented-out example of Debian's redis.conf) was
  // given alone to redis-server 7.0.15; testdata records ok / its error.
  int checked = 0;
  for (const std::string& row : Lines(ReadAll(TestDataDir() + "/redis-7.0-conf-examples.tsv"))) {
    auto t = Tabs(row);
    ASSERT_EQ(t.size(), 3u) << row;
    const std::string& line = t[0];
    if (line.compare(0, 4, "dir ") == 0) {
      struct stat st;
      if (stat(line.substr(4).c_str(), &st) != 0) continue;  // needs that directory
    }
    Result<Config> r = Config::FromText(line + "\n", "");
    if (t[1] == "ok") {
      EXPECT_TRUE(r.ok()) << line << " -> " << r.status().message();
    } else {
      ASSERT_FALSE(r.ok()) << line;
      const std::string& msg = r.status().message();
      if (t[2] == "can't open config file") {
        EXPECT_NE(msg.find("Fatal error, can't open config file"), std::string::npos) << msg;
      } else {
        EXPECT_EQ(msg, Fatal(1, line, t[2]));
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 190);
}

TEST(ConfigLoad, EveryAliasSetsItsDirective) {
  const std::map<std::string, std::string> samples = {
      {"cluster-slave-no-failover", "yes"},
      {"slave-lazy-flush", "yes"},
      {"slave-serve-stale-data", "no"},
      {"slave-read-only", "no"},
      {"slave-ignore-maxmemory", "no"},
      {"slave-announce-ip", "10.0.0.9"},
      {"cluster-slave-validity-factor", "3"},
      {"list-max-ziplist-size", "-3"},
      {"slave-priority", "7"},
      {"slave-announce-port", "1234"},
      {"repl-ping-slave-period", "3"},
      {"min-slaves-to-write", "2"},
      {"min-slaves-max-lag", "4"},
      {"lua-time-limit", "100"},
      {"hash-max-ziplist-entries", "99"},
      {"zset-max-ziplist-entries", "98"},
      {"hash-max-ziplist-value", "97"},
      {"zset-max-ziplist-value", "96"},
      {"slaveof", "127.0.0.1 7001"},
  };
  size_t aliases = 0;
  for (const DirectiveInfo& d : Config::Directives()) {
    for (const std::string& alias : d.aliases) {
      ++aliases;
      auto it = samples.find(alias);
      ASSERT_NE(it, samples.end()) << "no sample for alias " << alias;
      Config c = Load(alias + " " + it->second + "\n");
      EXPECT_EQ(Get1(c, d.name), it->second) << alias;
      EXPECT_EQ(Get1(c, alias), it->second) << alias;
      // Upper case works too.
      std::string upper = alias;
      for (char& ch : upper) ch = static_cast<char>(toupper(ch));
      Config c2 = Load(upper + " " + it->second + "\n");
      EXPECT_EQ(Get1(c2, d.name), it->second) << upper;
      // And CONFIG SET by alias (when mutable).
      if (d.mutable_at_runtime) {
        Config c3;
        EXPECT_TRUE(c3.Set({{alias, it->second}}).ok()) << alias;
        EXPECT_EQ(Get1(c3, d.name), it->second) << alias;
      }
    }
  }
  EXPECT_EQ(aliases, samples.size());
  Config c = Load("slaveof 10.1.2.3 7001\nhash-max-ziplist-entries 7\nlist-max-ziplist-size 5\n");
  EXPECT_EQ(c.options().replicaof_host, "10.1.2.3");
  EXPECT_EQ(c.options().replicaof_port, 7001);
  EXPECT_EQ(c.options().hash_max_listpack_entries, 7);
  EXPECT_EQ(c.options().list_max_listpack_size, 5);
}

TEST(ConfigLoad, CommentsBlanksQuotingAndCase) {
  Config c = Load(
      "# comment\n"
      "\n"
      "   \t \n"
      "  PORT 7001  \r\n"
      "requirepass \"se cret\\\"x\"\n"
      "masterauth 'it\\'s'\n"
      "logfile \"\"\n"
      "pidfile \"\"\n"
      "LogLevel WARNING\n"
      "daemonize YES\n"
      "replica-announce-ip \"\\x31\\x32\"\n");
  EXPECT_EQ(c.options().port, 7001);
  EXPECT_EQ(c.options().requirepass, "se cret\"x");
  EXPECT_EQ(Get1(c, "masterauth"), "it's");
  EXPECT_EQ(c.options().logfile, "");
  EXPECT_EQ(c.options().pidfile, "");
  EXPECT_EQ(c.options().loglevel, "warning");
  EXPECT_TRUE(c.options().daemonize);
  EXPECT_EQ(c.options().replica_announce_ip, "12");
}

TEST(ConfigLoad, SaveLinesReplaceDefaultsThenAccumulate) {
  EXPECT_EQ(Get1(Load("save 3600 1\nsave 300 100\n"), "save"), "3600 1 300 100");
  EXPECT_EQ(Get1(Load("save 3600 1\nsave \"\"\nsave 1 1\n"), "save"), "1 1");
  EXPECT_EQ(Get1(Load("save \"\"\n"), "save"), "");
  EXPECT_EQ(Get1(Load("save 3600 1 300 100\nsave 5 5 \n"), "save"), "3600 1 300 100 5 5");
  EXPECT_EQ(Get1(Load("save \" 5  5 \"\n"), "save"), "5 5");  // one quoted argument
  EXPECT_EQ(Get1(Load("save \"5 \\\"6\"\n"), "save"), "");    // unbalanced inside: none
  EXPECT_TRUE(Load("save \"\"\n").options().save_points.empty());
  EXPECT_EQ(Error("save 3600\n"), Fatal(1, "save 3600", "Invalid save parameters"));
  EXPECT_EQ(Error("save 0 1\n"), Fatal(1, "save 0 1", "Invalid save parameters"));
  EXPECT_EQ(Error("save \"7 7\" 8 8\n"), Fatal(1, "save \"7 7\" 8 8", "Invalid save parameters"));
}

TEST(ConfigLoad, MultiArgumentDirectives) {
  Config c = Load(
      "bind 127.0.0.1 ::1\n"
      "client-output-buffer-limit replica 1mb 2k 3 pubsub 1 1 1\n"
      "client-output-buffer-limit SLAVE 2mb 2mb 9\n"
      "oom-score-adj-values \" 1 2 \\\"3\\\" \"\n"
      "latency-tracking-info-percentiles 1.50 99.999 3\n"
      "notify-keyspace-events KEA\n"
      "shutdown-on-sigint \"now save\"\n");
  EXPECT_EQ(c.options().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(Get1(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 2097152 2097152 9 pubsub 1 1 1");
  EXPECT_EQ(Get1(c, "oom-score-adj-values"), "1 2 3");
  EXPECT_EQ(Get1(c, "latency-tracking-info-percentiles"), "1.5 99.999 3");
  EXPECT_EQ(Get1(c, "notify-keyspace-events"), "AKE");
  EXPECT_EQ(Get1(c, "shutdown-on-sigint"), "save now");
  EXPECT_TRUE(Load("bind\n").options().bind.empty());
  EXPECT_TRUE(Load("bind \"\"\n").options().bind.empty());
  EXPECT_EQ(Get1(Load("notify-keyspace-events Kg$lshzxetmdn\n"), "notify-keyspace-events"), "AKm");
  EXPECT_EQ(Get1(Load("notify-keyspace-events Ex\n"), "notify-keyspace-events"), "xE");
}

TEST(ConfigLoad, NumbersAsRedis) {
  EXPECT_EQ(Get1(Load("hz 1000\n"), "hz"), "500");  // clamped after load
  EXPECT_EQ(Get1(Load("hz 0\n"), "hz"), "1");
  EXPECT_EQ(Get1(Load("maxmemory 1GB\n"), "maxmemory"), "1073741824");
  EXPECT_EQ(Get1(Load("maxmemory 100k\n"), "maxmemory"), "100000");
  EXPECT_EQ(Get1(Load("maxmemory 18446744073709551616\n"), "maxmemory"), "18446744073709551615");
  EXPECT_EQ(Get1(Load("maxmemory-clients 10%\n"), "maxmemory-clients"), "10%");
  EXPECT_EQ(Get1(Load("unixsocketperm 777\n"), "unixsocketperm"), "777");
  EXPECT_EQ(Get1(Load("oom-score-adj relative\n"), "oom-score-adj"), "yes");
  EXPECT_EQ(Get1(Load("slowlog-log-slower-than -1\n"), "slowlog-log-slower-than"), "-1");
  EXPECT_EQ(Load("proto-max-bulk-len 100mb\n").options().proto_max_bulk_len, 100LL << 20);
}

TEST(ConfigLoad, FatalErrorTextsMatchRedis) {
  // Each expectation was printed by redis-server 7.0.15 for the same file.
  EXPECT_EQ(Error("port 6402\nfoo bar\n"),
            Fatal(2, "foo bar", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(Error("daemonize maybe\n"),
            Fatal(1, "daemonize maybe", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(Error("databases 0\n"),
            Fatal(1, "databases 0", "argument must be between 1 and 2147483647 inclusive"));
  EXPECT_EQ(Error("loglevel loud\n"),
            Fatal(1, "loglevel loud",
                  "argument(s) must be one of the following: debug, verbose, notice, warning"));
  EXPECT_EQ(Error("port\n"), Fatal(1, "port", "wrong number of arguments"));
  EXPECT_EQ(Error("port 1 2\n"), Fatal(1, "port 1 2", "wrong number of arguments"));
  EXPECT_EQ(Error("port abc\n"),
            Fatal(1, "port abc", "argument couldn't be parsed into an integer"));
  EXPECT_EQ(Error("port +6402\n"),
            Fatal(1, "port +6402", "argument couldn't be parsed into an integer"));
  EXPECT_EQ(Error("port 65536\n"),
            Fatal(1, "port 65536", "argument must be between 0 and 65535 inclusive"));
  EXPECT_EQ(Error("timeout -1\n"),
            Fatal(1, "timeout -1", "argument must be between 0 and 2147483647 inclusive"));
  EXPECT_EQ(Error("maxmemory 1zb\n"), Fatal(1, "maxmemory 1zb", "argument must be a memory value"));
  EXPECT_EQ(Error("maxmemory -1\n"), Fatal(1, "maxmemory -1", "argument must be a memory value"));
  EXPECT_EQ(Error("maxmemory-clients 101%\n"),
            Fatal(1, "maxmemory-clients 101%", "percentage argument must be less or equal to 100"));
  EXPECT_EQ(Error("maxmemory-clients -5\n"),
            Fatal(1, "maxmemory-clients -5", "argument must be a memory or percent value"));
  EXPECT_EQ(Error("unixsocketperm 778\n"),
            Fatal(1, "unixsocketperm 778", "argument couldn't be parsed as an octal number"));
  EXPECT_EQ(Error("unixsocketperm 1777\n"),
            Fatal(1, "unixsocketperm 1777", "argument must be between 0 and 777 inclusive"));
  EXPECT_EQ(Error("dir /nonexistent-troupe\n"),
            Fatal(1, "dir /nonexistent-troupe", "No such file or directory"));
  EXPECT_EQ(Error("sentinel monitor m 127.0.0.1 1 2\n"),
            Fatal(1, "sentinel monitor m 127.0.0.1 1 2",
                  "sentinel directive while not in sentinel mode"));
  EXPECT_EQ(Error("  foo \"unbalanced\n"),
            Fatal(1, "foo \"unbalanced", "Unbalanced quotes in configuration line"));
  EXPECT_EQ(Error("replicaof a b\n"), Fatal(1, "replicaof a b", "Invalid master port"));
  EXPECT_EQ(Error("activedefrag yes\n"),
            Fatal(1, "activedefrag yes",
                  "Active defragmentation cannot be enabled: it requires a Redis server "
                  "compiled with a modified Jemalloc like the one shipped by default with the "
                  "Redis source distribution"));
  EXPECT_EQ(Error("supervised foo\n"),
            Fatal(1, "supervised foo",
                  "argument(s) must be one of the following: upstart, systemd, auto, no"));
  EXPECT_EQ(Error("include\n"), Fatal(1, "include", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(Error("rename-command FOO\n"),
            Fatal(1, "rename-command FOO", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(Error("mymodule.option\n"),
            Fatal(1, "mymodule.option", "Module config specified without value"));
  EXPECT_EQ(Error("cluster-enabled yes\nreplicaof 1.2.3.4 5\n"),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "replicaof directive not allowed in cluster mode");
}

TEST(ConfigLoad, AcceptedButKeptForOthers) {
  Config c = Load(
      "rename-command FLUSHDB \"\"\n"
      "user alice on >pw ~* +@all\n"
      "loadmodule /x/y.so a b\n"
      "mymod.opt 5\n"
      "list-max-ziplist-entries 512\n"  // deprecated: ignored
      "lua-replicate-commands yes\n"    // deprecated: ignored
      "sentinel\n");                    // bare: ignored
  const auto& raw = c.raw_directives();
  ASSERT_EQ(raw.size(), 4u);
  EXPECT_EQ(raw[0].name, "rename-command");
  EXPECT_EQ(raw[0].args, (std::vector<std::string>{"FLUSHDB", ""}));
  EXPECT_EQ(raw[0].line, 1);
  EXPECT_EQ(raw[1].name, "user");
  EXPECT_EQ(raw[2].args, (std::vector<std::string>{"/x/y.so", "a", "b"}));
  EXPECT_EQ(raw[3].name, "mymod.opt");
  EXPECT_EQ(raw[3].text, "mymod.opt 5");
  EXPECT_EQ(c.UnimplementedInUse(),
            (std::vector<std::string>{"rename-command", "user", "loadmodule", "mymod.opt"}));
}

// ---- include ----

TEST(ConfigLoad, IncludeFollowsFilesGlobsAndDir) {
  TempDir dir;
  mkdir(dir.File("conf.d").c_str(), 0755);
  WriteAll(dir.File("base.conf"), "port 7001\ninclude " + dir.File("nested.conf") + "\n");
  WriteAll(dir.File("nested.conf"), "databases 3\n");
  WriteAll(dir.File("conf.d/a.conf"), "timeout 5\n");
  WriteAll(dir.File("conf.d/b.conf"), "timeout 6\ntcp-keepalive 7\n");
  WriteAll(dir.File("rel.conf"), "hz 20\n");
  Config c =
      Load("include " + dir.File("base.conf") + "\n" + "include " + dir.File("conf.d/*.conf") +
           "\n" + "include " + dir.File("empty.d/*.conf") + "\n" +  // no match: fine
           "dir " + dir.path() + "\n" + "include rel.conf\n" +      // relative to `dir`
           "port 7002\n");                                          // the last line wins
  EXPECT_EQ(c.options().port, 7002);
  EXPECT_EQ(c.options().databases, 3);
  EXPECT_EQ(c.options().timeout_s, 6);
  EXPECT_EQ(c.options().tcp_keepalive_s, 7);
  EXPECT_EQ(c.options().hz, 20);

  // Errors inside an included file name that file's line.
  WriteAll(dir.File("bad.conf"), "port 1\nfoo\n");
  EXPECT_EQ(Error("include " + dir.File("bad.conf") + "\n"),
            Fatal(2, "foo", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(Error("include /nonexistent-troupe/x.conf\n"),
            "Fatal error, can't open config file '/nonexistent-troupe/x.conf': "
            "No such file or directory");
  // A file including itself stops at the nesting limit.
  WriteAll(dir.File("loop.conf"), "include " + dir.File("loop.conf") + "\n");
  std::string loop = Error("include " + dir.File("loop.conf") + "\n");
  EXPECT_NE(loop.find("Too many nested include directives"), std::string::npos) << loop;
}

// ---- Command-line arguments ----

TEST(ConfigArgs, FileThenOptionsLikeRedisServer) {
  TempDir dir;
  WriteAll(dir.File("a.conf"), "port 6405\n");
  Result<Config> r = Config::FromArgs({dir.File("a.conf"), "--port", "7000", "--bind", "127.0.0.1",
                                       "::1", "--save", "--dir", dir.path()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options().port, 7000);
  EXPECT_EQ(r->options().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(r->options().save_points.empty());  // `--save` followed by an option
  EXPECT_EQ(r->config_file(), dir.File("a.conf"));

  r = Config::FromArgs({"--save", "3600 1 300 100", "--dir", dir.path()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Get1(*r, "save"), "3600 1 300 100");
  r = Config::FromArgs({"--port", "7001", "--save"});  // `--save` last
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Get1(*r, "save"), "");
  r = Config::FromArgs({"--port 7002", "--requirepass", "a \"b\""});  // name and value in one
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options().port, 7002);
  EXPECT_EQ(r->options().requirepass, "a \"b\"");
  EXPECT_TRUE(r->config_file().empty());
}

TEST(ConfigArgs, ErrorsNameTheGeneratedLines) {
  TempDir dir;
  WriteAll(dir.File("a.conf"), "port 6405\n");
  auto err = [](const std::vector<std::string>& args) {
    Result<Config> r = Config::FromArgs(args);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  // Expectations printed by redis-server 7.0.15 for the same arguments.
  EXPECT_EQ(err({"--foo", "bar"}),
            Fatal(2, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({dir.File("a.conf"), "--foo", "bar"}),
            Fatal(3, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({dir.File("a.conf"), "--port"}), Fatal(3, "port", "wrong number of arguments"));
  EXPECT_EQ(err({"--port", "6405", "--daemonize", "maybe"}),
            Fatal(3, "daemonize \"maybe\"", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(err({"--port", "6405", "foo"}),
            Fatal(2, "port \"6405\" \"foo\"", "wrong number of arguments"));
  EXPECT_EQ(err({"--port 6405 --foo"}), Fatal(2, "port 6405 --foo", "wrong number of arguments"));
  EXPECT_EQ(err({"--daemonize", "yes", "a.conf"}),
            Fatal(2, "daemonize \"yes\" \"a.conf\"", "wrong number of arguments"));
  EXPECT_EQ(err({"--port", "6405", "--sentinel", "--foo"}),
            Fatal(4, "foo", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({"--maxmemory", "1", "--port", "1", "--port"}),
            Fatal(4, "port", "wrong number of arguments"));
  EXPECT_EQ(err({"-x"}), Fatal(2, "\"-x\"", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({"--daemonize"}), Fatal(2, "daemonize", "wrong number of arguments"));
  EXPECT_EQ(err({"--save", "--foo"}),
            Fatal(3, "foo", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({"--port", "--maxmemory", "1"}),
            Fatal(2, "port \"--maxmemory\" \"1\"", "wrong number of arguments"));
  EXPECT_EQ(err({"--foo", "a b", "c\"d", "e\nf", "g\\h"}),
            Fatal(2, "foo \"a b\" \"c\\\"d\" \"e\\nf\" \"g\\\\h\"",
                  "Bad directive or wrong number of arguments"));
  EXPECT_EQ(err({dir.File("missing.conf")}), "Fatal error, can't open config file '" +
                                                 dir.File("missing.conf") +
                                                 "': No such file or directory");
  EXPECT_EQ(err({"--logfile", "/nonexistent-troupe/x.log"}),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "Can't open the log file: No such file or directory");
}

TEST(ConfigArgs, EmbeddedDefaultsApplyOnlyWithoutAFile) {
  const std::string defaults = "bind 127.0.0.1 -::1\nport 6379\n";
  Result<Config> r = Config::FromArgs({"--port", "7000"}, defaults);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options().bind, (std::vector<std::string>{"127.0.0.1", "-::1"}));
  EXPECT_EQ(r->options().port, 7000);
  EXPECT_TRUE(r->UnimplementedInUse().empty());
  EXPECT_TRUE(r->config_file().empty());
  // Command-line errors keep the line numbers redis-server reports.
  r = Config::FromArgs({"--foo", "bar"}, defaults);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            Fatal(2, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  // With a file the defaults are not used.
  TempDir dir;
  WriteAll(dir.File("a.conf"), "port 6405\n");
  r = Config::FromArgs({dir.File("a.conf")}, defaults);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options().bind, (std::vector<std::string>{"*", "-::*"}));
  // Sentinel mode requested by the caller (the troupe-sentinel name).
  WriteAll(dir.File("s.conf"), "sentinel monitor m 127.0.0.1 7001 2\n");
  r = Config::FromArgs({dir.File("s.conf")}, "", /*sentinel_mode=*/true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->options().sentinel_mode);
  EXPECT_EQ(r->options().port, 26379);
  ASSERT_EQ(r->raw_directives().size(), 1u);
}

TEST(ConfigArgs, StdinIsReadAfterTheFile) {
  TempDir dir;
  WriteAll(dir.File("a.conf"), "port 6405\n");
  std::istringstream input("foo\n");
  std::streambuf* old = std::cin.rdbuf(input.rdbuf());
  Result<Config> r = Config::FromArgs({dir.File("a.conf"), "-"});
  std::cin.rdbuf(old);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), Fatal(2, "foo", "Bad directive or wrong number of arguments"));

  std::istringstream good("databases 2\n");
  old = std::cin.rdbuf(good.rdbuf());
  r = Config::FromArgs({"-", "--port", "7003"});
  std::cin.rdbuf(old);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options().databases, 2);
  EXPECT_EQ(r->options().port, 7003);
}

// ---- Sentinel mode ----

TEST(ConfigSentinel, TutorialSentinelConfLoads) {
  TempDir dir;
  std::string text = ReplaceAll(ReadAll(TestDataDir() + "/sentinel.conf"), "@DIR@", dir.path());
  WriteAll(dir.File("sentinel.conf"), text);
  Result<Config> r = Config::FromArgs({dir.File("sentinel.conf"), "--sentinel"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->sentinel_mode());
  EXPECT_TRUE(r->options().sentinel_mode);
  EXPECT_EQ(r->options().port, 27001);
  EXPECT_FALSE(r->options().protected_mode);  // sentinel default
  EXPECT_EQ(r->options().dir, dir.path());
  std::vector<std::string> subs;
  for (const RawDirective& raw : r->raw_directives()) {
    EXPECT_EQ(raw.name, "sentinel");
    EXPECT_EQ(raw.file, dir.File("sentinel.conf"));
    subs.push_back(raw.args[0]);
  }
  EXPECT_EQ(subs, (std::vector<std::string>{
                      "announce-ip", "monitor", "down-after-milliseconds", "failover-timeout",
                      "parallel-syncs", "deny-scripts-reconfig", "resolve-hostnames",
                      "announce-hostnames", "master-reboot-down-after-period"}));
  EXPECT_EQ(r->raw_directives()[1].line, 5);  // after the file's two comment lines
  EXPECT_EQ(r->raw_directives()[1].text, "sentinel monitor mymaster 192.168.150.101 7001 2");
  EXPECT_TRUE(r->UnimplementedInUse().empty());

  // Without --sentinel the same file is refused at its first sentinel line.
  Result<Config> plain = Config::FromArgs({dir.File("sentinel.conf")});
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().message(), Fatal(4, "sentinel announce-ip 192.168.150.101",
                                            "sentinel directive while not in sentinel mode"));

  Result<Config> defaults = Config::FromText("", "", /*sentinel_mode=*/true);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->options().port, 26379);
}

TEST(ConfigSentinel, RewriteReplacesSentinelLinesInPlace) {
  TempDir dir;
  const std::string file = dir.File("sentinel.conf");
  WriteAll(file,
           "port 27001\n"
           "sentinel monitor mymaster 127.0.0.1 7001 2\n"
           "# keep me\n"
           "sentinel down-after-milliseconds mymaster 5000\n"
           "sentinel known-replica mymaster 127.0.0.1 7002\n"
           "dir \"" +
               dir.path() + "\"\n");
  Result<Config> r = Config::FromArgs({file, "--sentinel"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->Rewrite().ok());  // sentinel lines untouched
  std::string once = ReadAll(file);
  EXPECT_NE(once.find("sentinel known-replica mymaster 127.0.0.1 7002\n"), std::string::npos);
  EXPECT_NE(once.find("protected-mode no\n"), std::string::npos);  // as redis-sentinel writes
  EXPECT_EQ(once.find("save "), std::string::npos);  // no save points in sentinel mode

  ASSERT_TRUE(r->Rewrite({"sentinel monitor mymaster 127.0.0.1 7003 2",
                          "sentinel down-after-milliseconds mymaster 5000",
                          "sentinel myid 0123456789abcdef0123456789abcdef01234567"})
                  .ok());
  std::vector<std::string> lines = Lines(ReadAll(file));
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines[0], "port 27001");
  EXPECT_EQ(lines[1], "sentinel monitor mymaster 127.0.0.1 7003 2");
  EXPECT_EQ(lines[2], "# keep me");
  EXPECT_EQ(lines[3], "sentinel down-after-milliseconds mymaster 5000");
  std::string all = ReadAll(file);
  EXPECT_EQ(all.find("known-replica"), std::string::npos);
  EXPECT_NE(all.find("sentinel myid 0123456789abcdef0123456789abcdef01234567\n"),
            std::string::npos);
}

// ---- CONFIG SET ----

// Replays CONFIG SET rows (name, value, Redis's reply, CONFIG GET after a
// success) recorded on redis-server 7.0.15, each on a fresh default Config
// (Redis restored the value after each success); returns the row count.
int ReplaySetRows(const std::string& file) {
  int rows = 0;
  for (const std::string& line : Lines(ReadAll(TestDataDir() + "/" + file))) {
    auto t = Tabs(line);
    EXPECT_EQ(t.size(), 4u) << line;
    if (t.size() != 4) continue;
    Config c;
    Status s = c.Set({{t[0], t[1]}});
    if (t[2] == "+OK") {
      EXPECT_TRUE(s.ok()) << t[0] << " '" << t[1] << "': " << s.message();
      EXPECT_EQ(Get1(c, t[0]), t[3]) << t[0] << " '" << t[1] << "'";
    } else {
      EXPECT_EQ("-" + s.message(), t[2]) << t[0] << " '" << t[1] << "'";
    }
    ++rows;
  }
  return rows;
}

TEST(ConfigSet, ProbesMatchRedis) {
  // Every directive set to LLONG_MIN, ULLONG_MAX and "x".
  EXPECT_EQ(ReplaySetRows("redis-7.0.15-config-set-probe.tsv"), 570);
}

TEST(ConfigSet, ValueGridMatchesRedis) {
  // Every mutable directive set to ~30 awkward values (spaces, units,
  // percentages, signs, quotes...): every success, and each distinct error
  // of each directive once.
  EXPECT_EQ(ReplaySetRows("redis-7.0.15-config-set-values.tsv"), 1145);
}

TEST(ConfigLoad, FileLineGridMatchesRedis) {
  // Each line was the whole config file of a redis-server 7.0.15 start;
  // testdata has "ok" or the last line of its fatal report (every accepted
  // line, and each distinct error of each directive once).
  int rows = 0;
  for (const std::string& line :
       Lines(ReadAll(TestDataDir() + "/redis-7.0.15-config-file-lines.tsv"))) {
    auto t = Tabs(line);
    ASSERT_EQ(t.size(), 2u) << line;
    Result<Config> r = Config::FromText(t[0] + "\n", "");
    if (t[1] == "ok") {
      EXPECT_TRUE(r.ok()) << t[0] << " -> " << r.status().message();
    } else {
      ASSERT_FALSE(r.ok()) << t[0];
      const std::string& msg = r.status().message();
      EXPECT_EQ(msg.substr(msg.rfind('\n') + 1), t[1]) << t[0];
    }
    ++rows;
  }
  EXPECT_EQ(rows, 1623);
}

TEST(ConfigSet, ErrorsAsRedis) {
  Config c;
  EXPECT_EQ(c.Set({{"foo", "bar"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.Set({{"port", "1"}, {"foo", "2"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.Set({{"daemonize", "yes"}, {"foo", "2"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(c.Set({{"foo", "2"}, {"daemonize", "yes"}}).message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.Set({{"DAEMONIZE", "yes"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set "
            "immutable config");
  EXPECT_EQ(c.Set({{"port", "6401"}, {"PORT", "6401"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter");
  EXPECT_EQ(c.Set({{"slave-read-only", "yes"}, {"replica-read-only", "no"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'replica-read-only') - "
            "duplicate parameter");
  EXPECT_EQ(c.Set({{"SLAVE-READ-ONLY", "maybe"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument "
            "must be 'yes' or 'no'");
  EXPECT_EQ(c.Set({{"dir", "/tmp"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
            "config");
  EXPECT_EQ(c.Set({{"dbfilename", "x.rdb"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
  EXPECT_EQ(c.Set({{"replicaof", "no one"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set "
            "immutable config");
  EXPECT_EQ(c.Set({{"save", "3600  1"}}).message(),  // split on every space
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
  EXPECT_EQ(c.Set({{"save", "3600 1 "}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters");
  EXPECT_EQ(c.Set({{"oom-score-adj-values", "1 2"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - "
            "wrong number of arguments");
  EXPECT_EQ(c.Set({{"client-output-buffer-limit", "master 1 2 3"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') "
            "- Invalid client class specified in buffer limit configuration.");
  EXPECT_EQ(c.Set({{"client-output-buffer-limit", "normal 1x 2 3"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') "
            "- Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  EXPECT_EQ(c.Set({{"shutdown-on-sigint", "save nosave"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - "
            "shutdown options SAVE and NOSAVE can't be used simultaneously");
  EXPECT_EQ(c.Set({{"proc-title-template", "{title}"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - "
            "template format is invalid or contains unknown variables");
  EXPECT_EQ(c.Set({{"latency-tracking-info-percentiles", "101"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument "
            "'latency-tracking-info-percentiles') - latency-tracking-info-percentiles "
            "parameters should sit between [0.0,100.0]");
}

TEST(ConfigSet, ValuesAsRedisShowsThem) {
  Config c;
  ASSERT_TRUE(c.Set({{"save", ""}}).ok());
  EXPECT_EQ(Get1(c, "save"), "");
  EXPECT_TRUE(c.options().save_points.empty());
  ASSERT_TRUE(c.Set({{"save", "3600 1 300 100"}}).ok());
  EXPECT_EQ(c.options().save_points.size(), 2u);
  ASSERT_TRUE(c.Set({{"loglevel", "WARNING"}}).ok());
  EXPECT_EQ(Get1(c, "loglevel"), "warning");
  EXPECT_EQ(c.options().loglevel, "warning");
  ASSERT_TRUE(c.Set({{"hz", "0"}}).ok());
  EXPECT_EQ(Get1(c, "hz"), "1");
  ASSERT_TRUE(c.Set({{"hz", "501"}}).ok());
  EXPECT_EQ(c.options().hz, 500);
  ASSERT_TRUE(c.Set({{"client-output-buffer-limit", "replica 1mb 2k 3 pubsub 1 1 1"}}).ok());
  EXPECT_EQ(Get1(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1048576 2000 3 pubsub 1 1 1");
  ASSERT_TRUE(c.Set({{"notify-keyspace-events", "KEA"}}).ok());
  EXPECT_EQ(Get1(c, "notify-keyspace-events"), "AKE");
  ASSERT_TRUE(c.Set({{"shutdown-on-sigint", "default now"}}).ok());
  EXPECT_EQ(Get1(c, "shutdown-on-sigint"), "now");
  ASSERT_TRUE(c.Set({{"latency-tracking-info-percentiles", "1.50 99.999 3"}}).ok());
  EXPECT_EQ(Get1(c, "latency-tracking-info-percentiles"), "1.5 99.999 3");
  ASSERT_TRUE(c.Set({{"maxmemory-policy", "ALLKEYS-LRU"}}).ok());
  EXPECT_EQ(Get1(c, "maxmemory-policy"), "allkeys-lru");
  ASSERT_TRUE(c.Set({{"requirepass", "s3cret"}, {"timeout", "30"}, {"port", "7005"}}).ok());
  EXPECT_EQ(c.options().requirepass, "s3cret");
  EXPECT_EQ(c.options().timeout_s, 30);
  EXPECT_EQ(c.options().port, 7005);
  ASSERT_TRUE(c.Set({{"requirepass", ""}}).ok());
  EXPECT_EQ(c.options().requirepass, "");
  ASSERT_TRUE(c.Set({{"bind", "127.0.0.1 ::1"}}).ok());
  EXPECT_EQ(c.options().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  ASSERT_TRUE(c.Set({{"hash-max-ziplist-entries", "64"}, {"zset-max-listpack-value", "1kb"}}).ok());
  EXPECT_EQ(c.options().hash_max_listpack_entries, 64);
  EXPECT_EQ(c.options().zset_max_listpack_value, 1024);
}

TEST(ConfigSet, AllOrNothing) {
  Config c;
  Status s = c.Set({{"port", "7001"}, {"timeout", "9"}, {"maxmemory", "lots"}});
  EXPECT_EQ(s.message(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
            "be a memory value");
  EXPECT_EQ(c.options().port, 6379);
  EXPECT_EQ(c.options().timeout_s, 0);
  EXPECT_EQ(Get1(c, "port"), "6379");
  EXPECT_EQ(Get1(c, "timeout"), "0");
  EXPECT_FALSE(c.Set({{"port", "7001"}, {"daemonize", "yes"}}).ok());
  EXPECT_EQ(c.options().port, 6379);
}

TEST(ConfigSet, ProtectedConfigsWhenEnabled) {
  TempDir dir;
  Config local = Load("enable-protected-configs local\n");
  EXPECT_FALSE(local.Set({{"dir", dir.path()}}).ok());
  ASSERT_TRUE(local.Set({{"dir", dir.path()}}, /*client_is_local=*/true).ok());
  EXPECT_EQ(local.options().dir, dir.path());
  Config yes = Load("enable-protected-configs yes\n");
  ASSERT_TRUE(yes.Set({{"dbfilename", "x.rdb"}}).ok());
  EXPECT_EQ(yes.options().dbfilename, "x.rdb");
  EXPECT_EQ(yes.Set({{"dbfilename", "a/b.rdb"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename "
            "can't be a path, just a filename");
  EXPECT_EQ(yes.Set({{"dir", "/nonexistent-troupe"}}).message(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
            "directory");
}

TEST(ConfigSet, CallbacksRunForChangedDirectivesOnly) {
  Config c;
  std::vector<std::string> calls;
  c.OnChange("loglevel",
             [&](const ServerOptions& o) { calls.push_back("loglevel=" + o.loglevel); });
  c.OnChange("maxclients", [&](const ServerOptions& o) {
    calls.push_back("maxclients=" + std::to_string(o.maxclients));
  });
  c.OnChange("replica-read-only", [&](const ServerOptions&) { calls.push_back("ro"); });
  ASSERT_TRUE(c.Set({{"loglevel", "debug"}, {"maxclients", "10000"}}).ok());
  EXPECT_EQ(calls, std::vector<std::string>{"loglevel=debug"});  // maxclients unchanged
  calls.clear();
  ASSERT_TRUE(c.Set({{"slave-read-only", "no"}}).ok());  // by alias, canonical callback
  EXPECT_EQ(calls, std::vector<std::string>{"ro"});
  calls.clear();
  EXPECT_FALSE(c.Set({{"loglevel", "verbose"}, {"port", "x"}}).ok());
  EXPECT_TRUE(calls.empty());
}

TEST(ConfigSet, RefusingApplierRollsBack) {
  Config c;
  std::vector<int> ports_applied;
  c.OnApply("port", [&](const ServerOptions& o) {
    ports_applied.push_back(o.port);
    if (o.port == 7777) return Status::Error("Unable to listen on this port. Check server logs.");
    return Status::Ok();
  });
  bool changed = false;
  c.OnChange("timeout", [&](const ServerOptions&) { changed = true; });
  Status s = c.Set({{"timeout", "5"}, {"port", "7777"}});
  EXPECT_EQ(s.message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port. Check server logs.");
  EXPECT_EQ(c.options().timeout_s, 0);
  EXPECT_EQ(c.options().port, 6379);
  EXPECT_FALSE(changed);
  ASSERT_TRUE(c.Set({{"port", "7001"}}).ok());
  EXPECT_EQ(ports_applied, (std::vector<int>{7777, 7001}));
}

// ---- CONFIG REWRITE ----

TEST(ConfigRewrite, MatchesRedisOnTheGoldenFile) {
  // testdata/rewrite-input.conf was loaded by redis-server 7.0.15, changed
  // with the CONFIG SET below and rewritten: rewrite-expected.conf.
  TempDir dir;
  const std::string file = dir.File("redis.conf");
  WriteAll(dir.File("rewrite-include.conf"), ReadAll(TestDataDir() + "/rewrite-include.conf"));
  WriteAll(file, ReplaceAll(ReadAll(TestDataDir() + "/rewrite-input.conf"), "@DIR@", dir.path()));
  Result<Config> r = Config::FromArgs({file});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->Set({{"maxmemory", "20mb"},
                      {"hz", "20"},
                      {"masterauth", "x y"},
                      {"client-output-buffer-limit", "normal 1mb 1k 1"},
                      {"save", ""},
                      {"replica-announce-ip", "1.2.3.4"},
                      {"bind-source-addr", ""},
                      {"timeout", "30"},
                      {"shutdown-on-sigint", "save now"},
                      {"activerehashing", "no"}})
                  .ok());
  ASSERT_TRUE(r->Rewrite().ok());
  std::vector<std::string> got = Lines(ReadAll(file));
  std::vector<std::string> want =
      Lines(ReplaceAll(ReadAll(TestDataDir() + "/rewrite-expected.conf"), "@DIR@", dir.path()));
  // Up to the marker the file must be identical; the appended lines follow
  // Redis's hash-table order there, so compare them as a set (the user line
  // comes last in both).
  auto marker = [](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), "# Generated by CONFIG REWRITE") - v.begin();
  };
  ASSERT_LT(static_cast<size_t>(marker(want)), want.size());
  ASSERT_EQ(marker(got), marker(want)) << ReadAll(file);
  for (long i = 0; i <= marker(want); ++i) EXPECT_EQ(got[i], want[i]) << "line " << i + 1;
  std::multiset<std::string> got_tail(got.begin() + marker(got) + 1, got.end());
  std::multiset<std::string> want_tail(want.begin() + marker(want) + 1, want.end());
  EXPECT_EQ(got_tail, want_tail);
  EXPECT_EQ(got.back(), want.back());

  // Rewriting again adds the one blank line Redis adds (the empty piece
  // after the final newline); from then on the file is stable, and it
  // loads back to the same settings.
  std::string first = ReadAll(file);
  ASSERT_TRUE(r->Rewrite().ok());
  std::string second = ReadAll(file);
  EXPECT_EQ(second, first + "\n");
  ASSERT_TRUE(r->Rewrite().ok());
  EXPECT_EQ(ReadAll(file), second);
  Result<Config> again = Config::FromArgs({file});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Get({"*"}), r->Get({"*"}));
}

TEST(ConfigRewrite, MinimalFileGetsRedisDefaultsAppended) {
  // What redis-server 7.0.15 appended to a file holding only `port 6407`.
  TempDir dir;
  const std::string file = dir.File("m.conf");
  WriteAll(file, "port 6407\nlist-max-ziplist-entries 512\nuser alice on >pw ~* +@all\n");
  Result<Config> r = Config::FromArgs({file, "--dir", dir.path()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->Rewrite().ok());
  std::vector<std::string> lines = Lines(ReadAll(file));
  std::vector<std::string> want = {"port 6407",
                                   "# ??? list-max-ziplist-entries 512",
                                   "user alice on >pw ~* +@all",
                                   "",
                                   "# Generated by CONFIG REWRITE",
                                   "dir \"" + dir.path() + "\"",
                                   "save 3600 1",
                                   "save 300 100",
                                   "save 60 10000",
                                   "latency-tracking-info-percentiles 50 99 99.9",
                                   "user default on nopass ~* &* +@all"};
  EXPECT_EQ(std::multiset<std::string>(lines.begin(), lines.end()),
            std::multiset<std::string>(want.begin(), want.end()));
  EXPECT_EQ(lines.back(), want.back());
  EXPECT_EQ(lines[4], "# Generated by CONFIG REWRITE");
}

TEST(ConfigRewrite, ReplicaofAndBindAndDefaults) {
  TempDir dir;
  const std::string file = dir.File("r.conf");
  WriteAll(file,
           "slaveof 10.0.0.1 7001\n"
           "bind * -::*\n"
           "loglevel notice\n"
           "loglevel notice\n"
           "pidfile /tmp/x.pid\n");
  Result<Config> r = Config::FromArgs({file, "--dir", dir.path(), "--pidfile", ""});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->Rewrite().ok());
  std::vector<std::string> lines = Lines(ReadAll(file));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "replicaof 10.0.0.1 7001");  // alias line reused, canonical name
  EXPECT_EQ(lines[1], "");                         // default bind: line dropped
  EXPECT_EQ(lines[2], "loglevel notice");          // kept though default; duplicate blanked
  EXPECT_NE(lines[3], "loglevel notice");
  EXPECT_EQ(ReadAll(file).find("pidfile"), std::string::npos);  // unset: dropped
}

TEST(ConfigRewrite, ReplicaofSetByTheServerIsWritten) {
  // REPLICAOF then CONFIG REWRITE (what a sentinel does after a failover).
  TempDir dir;
  const std::string file = dir.File("7002.conf");
  WriteAll(file, "port 7002\n");
  Result<Config> r = Config::FromArgs({file, "--dir", dir.path()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->Set({{"replicaof", "127.0.0.1 7001"}}).ok());  // immutable for clients
  ASSERT_TRUE(r->SetFromServer("replicaof", {"127.0.0.1", "7001"}).ok());
  EXPECT_EQ(r->options().replicaof_host, "127.0.0.1");
  EXPECT_EQ(r->options().replicaof_port, 7001);
  EXPECT_EQ(Get1(*r, "slaveof"), "127.0.0.1 7001");
  ASSERT_TRUE(r->Rewrite().ok());
  EXPECT_NE(ReadAll(file).find("\nreplicaof 127.0.0.1 7001\n"), std::string::npos);
  ASSERT_TRUE(r->SetFromServer("slaveof", {"no", "one"}).ok());
  EXPECT_EQ(r->options().replicaof_host, "");
  ASSERT_TRUE(r->Rewrite().ok());
  EXPECT_EQ(ReadAll(file).find("replicaof"), std::string::npos);
  EXPECT_EQ(r->SetFromServer("replicaof", {"h", "x"}).message(), "Invalid master port");
}

TEST(ConfigRewrite, WithoutFileAndAtomicity) {
  Config c;
  EXPECT_EQ(c.Rewrite().message(), "ERR The server is running without a config file");
  TempDir dir;
  const std::string file = dir.File("gone.conf");
  WriteAll(file, "port 7001\n");
  Result<Config> r = Config::FromArgs({file, "--dir", dir.path()});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(unlink(file.c_str()), 0);
  ASSERT_TRUE(r->Rewrite().ok());  // a missing file is recreated
  std::string text = ReadAll(file);
  EXPECT_EQ(text.compare(0, 30, "# Generated by CONFIG REWRITE\n"), 0) << text;
  EXPECT_NE(text.find("port 7001\n"), std::string::npos);
  // No temporary file is left behind.
  std::vector<std::string> entries;
  if (DIR* d = opendir(dir.path().c_str())) {
    while (struct dirent* e = readdir(d)) entries.push_back(e->d_name);
    closedir(d);
  }
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{".", "..", "gone.conf"}));
}

// ---- Start-up warnings ----

TEST(ConfigWarnings, TutorialClusterNodeConf) {
  TempDir dir;
  Config c = Load(
      "port 7001\n"
      "cluster-enabled yes\n"
      "cluster-config-file " +
      dir.path() +
      "/nodes.conf\n"
      "cluster-node-timeout 5000\n"
      "dir " +
      dir.path() +
      "\n"
      "bind 0.0.0.0\n"
      "daemonize yes\n"
      "replica-announce-ip 192.168.150.101\n"
      "protected-mode no\n"
      "databases 1\n"
      "logfile " +
      dir.path() + "/run.log\n");
  const ServerOptions& o = c.options();
  EXPECT_TRUE(o.cluster_enabled);
  EXPECT_EQ(o.cluster_config_file, dir.path() + "/nodes.conf");
  EXPECT_EQ(o.cluster_node_timeout_ms, 5000);
  EXPECT_FALSE(o.protected_mode);
  std::vector<std::string> w = c.UnimplementedInUse();
  std::sort(w.begin(), w.end());
  // Every directive of the tutorial's cluster config is implemented.
  EXPECT_TRUE(w.empty()) << w.front();
  // Restating defaults warns about nothing.
  EXPECT_TRUE(Load("appendonly no\nsave 3600 1\nsave 300 100\nsave 60 10000\n")
                  .UnimplementedInUse()
                  .empty());
  EXPECT_TRUE(Load("appendonly yes\n").UnimplementedInUse().empty());  // implemented (issue 4)
}

}  // namespace
}  // namespace troupe
