// INFO [section ...]: the server's state in Redis 7.0's sections and field
// names (tools such as redis-cli, Sentinel and monitoring agents parse them).
// Registered with the server family; runs inline in the client session.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/replication/replication.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/info_command.h"
#include "actors/shard/commands/sentinel_family.h"
#include "actors/shard/commands/version.h"
#include "actors/shard/pubsub/pubsub_registry.h"

namespace troupe {
namespace {

std::string HumanBytes(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  else if (n < 1024ULL * 1024) std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  else if (n < 1024ULL * 1024 * 1024) std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  else std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

uint64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size) : 0;
}

struct Info {
  std::string text;
  void Section(const char* title) {
    if (!text.empty()) text += "\r\n";
    text += "# ";
    text += title;
    text += "\r\n";
  }
  void Field(const std::string& name, const std::string& value) {
    text += name;
    text += ':';
    text += value;
    text += "\r\n";
  }
  void Field(const std::string& name, int64_t v) { Field(name, std::to_string(v)); }
  void Field(const std::string& name, uint64_t v) { Field(name, std::to_string(v)); }
  void Field(const std::string& name, int v) { Field(name, std::to_string(v)); }
  void Field(const std::string& name, size_t v, bool) { Field(name, std::to_string(v)); }
};

void ServerSection(Info& i, CommandContext& ctx) {
  ServerContext& s = ctx.server;
  const auto& o = s.options();
  utsname u{};
  uname(&u);
  int64_t now_us = s.clock().UnixUs();
  int64_t uptime_s = (s.clock().MonotonicUs() - s.start_mono_us) / 1000000;
  i.Section("Server");
  i.Field("redis_version", kRedisVersion);
  i.Field("redis_git_sha1", "00000000");
  i.Field("redis_git_dirty", 0);
  i.Field("redis_build_id", "0");
  i.Field("redis_mode", o.sentinel_mode ? "sentinel" : o.cluster_enabled ? "cluster" : "standalone");
  i.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  i.Field("arch_bits", 64);
  i.Field("monotonic_clock", "POSIX clock_gettime");
  i.Field("multiplexing_api", "epoll");
  i.Field("atomicvar_api", "c11-builtin");
  i.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  i.Field("process_id", static_cast<int64_t>(getpid()));
  i.Field("process_supervised", "no");
  i.Field("run_id", s.run_id);
  i.Field("tcp_port", s.port);
  i.Field("server_time_usec", now_us);
  i.Field("uptime_in_seconds", uptime_s);
  i.Field("uptime_in_days", uptime_s / 86400);
  i.Field("hz", o.hz);
  i.Field("configured_hz", o.hz);
  i.Field("lru_clock", static_cast<int64_t>(ctx.keyspace.lru_clock()));
  i.Field("executable", s.executable);
  i.Field("config_file", s.config_file);
  i.Field("io_threads_active", 0);
  i.Field("troupe_version", kTroupeVersion);
}

void ClientsSection(Info& i, CommandContext& ctx) {
  i.Section("Clients");
  i.Field("connected_clients", static_cast<uint64_t>(ctx.server.clients.size()));
  i.Field("cluster_connections", 0);
  i.Field("maxclients", ctx.server.options().maxclients);
  i.Field("client_recent_max_input_buffer", 0);
  i.Field("client_recent_max_output_buffer", 0);
  i.Field("blocked_clients",
          static_cast<uint64_t>(ctx.server.blocking ? ctx.server.blocking->blocked_clients() : 0));
  i.Field("tracking_clients", 0);
  i.Field("clients_in_timeout_table", 0);
}

void MemorySection(Info& i, CommandContext& ctx) {
  struct mallinfo2 mi = mallinfo2();
  uint64_t used = mi.uordblks + mi.hblkhd;
  uint64_t rss = ProcessRssBytes();
  ServerContext& s = ctx.server;
  if (used > s.used_memory_peak) s.used_memory_peak = used;
  i.Section("Memory");
  i.Field("used_memory", used);
  i.Field("used_memory_human", HumanBytes(used));
  i.Field("used_memory_rss", rss);
  i.Field("used_memory_rss_human", HumanBytes(rss));
  i.Field("used_memory_peak", s.used_memory_peak);
  i.Field("used_memory_peak_human", HumanBytes(s.used_memory_peak));
  i.Field("used_memory_peak_perc",
          Fixed(s.used_memory_peak ? 100.0 * static_cast<double>(used) / static_cast<double>(s.used_memory_peak) : 0, 2) + "%");
  i.Field("used_memory_overhead", s.used_memory_startup);
  i.Field("used_memory_startup", s.used_memory_startup);
  i.Field("used_memory_dataset", used > s.used_memory_startup ? used - s.used_memory_startup : 0);
  i.Field("allocator_allocated", used);
  i.Field("allocator_active", static_cast<uint64_t>(mi.arena + mi.hblkhd));
  i.Field("allocator_resident", rss);
  i.Field("total_system_memory", TotalSystemMemory());
  i.Field("total_system_memory_human", HumanBytes(TotalSystemMemory()));
  i.Field("used_memory_lua", 0);
  i.Field("used_memory_scripts", 0);
  i.Field("number_of_cached_scripts", 0);
  i.Field("maxmemory", 0);
  i.Field("maxmemory_human", "0B");
  i.Field("maxmemory_policy", "noeviction");
  i.Field("mem_fragmentation_ratio", Fixed(used ? static_cast<double>(rss) / static_cast<double>(used) : 0, 2));
  i.Field("mem_allocator", "libc");
  i.Field("active_defrag_running", 0);
  i.Field("lazyfree_pending_objects", 0);
  i.Field("lazyfreed_objects", 0);
}

// The progress of a load under way, as Redis computes it: the ETA is the
// elapsed time scaled by the bytes still to read (1 s in the first second).
void LoadingFields(Info& i, const ServerContext& server) {
  uint64_t total = server.loading_total_bytes, loaded = server.loading_loaded_bytes;
  double perc = total ? static_cast<double>(loaded) * 100 / static_cast<double>(total) : 0;
  uint64_t remaining = total ? (total > loaded ? total - loaded : 0) : 1;
  int64_t elapsed = server.clock().UnixMs() / 1000 - server.loading_start_s;
  int64_t eta = 1;
  if (elapsed > 0) eta = static_cast<int64_t>(static_cast<uint64_t>(elapsed) * remaining / (loaded + 1));
  i.Field("loading_start_time", server.loading_start_s);
  i.Field("loading_total_bytes", total);
  i.Field("loading_rdb_used_mem", server.loading_rdb_used_mem);
  i.Field("loading_loaded_bytes", loaded);
  i.Field("loading_loaded_perc", Fixed(perc, 2));
  i.Field("loading_eta_seconds", eta);
}

void PersistenceSection(Info& i, CommandContext& ctx) {
  i.Section("Persistence");
  i.Field("loading", ctx.server.loading ? 1 : 0);
  i.Field("async_loading", 0);
  i.Field("current_cow_peak", 0);
  i.Field("current_cow_size", 0);
  i.Field("current_cow_size_age", 0);
  i.Field("current_fork_perc", "0.00");
  i.Field("current_save_keys_processed", 0);
  i.Field("current_save_keys_total", 0);
  const Snapshotter* snap = ctx.server.snapshotter;
  i.Field("rdb_changes_since_last_save", ctx.keyspace.dirty);
  i.Field("rdb_bgsave_in_progress", snap && snap->bgsave_in_progress() ? 1 : 0);
  i.Field("rdb_last_save_time", ctx.server.lastsave_s);
  i.Field("rdb_last_bgsave_status", !snap || snap->last_bgsave_ok() ? "ok" : "err");
  i.Field("rdb_last_bgsave_time_sec", snap ? snap->last_bgsave_time_sec() : -1);
  i.Field("rdb_current_bgsave_time_sec", snap ? snap->current_bgsave_time_sec() : -1);
  i.Field("rdb_saves", snap ? snap->saves() : 0);
  i.Field("rdb_last_cow_size", 0);
  i.Field("rdb_last_load_keys_expired", ctx.server.rdb_last_load_keys_expired);
  i.Field("rdb_last_load_keys_loaded", ctx.server.rdb_last_load_keys_loaded);
  const AppendOnlyFile* aof = ctx.server.aof;
  i.Field("aof_enabled", aof && aof->enabled() ? 1 : 0);
  i.Field("aof_rewrite_in_progress", aof && aof->rewrite_in_progress() ? 1 : 0);
  i.Field("aof_rewrite_scheduled", aof && aof->rewrite_scheduled() ? 1 : 0);
  i.Field("aof_last_rewrite_time_sec", aof ? aof->last_rewrite_time_sec() : -1);
  i.Field("aof_current_rewrite_time_sec", aof ? aof->current_rewrite_time_sec() : -1);
  i.Field("aof_last_bgrewrite_status", !aof || aof->last_rewrite_ok() ? "ok" : "err");
  i.Field("aof_rewrites", aof ? aof->rewrites() : 0);
  i.Field("aof_rewrites_consecutive_failures", aof ? aof->consecutive_failures() : 0);
  i.Field("aof_last_write_status", !aof || aof->last_write_ok() ? "ok" : "err");
  i.Field("aof_last_cow_size", 0);
  i.Field("module_fork_in_progress", 0);
  i.Field("module_fork_last_cow_size", 0);
  if (aof && aof->enabled()) {
    i.Field("aof_current_size", aof->current_size());
    i.Field("aof_base_size", aof->base_size());
    i.Field("aof_pending_rewrite", aof->rewrite_scheduled() ? 1 : 0);
    i.Field("aof_buffer_length", aof->buffer_length());
    i.Field("aof_pending_bio_fsync", aof->fsync_pending() ? 1 : 0);
    i.Field("aof_delayed_fsync", aof->delayed_fsync());
  }
  if (ctx.server.loading) LoadingFields(i, ctx.server);
}

void StatsSection(Info& i, CommandContext& ctx) {
  const ServerStats& st = ctx.server.stats;
  const KeyspaceStats& ks = ctx.keyspace.stats();
  i.Section("Stats");
  i.Field("total_connections_received", st.total_connections_received);
  i.Field("total_commands_processed", st.total_commands_processed);
  i.Field("instantaneous_ops_per_sec", static_cast<int64_t>(st.instantaneous_ops_per_sec()));
  i.Field("total_net_input_bytes", st.total_net_input_bytes);
  i.Field("total_net_output_bytes", st.total_net_output_bytes);
  i.Field("total_net_repl_input_bytes", 0);
  i.Field("total_net_repl_output_bytes", st.total_net_repl_output_bytes);
  i.Field("instantaneous_input_kbps", "0.00");
  i.Field("instantaneous_output_kbps", "0.00");
  i.Field("instantaneous_input_repl_kbps", "0.00");
  i.Field("instantaneous_output_repl_kbps", "0.00");
  i.Field("rejected_connections", st.rejected_connections);
  i.Field("sync_full", 0);
  i.Field("sync_partial_ok", 0);
  i.Field("sync_partial_err", 0);
  i.Field("expired_keys", ks.expired_keys);
  i.Field("expired_stale_perc", "0.00");
  i.Field("expired_time_cap_reached_count", 0);
  i.Field("expire_cycle_cpu_milliseconds", ks.expire_cycle_cpu_ms);
  i.Field("evicted_keys", 0);
  i.Field("evicted_clients", 0);
  i.Field("total_eviction_exceeded_time", 0);
  i.Field("current_eviction_exceeded_time", 0);
  i.Field("keyspace_hits", ks.keyspace_hits);
  i.Field("keyspace_misses", ks.keyspace_misses);
  i.Field("pubsub_channels", ctx.server.pubsub ? ctx.server.pubsub->channel_count() : 0);
  i.Field("pubsub_patterns", ctx.server.pubsub ? ctx.server.pubsub->pattern_count() : 0);
  i.Field("pubsubshard_channels", ctx.server.pubsub ? ctx.server.pubsub->shard_channel_count() : 0);
  i.Field("latest_fork_usec", ctx.server.latest_fork_usec);
  i.Field("total_forks", ctx.server.total_forks);
  i.Field("migrate_cached_sockets", 0);
  i.Field("slave_expires_tracked_keys", 0);
  i.Field("active_defrag_hits", 0);
  i.Field("active_defrag_misses", 0);
  i.Field("active_defrag_key_hits", 0);
  i.Field("active_defrag_key_misses", 0);
  i.Field("total_active_defrag_time", 0);
  i.Field("current_active_defrag_time", 0);
  i.Field("tracking_total_keys", 0);
  i.Field("tracking_total_items", 0);
  i.Field("tracking_total_prefixes", 0);
  i.Field("unexpected_error_replies", st.unexpected_error_replies);
  i.Field("total_error_replies", st.total_error_replies);
  i.Field("dump_payload_sanitizations", 0);
  i.Field("total_reads_processed", st.total_reads_processed);
  i.Field("total_writes_processed", st.total_writes_processed);
  i.Field("io_threaded_reads_processed", 0);
  i.Field("io_threaded_writes_processed", 0);
  i.Field("client_query_buffer_limit_disconnections", st.client_query_buffer_limit_disconnections);
  i.Field("client_output_buffer_limit_disconnections", st.client_output_buffer_limit_disconnections);
}

void ReplicationSection(Info& i, CommandContext& ctx) {
  i.Section("Replication");
  const Replication* repl = ctx.server.replication;
  const ServerOptions& o = ctx.server.options();
  if (repl == nullptr) {
    i.Field("role", "master");
    i.Field("connected_slaves", 0);
    return;
  }
  int64_t now = ctx.server.clock().UnixMs();
  i.Field("role", repl->is_replica() ? "slave" : "master");
  if (repl->is_replica()) {
    bool up = repl->link_state() == MasterLinkState::kConnected;
    bool syncing = repl->link_state() == MasterLinkState::kTransfer;
    i.Field("master_host", repl->master_host());
    i.Field("master_port", repl->master_port());
    i.Field("master_link_status", up ? "up" : "down");
    i.Field("master_last_io_seconds_ago",
            up || syncing ? (now - repl->last_master_io_ms()) / 1000 : static_cast<int64_t>(-1));
    i.Field("master_sync_in_progress", syncing ? 1 : 0);
    i.Field("slave_read_repl_offset", repl->offset());
    i.Field("slave_repl_offset", repl->offset());
    if (syncing) {
      int64_t total = repl->sync_total_bytes;
      int64_t read = static_cast<int64_t>(repl->sync_read_bytes);
      i.Field("master_sync_total_bytes", total);
      i.Field("master_sync_read_bytes", read);
      i.Field("master_sync_left_bytes", total > 0 ? total - read : -1);
      i.Field("master_sync_perc", Fixed(total > 0 ? 100.0 * static_cast<double>(read) / static_cast<double>(total) : 0, 2));
      i.Field("master_sync_last_io_seconds_ago", (now - repl->last_master_io_ms()) / 1000);
    }
    if (!up) i.Field("master_link_down_since_seconds", (now - repl->link_down_since_ms()) / 1000);
    i.Field("slave_priority", o.replica_priority);
    i.Field("slave_read_only", o.replica_read_only ? 1 : 0);
    i.Field("replica_announced", o.replica_announced ? 1 : 0);
  }
  i.Field("connected_slaves", repl->replicas().size());
  if (o.min_replicas_to_write > 0 && o.min_replicas_max_lag_s > 0)
    i.Field("min_slaves_good_slaves", repl->GoodReplicas());
  size_t n = 0;
  for (const ReplicaRecord& r : repl->replicas()) {
    bool online = r.state == ReplicaRecord::State::kOnline;
    i.Field("slave" + std::to_string(n++),
            "ip=" + r.ip + ",port=" + std::to_string(r.listening_port) + ",state=" +
                (online ? "online" : "wait_bgsave") + ",offset=" + std::to_string(r.ack_offset) +
                ",lag=" + std::to_string(online ? (now - r.ack_ms) / 1000 : 0));
  }
  const ReplicationBacklog* backlog = repl->backlog();
  i.Field("master_failover_state", "no-failover");
  i.Field("master_replid", repl->replid());
  i.Field("master_replid2", repl->replid2());
  i.Field("master_repl_offset", repl->offset());
  i.Field("second_repl_offset", repl->second_replid_offset());
  i.Field("repl_backlog_active", backlog ? 1 : 0);
  i.Field("repl_backlog_size", o.repl_backlog_size);
  i.Field("repl_backlog_first_byte_offset", backlog ? backlog->first_byte_offset() : 0);
  i.Field("repl_backlog_histlen", backlog ? backlog->histlen() : 0);
}

std::string Seconds(const timeval& tv) {
  return Fixed(static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6, 6);
}

void CpuSection(Info& i) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  i.Section("CPU");
  i.Field("used_cpu_sys", Seconds(self.ru_stime));
  i.Field("used_cpu_user", Seconds(self.ru_utime));
  i.Field("used_cpu_sys_children", Seconds(children.ru_stime));
  i.Field("used_cpu_user_children", Seconds(children.ru_utime));
  i.Field("used_cpu_sys_main_thread", Seconds(thread.ru_stime));
  i.Field("used_cpu_user_main_thread", Seconds(thread.ru_utime));
}

