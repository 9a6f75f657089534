// troupe-server / troupe-sentinel entry point. A plain main() (not CAF_MAIN,
// DESIGN §3 "Process rules"): parse argv and redis.conf as Redis does,
// chdir to `dir`, daemonize, open the log, raise RLIMIT_NOFILE, open the
// listening sockets (a busy port fails here with Redis's message), write the
// pid file, block the termination signals, and only then build the actor
// system and spawn the node. A dedicated thread turns SIGTERM/SIGINT into a
// shutdown message; main waits until every actor is done.
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/cluster/cluster_state.h"
#include "actors/cluster/slot_math.h"
#include "actors/common/clock.h"
#include "actors/node/config.h"
#include "actors/node/default_config.h"
#include "actors/node/logging.h"
#include "actors/node/node.h"
#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/aof_loader.h"
#include "actors/persistence/loading_run.h"
#include "actors/persistence/rdb.h"
#include "actors/replication/replication.h"
#include "actors/sentinel/sentinel_config.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/persistence/rdb_loader.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/transaction/watch_registry.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/version.h"
#include "actors/shard/pubsub/keyspace_events.h"
#include "actors/shard/pubsub/pubsub_registry.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/type_ids.h"
#include "net/listen_sockets.h"

namespace troupe {
namespace {

std::string RandomHex40() {
  std::random_device rd;
  std::string s;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) s.push_back(hex[rd() % 16]);
  return s;
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ExecutablePath(const char* argv0) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  return argv0;
}

void PrintVersion() {
  std::printf("Troupe server v=%s redis_version=%s sha=00000000:0 malloc=libc bits=64\n",
              kTroupeVersion, kRedisVersion);
}

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: ./troupe-server [/path/to/redis.conf] [options] [-]\n"
               "       ./troupe-server - (read config from stdin)\n"
               "       ./troupe-server -v or --version\n"
               "       ./troupe-server -h or --help\n\n"
               "Examples:\n"
               "       ./troupe-server (run the server with the embedded default configuration)\n"
               "       ./troupe-server /etc/redis/6379.conf\n"
               "       ./troupe-server --port 7777\n"
               "       ./troupe-server /etc/myredis.conf --loglevel verbose\n"
               "       ./troupe-server /etc/sentinel.conf --sentinel\n");
}

// Detaches from the terminal like Redis's daemonize().
void Daemonize() {
  if (fork() != 0) _exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

// Raises the descriptor limit to maxclients + 32, as Redis does.
void AdjustOpenFilesLimit(int64_t maxclients) {
  rlim_t wanted = static_cast<rlim_t>(maxclients) + 32;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  rlimit raised = limit;
  raised.rlim_cur = std::max(wanted, limit.rlim_cur);
  if (raised.rlim_max < raised.rlim_cur) raised.rlim_max = raised.rlim_cur;
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised.rlim_cur = raised.rlim_max = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &raised);
    spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
                 maxclients, wanted);
    spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.", wanted,
                 std::strerror(errno));
  }
}

bool WritePidFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    spdlog::warn("Failed to write PID file: {}", std::strerror(errno));
    return false;
  }
  std::fprintf(f, "%d\n", static_cast<int>(getpid()));
  std::fclose(f);
  return true;
}

