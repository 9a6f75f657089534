// ClientState: what the server knows about one client connection: identity,
// selected database, protocol, authentication, flags and counters shown by
// CLIENT LIST / CLIENT INFO. Owned by the client session (one per
// connection); command handlers read and change it inline on the multiplexer
// thread; ServerContext's client registry points at it. No CAF header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

struct ClientState {
  uint64_t id = 0;               // CLIENT ID, unique for the process lifetime
  std::string name;              // CLIENT SETNAME
  std::string addr;              // "ip:port" of the peer
  std::string laddr;             // "ip:port" of the local end
  int fd = -1;                   // socket descriptor (CLIENT LIST fd=)
  int db = 0;                    // SELECTed database
  int protocol = 2;              // 2 or 3 (HELLO)
  bool authenticated = false;    // AUTH done, or no password configured
  std::string user = "default";  // ACL user name
  bool monitor = false;          // MONITOR mode
  bool close_after_reply = false;  // QUIT, protocol error, CLIENT KILL
  bool close_asap = false;       // killed: drop without flushing replies
  bool no_evict = false;         // CLIENT NO-EVICT
  bool readonly_cluster = false;  // READONLY (cluster mode)
  bool asking = false;           // ASKING: the next command may use an importing slot
  enum class ReplyMode { kOn, kOff, kSkipNext, kSkip } reply_mode = ReplyMode::kOn;
  int64_t created_ms = 0;        // connection time (Unix ms)
  int64_t last_interaction_ms = 0;  // last command (Unix ms)
  // Name of the last command run (CLIENT LIST cmd=); points into the
  // command table, which lives as long as the process. nullptr = none yet.
  const std::string* last_command = nullptr;
  size_t query_buffer_bytes = 0;   // qbuf=
  size_t query_buffer_free = 0;    // qbuf-free=
  size_t output_bytes = 0;         // omem= (bytes not yet written)
  uint64_t commands = 0;           // commands processed
  std::string lib_name, lib_ver;   // CLIENT SETINFO (7.2; kept for CLIENT LIST)
  // Pub/sub: subscriptions held (SUBSCRIBE + PSUBSCRIBE, and SSUBSCRIBE).
  size_t pubsub_channels = 0;
  size_t pubsub_patterns = 0;
  size_t pubsub_shard_channels = 0;
  bool subscribed() const { return pubsub_channels + pubsub_patterns + pubsub_shard_channels > 0; }
  // Sends a complete RESP frame (a pub/sub message) to this client's
  // connection. Set by the session; it delivers through the session's
  // mailbox, so the frame goes out after any reply being written now.
  std::function<void(std::string frame)> push;

  // Transactions: MULTI state, the commands queued (owned copies), whether a
  // queued command was rejected (EXEC aborts), the WATCHed keys and whether
  // one of them was written since (EXEC fails).
  bool in_multi = false;
  bool multi_error = false;
  std::vector<std::vector<std::string>> queued;
  size_t queued_bytes = 0;
  std::vector<std::pair<int, std::string>> watched;
  bool dirty_cas = false;

  // Blocking commands: parked right now (CLIENT LIST flag b), and how CLIENT
  // UNBLOCK releases it (true = with the UNBLOCKED error, false = as a
  // timeout). Set by the session while blocked, else empty.
  bool blocked = false;
  std::function<void(bool as_error)> unblock;

  // Asks the owning session to close the connection (CLIENT KILL). Set by
  // the session; safe to call from any command on the multiplexer thread.
  std::function<void()> kill;

  // Replication. is_replica: this connection is a replica of ours (after
  // SYNC/PSYNC; CLIENT LIST flag S): it gets the replication stream instead
  // of replies. is_master: the fake client that applies our master's stream
  // (flag M): its commands are never refused as writes to a read-only
  // replica. woff: the master offset right after this client's last
  // command (WAIT counts replicas that acknowledged it).
  bool is_replica = false;
  bool is_master = false;
  // What a replica said in REPLCONF before its PSYNC.
  int repl_listening_port = 0;
  std::string repl_ip;
  bool repl_capa_eof = false, repl_capa_psync2 = false;
  uint64_t woff = 0;
  // Writes raw bytes (the replication stream, an RDB transfer) to this
  // connection now, outside any reply; set by the session.
  std::function<void(std::string_view)> send_raw;
  // Bytes written to the connection but not yet sent (output limit of replicas).
  uint64_t unsent_bytes = 0;
};

}  // namespace troupe