void CommandStat(Info& i, const CommandSpec& c) {
  if (c.calls == 0 && c.rejected_calls == 0 && c.failed_calls == 0) return;
  std::string v = "calls=" + std::to_string(c.calls) + ",usec=" + std::to_string(c.usec) +
                  ",usec_per_call=" +
                  Fixed(c.calls ? static_cast<double>(c.usec) / static_cast<double>(c.calls) : 0, 2) +
                  ",rejected_calls=" + std::to_string(c.rejected_calls) +
                  ",failed_calls=" + std::to_string(c.failed_calls);
  i.Field("cmdstat_" + c.name, v);
}

void CommandStatsSection(Info& i) {
  i.Section("Commandstats");
  for (const auto& c : CommandTable::Instance().all()) {
    CommandStat(i, *c);
    for (const auto& sub : c->subcommands) CommandStat(i, sub);
  }
}

void ErrorStatsSection(Info& i, CommandContext& ctx) {
  i.Section("Errorstats");
  for (const auto& [code, count] : ctx.server.error_stats)
    i.Field("errorstat_" + code, "count=" + std::to_string(count));
}

void ClusterSection(Info& i, CommandContext& ctx) {
  i.Section("Cluster");
  i.Field("cluster_enabled", ctx.server.options().cluster_enabled ? 1 : 0);
}