int Run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool sentinel = Basename(argv[0]).find("sentinel") != std::string::npos;
  if (!args.empty()) {
    const std::string& first = args[0];
    if (first == "-v" || first == "--version") {
      PrintVersion();
      return 0;
    }
    if (first == "-h" || first == "--help") {
      PrintUsage();
      return 0;
    }
  }
  bool has_file = !args.empty() && (args[0] == "-" || args[0].rfind("--", 0) != 0);
  auto loaded = Config::FromArgs(args, has_file ? "" : kEmbeddedDefaultConfig, sentinel);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 1;
  }
  Config config = std::move(*loaded);
  const ServerOptions& opts = config.options();
  if (opts.sentinel_mode && config.config_file().empty()) {
    std::fprintf(stderr, "Sentinel needs config file on disk to save state.  Exiting...\n");
    return 1;
  }
  if (!opts.dir.empty() && chdir(opts.dir.c_str()) != 0) {
    std::fprintf(stderr, "Can't chdir to '%s': %s\n", opts.dir.c_str(), std::strerror(errno));
    return 1;
  }
  if (opts.daemonize) Daemonize();
  if (Status s = InitLogging(opts.logfile, opts.loglevel, opts.daemonize); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  SetLogRole(opts.sentinel_mode ? 'X' : 'M');
  config.OnChange("loglevel", [](const ServerOptions& o) { SetLogLevel(o.loglevel); });

  spdlog::warn("oO0OoO0OoO0Oo Troupe is starting oO0OoO0OoO0Oo");
  spdlog::warn("Troupe version={} (Redis {} compatible), bits=64, commit=00000000, modified=0, "
               "pid={}, just started",
               kTroupeVersion, kRedisVersion, static_cast<int>(getpid()));
  if (!has_file) {
    spdlog::warn("Warning: no config file specified, using the default config. In order to specify "
                 "a config file use {} /path/to/redis.conf",
                 argv[0]);
  } else {
    spdlog::warn("Configuration loaded");
  }
  for (const std::string& name : config.UnimplementedInUse())
    spdlog::warn("Config directive '{}' is accepted but not implemented yet by Troupe: it has no effect", name);

  AdjustOpenFilesLimit(opts.maxclients);
  spdlog::info("monotonic clock: POSIX clock_gettime");

  auto sockets = OpenListenSockets(opts.bind, opts.port, opts.tcp_backlog, opts.tcp_keepalive_s);
  if (!sockets.ok()) {
    spdlog::warn("Warning: {}", sockets.status().message());
    spdlog::warn("Failed listening on port {} (TCP), aborting.", opts.port);
    return 1;
  }
  int port = sockets->empty() ? opts.port : (*sockets)[0].port;

  std::string pidfile = opts.pidfile;
  if (pidfile.empty() && opts.daemonize) pidfile = "/var/run/redis.pid";
  bool wrote_pidfile = !pidfile.empty() && WritePidFile(pidfile);

  spdlog::info("Running mode={}, port={}.", opts.sentinel_mode ? "sentinel" : opts.cluster_enabled ? "cluster" : "standalone", port);

  // State shared by the actors on the multiplexer thread.
  SystemClock& clock = SystemClock::Instance();
  ServerContext server(&config, &clock);
  server.run_id = RandomHex40();
  server.replid = RandomHex40();
  server.start_ms = clock.UnixMs();
  server.start_mono_us = clock.MonotonicUs();
  server.lastsave_s = server.start_ms / 1000;
  server.port = port;
  server.executable = ExecutablePath(argv[0]);
  server.config_file = config.config_file();
  server.daemonized = opts.daemonize;
  // Cluster mode: lock and load nodes.conf (or create this node's identity).
  std::unique_ptr<ClusterState> cluster_state;
  if (opts.cluster_enabled && !opts.sentinel_mode) {
    if (port > 65535 - 10000 && opts.cluster_port == 0) {
      spdlog::warn("Redis port number too high. Cluster communication port is 10,000 port numbers higher "
                   "than your Redis port. Your Redis port number must be 55535 or less.");
      return 1;
    }
    ClusterOptions co;
    co.config_file = opts.cluster_config_file;
    co.port = opts.cluster_announce_port ? opts.cluster_announce_port : port;
    co.cport = opts.cluster_announce_bus_port ? opts.cluster_announce_bus_port
               : opts.cluster_port        ? opts.cluster_port
                                          : port + 10000;
    co.announce_ip = opts.cluster_announce_ip;
    co.announce_hostname = opts.cluster_announce_hostname;
    co.require_full_coverage = opts.cluster_require_full_coverage;
    co.node_timeout_ms = opts.cluster_node_timeout_ms;
    cluster_state = std::make_unique<ClusterState>(co, &clock, std::random_device{}() * 0x100000001ULL ^ std::random_device{}());
    if (Status s = cluster_state->Open(); !s.ok()) {
      spdlog::warn("{}", s.message());
      return 1;
    }
    spdlog::info(cluster_state->loaded_from_disk() ? "Node configuration loaded, I'm {}"
                                                   : "No cluster configuration found, I'm {}",
                 cluster_state->myself().id);
    cluster_state->SetNoFailover(opts.cluster_replica_no_failover);
    config.OnChange("cluster-replica-no-failover", [cs = cluster_state.get()](const ServerOptions& o) {
      cs->SetNoFailover(o.cluster_replica_no_failover);
    });
    config.OnChange("cluster-node-timeout", [cs = cluster_state.get()](const ServerOptions& o) {
      cs->SetNodeTimeout(o.cluster_node_timeout_ms);
    });
    config.OnChange("cluster-require-full-coverage", [cs = cluster_state.get()](const ServerOptions& o) {
      cs->SetRequireFullCoverage(o.cluster_require_full_coverage);
    });
    server.cluster = cluster_state.get();
  }
  // The cluster bus port: opened here so a busy port fails the start.
  std::vector<ListenSocket> bus_sockets;
  if (server.cluster != nullptr) {
    int bus_port = opts.cluster_port ? static_cast<int>(opts.cluster_port) : port + 10000;
    auto opened = OpenListenSockets(opts.bind, bus_port, opts.tcp_backlog, opts.tcp_keepalive_s);
    if (!opened.ok()) {
      spdlog::warn("Warning: {}", opened.status().message());
      spdlog::warn("Failed listening on port {} (cluster), aborting.", bus_port);
      return 1;
    }
    bus_sockets = std::move(*opened);
  }
  Keyspace keyspace(opts.databases, &clock);
  if (server.cluster != nullptr) keyspace.db(0).TrackSlots();  // keys per slot (COUNTKEYSINSLOT, migration)
  auto apply_lfu = [&keyspace](const ServerOptions& o) {
    keyspace.SetLfu(o.maxmemory_policy.find("lfu") != std::string::npos,
                    static_cast<int>(o.lfu_log_factor), static_cast<int>(o.lfu_decay_time));
  };
  apply_lfu(opts);
  for (const char* name : {"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"})
    config.OnChange(name, apply_lfu);
  CommandTable::Instance();  // build the table before serving
  Snapshotter snapshotter(&keyspace, &server);
  server.snapshotter = &snapshotter;
  PubSubRegistry pubsub;  // channels and keyspace notifications
  InstallPubSub(&pubsub, &server, &keyspace);
  BlockingRegistry blocking;
  WatchRegistry watches;
  server.blocking = &blocking;
  server.watches = &watches;
  server.on_client_closed.push_back([&watches](ClientState& c) { watches.UnwatchAll(&c); });
  server.on_client_reset.push_back([&watches](ClientState& c) {
    watches.UnwatchAll(&c);
    c.in_multi = c.multi_error = false;
    c.queued.clear();
    c.queued_bytes = 0;
  });
  // The stream of writes to the AOF and to replicas; a key removed because
  // its TTL passed is recorded as a DEL (replicas never expire keys
  // themselves, the master tells them).
  Propagation propagation;
  server.propagation = &propagation;
  {
    auto notify_expired = keyspace.on_key_expired;
    keyspace.on_key_expired = [notify_expired, &propagation](int db, std::string_view key) {
      if (notify_expired) notify_expired(db, key);
      propagation.Add(db, std::vector<std::string>{"DEL", std::string(key)});
    };
  }
  AppendOnlyFile aof(&keyspace, &server);
  server.aof = &aof;
  // Replication: the master side lives here, a replica's link is a broker
  // the node starts (replicaof in the config is kept across restarts).
  Replication replication(&keyspace, &server);
  server.replication = &replication;
  server.on_client_closed.push_back([&replication](ClientState& c) { replication.ReplicaClosed(c); });
  snapshotter.on_bgsave_done = [&replication, &snapshotter](bool ok) { replication.BgsaveDone(ok, snapshotter.Path()); };
  replication.on_ack = [&server] { WakeWaitingClients(server); };
  server.fill_repl_info = [&replication](RdbSaveInfo* info) { replication.FillSaveInfo(info); };
  server.on_startup_loaded = [&replication](const DatasetLoadStats& st) {
    replication.RestoreFromRdb(st.repl_id, st.repl_offset, st.repl_stream_db);
  };
  if (!opts.sentinel_mode && !opts.replicaof_host.empty()) replication.SetMaster(opts.replicaof_host, opts.replicaof_port);
  // What the cluster bus needs from the node: the replication offset it
  // gossips, following the master a replica is assigned, cluster-wide
  // PUBLISH, and dropping keys of slots another master took over.
  server.cluster_hooks.repl_offset = [&replication] { return static_cast<uint64_t>(replication.offset()); };
  server.cluster_hooks.replicate_from = [&replication](const std::string& ip, int p) { replication.SetMaster(ip, p); };
  server.cluster_hooks.replication_master = [&replication] {
    return std::make_pair(replication.master_host(), replication.master_port());
  };
  server.cluster_hooks.publish_local = [&pubsub](const std::string& channel, const std::string& message) {
    pubsub.Publish(channel, message);
  };
  auto keys_in_slot = [&keyspace](int slot) {
    std::vector<std::string> keys;
    if (keyspace.db(0).KeysInSlot(slot) == 0) return keys;
    keyspace.db(0).ForEach([&](const Entry* e) {
      if (KeySlot(e->key()) == slot) keys.emplace_back(e->key());
    });
    return keys;
  };
  server.cluster_hooks.master_link_down_ms = [&replication, &clock]() -> int64_t {
    if (replication.link_state() == MasterLinkState::kConnected) return 0;
    return std::max<int64_t>(1, clock.UnixMs() - replication.link_down_since_ms());
  };
  server.cluster_hooks.promote_to_master = [&replication] { replication.SetNoMaster(); };
  server.cluster_hooks.pause_writes = [&server, &clock](int64_t ms) {
    if (ms <= 0) {
      server.pause_until_mono_us = 0;
      server.pause_all = false;
      return;
    }
    server.pause_until_mono_us = std::max(server.pause_until_mono_us, clock.MonotonicUs() + ms * 1000);
  };
  server.cluster_hooks.count_keys_in_slot = [&keyspace](int slot) {
    return static_cast<size_t>(keyspace.db(0).KeysInSlot(slot));
  };
  server.cluster_hooks.delete_keys_in_slot = [keys_in_slot, &keyspace](int slot) {
    for (const std::string& k : keys_in_slot(slot)) keyspace.db(0).Delete(k);
  };
  // Sentinel mode: the `sentinel ...` lines become the sentinel's state.
  std::unique_ptr<SentinelState> sentinel_state;
  if (opts.sentinel_mode) {
    if (access(config.config_file().c_str(), W_OK) != 0) {
      spdlog::warn("Sentinel config file {} is not writable: {}. Exiting...", config.config_file(),
                   std::strerror(errno));
      return 1;
    }
    sentinel_state = std::make_unique<SentinelState>(&clock, std::random_device{}());
    if (Status s = LoadSentinelConfig(config.raw_directives(), sentinel_state.get()); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    sentinel_state->my_port = port;
    for (const std::string& b : opts.bind) {
      std::string addr = b[0] == '-' ? b.substr(1) : b;
      if (addr != "*" && addr.find(':') == std::string::npos) {
        sentinel_state->my_ip = addr;
        break;
      }
    }
    if (sentinel_state->config().myid.empty()) sentinel_state->config().myid = RandomHex40();
    spdlog::warn("Sentinel ID is {}", sentinel_state->config().myid);
    for (auto& [name, m] : sentinel_state->masters())
      sentinel_state->Event(true, "+monitor", m.get(), "quorum " + std::to_string(m->quorum));
    if (Status s = config.Rewrite(sentinel_state->ConfigLines()); !s.ok()) spdlog::warn("{}", s.message());
    server.sentinel = sentinel_state.get();
  }
  // CONFIG SET appendonly yes|no turns the AOF on (with a rewrite) or off.
  config.OnApply("appendonly", [&aof](const ServerOptions& o) -> Status {
    if (!o.appendonly) {
      aof.Disable();
      return Status::Ok();
    }
    return aof.Enable();
  });
  // With appendonly yes the AOF, when there is one, is the dataset; the RDB
  // is read only when there is no AOF yet.
  std::optional<AofManifest> aof_manifest;
  if (!opts.sentinel_mode && opts.appendonly) {
    auto read = ReadAofManifest(opts.appenddirname, opts.appendfilename);
    if (!read.ok()) {
      spdlog::warn("{}", read.status().message());
      return 1;
    }
    aof_manifest = std::move(*read);
  }

  // Every write to a key: wake clients blocked on it, fail WATCHing transactions.
  keyspace.on_key_changed = [&blocking, &watches](int db, std::string_view key) {
    blocking.KeyChanged(db, key);
    watches.KeyChanged(db, key);
  };
  // The RDB is loaded by the shard in slices once the actors run, so clients
  // can connect meanwhile (and are answered -LOADING); with appendonly on,
  // it is loaded here at once, since the AOF is opened from the dataset.
  std::unique_ptr<LoadingRun> startup_load;
  if (!opts.sentinel_mode && !aof_manifest && access(opts.dbfilename.c_str(), F_OK) == 0) {
    auto loader = RdbLoader::Open(opts.dbfilename, &keyspace, RdbLoadOptionsFor(opts));
    if (!loader.ok()) {
      spdlog::warn("Fatal error loading the DB: {}. Exiting.", loader.status().message());
      return 1;
    }
    startup_load = std::make_unique<LoadingRun>(std::move(*loader), &server, LoadingRun::Purpose::kStartup);
    if (opts.appendonly) {
      if (Status s = startup_load->RunToEnd(); !s.ok()) {
        spdlog::warn("{}", s.message());
        spdlog::warn("Fatal error loading the DB: the server will not start on a partial dataset. Exiting.");
        return 1;
      }
      startup_load.reset();
    }
    server.startup_load = startup_load.get();
  }
  if (aof_manifest) {
    // The AOF is replayed by the shard in slices too (clients get -LOADING);
    // appends resume once it is all in.
    auto loader = std::make_unique<AofLoader>(opts.appenddirname, *aof_manifest, opts.aof_load_truncated,
                                              &keyspace, &server);
    startup_load = std::make_unique<LoadingRun>(std::move(loader), &server, LoadingRun::Purpose::kStartup);
    server.startup_load = startup_load.get();
    server.on_startup_loaded = [&replication, &aof, &aof_manifest](const DatasetLoadStats& st) {
      replication.RestoreFromRdb(st.repl_id, st.repl_offset, st.repl_stream_db);
      if (Status s = aof.OpenAtStartup(aof_manifest); !s.ok()) {
        spdlog::warn("{}", s.message());
        spdlog::default_logger()->flush();
        _exit(1);
      }
    };
  } else if (!opts.sentinel_mode && opts.appendonly) {
    if (Status s = aof.OpenAtStartup(aof_manifest); !s.ok()) {
      spdlog::warn("{}", s.message());
      return 1;
    }
  }

  // Termination signals are taken by one thread with sigwait; every other
  // thread (CAF's included) inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR2);  // main's own "stop waiting" signal
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int exit_code = 0;
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    cfg.set("scheduler.max-threads", 1);
    caf::actor_system system{cfg};
    struct mallinfo2 at_start = mallinfo2();
    server.used_memory_startup = at_start.uordblks + at_start.hblkhd;
    spdlog::info("Server initialized");
    caf::actor node =
        system.middleman().spawn_broker(Node, &keyspace, &server, std::move(*sockets), std::move(bus_sockets));
    // With a start-up load under way, the shard says it when the load is done.
    if (server.startup_load == nullptr) spdlog::info("Ready to accept connections");

    std::thread signal_thread([&signals, node] {
      int shutdown_requests = 0;
      for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGUSR2) return;
        if (++shutdown_requests > 1 && sig == SIGINT) {
          spdlog::warn("You insist... exiting now.");
          _exit(1);
        }
        spdlog::warn("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
        caf::anon_send(node, shutdown_atom_v, static_cast<int32_t>(kShutdownSignal));
      }
    });
    node = nullptr;
    system.await_all_actors_done();
    pthread_kill(signal_thread.native_handle(), SIGUSR2);
    signal_thread.join();
  }
  if (wrote_pidfile) {
    spdlog::info("Removing the pid file.");
    unlink(pidfile.c_str());
  }
  spdlog::default_logger()->flush();
  return exit_code;
}

}  // namespace
}  // namespace troupe

int main(int argc, char** argv) { return troupe::Run(argc, argv); }