void KeyspaceSection(Info& i, CommandContext& ctx) {
  i.Section("Keyspace");
  for (int d = 0; d < ctx.keyspace.db_count(); ++d) {
    const Database& db = ctx.keyspace.db(d);
    if (db.size() == 0) continue;
    i.Field("db" + std::to_string(d), "keys=" + std::to_string(db.size()) +
                                          ",expires=" + std::to_string(db.volatile_count()) +
                                          ",avg_ttl=" + std::to_string(db.avg_ttl_ms()));
  }
}

// INFO in sentinel mode (Redis's sentinelInfoCommand): only the server,
// clients, stats, cpu and sentinel sections exist, "default", "all" and
// "everything" mean all five, and the reply is a bulk string in RESP3 too.
void SentinelModeInfo(CommandContext& ctx) {
  static const char* const kSections[] = {"server", "clients", "stats", "cpu", "sentinel"};
  std::set<std::string> wanted;
  for (size_t a = 1; a < ctx.argc(); ++a) {
    std::string s = ToLower(ctx.arg(a));
    if (s == "default" || s == "all" || s == "everything") wanted.insert(std::begin(kSections), std::end(kSections));
    for (const char* known : kSections)
      if (s == known) wanted.insert(s);
  }
  if (ctx.argc() == 1) wanted.insert(std::begin(kSections), std::end(kSections));
  Info i;
  if (wanted.count("server")) ServerSection(i, ctx);
  if (wanted.count("clients")) ClientsSection(i, ctx);
  if (wanted.count("stats")) StatsSection(i, ctx);
  if (wanted.count("cpu")) CpuSection(i);
  if (wanted.count("sentinel")) {
    i.Section("Sentinel");
    for (const auto& [name, value] : SentinelInfoFields(ctx.server.sentinel, ctx.server.clock().UnixMs()))
      i.Field(name, value);
  }
  ctx.reply.Bulk(i.text);
}

void InfoCommand(CommandContext& ctx) {
  if (ctx.server.options().sentinel_mode) {
    SentinelModeInfo(ctx);
    return;
  }
  static const std::vector<std::string> kDefault = {
      "server", "clients", "memory", "persistence", "stats", "replication",
      "cpu", "modules", "errorstats", "cluster", "keyspace"};
  std::set<std::string> wanted;
  bool everything = false;
  if (ctx.argc() == 1) {
    wanted.insert(kDefault.begin(), kDefault.end());
  }
  for (size_t a = 1; a < ctx.argc(); ++a) {
    std::string s = ToLower(ctx.arg(a));
    if (s == "default") {
      wanted.insert(kDefault.begin(), kDefault.end());
    } else if (s == "all" || s == "everything") {
      wanted.insert(kDefault.begin(), kDefault.end());
      everything = true;
    } else {
      wanted.insert(s);
    }
  }
  auto want = [&](const char* s) { return wanted.count(s) > 0; };
  Info i;
  if (want("server")) ServerSection(i, ctx);
  if (want("clients")) ClientsSection(i, ctx);
  if (want("memory")) MemorySection(i, ctx);
  if (want("persistence")) PersistenceSection(i, ctx);
  if (want("stats")) StatsSection(i, ctx);
  if (want("replication")) ReplicationSection(i, ctx);
  if (want("cpu")) CpuSection(i);
  if (want("modules")) i.Section("Modules");
  if (everything || want("commandstats")) CommandStatsSection(i);
  if (want("errorstats")) ErrorStatsSection(i, ctx);
  if (want("cluster")) ClusterSection(i, ctx);
  if (want("keyspace")) KeyspaceSection(i, ctx);
  ctx.reply.Verbatim(i.text);
}

}  // namespace

uint64_t ProcessRssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void RegisterInfoCommand(CommandTable& t) {
  t.Add(Cmd("info", -1, kCmdLoading | kCmdStale | kCmdSentinel, 0, 0, 0, InfoCommand, "server",
            "1.0.0", "Get information and statistics about the server", "@dangerous")
            .Tips("nondeterministic_output request_policy:all_shards response_policy:special"));
}

}  // namespace troupe
