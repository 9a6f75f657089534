// ReplicaLink: the replica side of Redis's replication protocol (DESIGN §3
// "master_link"), as plain code:
//   connect -> PING -> AUTH (masterauth) -> REPLCONF listening-port
//   [ip-address] -> REPLCONF capa psync2 -> PSYNC <replid> <offset+1>
//   -> +CONTINUE [new replid]: stream from our offset on
//   -> +FULLRESYNC <replid> <offset>: "$<n>\r\n" + RDB to a temp file, flush,
//      load (the file becomes dbfilename), then the stream
// The stream's commands are applied through the command table with the
// master's fake client (Replication::master_client); REPLCONF GETACK is
// answered with REPLCONF ACK <offset>, and an ACK goes every second (Tick).
// Each applied command's bytes go to Replication::StreamApplied (offsets,
// backlog, our own replicas); a transaction's bytes only with its EXEC, and
// a transaction cut by a lost link is discarded (Redis's rules). A dropped link or repl-timeout without data
// closes the connection and retries every second, keeping the data (served
// per replica-serve-stale-data). Log lines are Redis's.
//
// It never touches a socket: the connection is a MasterLinkIo the edge
// provides — the MasterLink broker (master_link.h) on a real TCP connection,
// or a simulated link in troupe-sim — and time comes from the server's
// Clock. Threading: the thread that owns the keyspace (the multiplexer
// thread in a server). No CAF header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace troupe {

class Keyspace;
class ServerContext;
class Replication;

// The connection to the master, as the protocol sees it.
class MasterLinkIo {
 public:
  virtual ~MasterLinkIo() = default;
  // Starts connecting; the edge answers with ReplicaLink::OnConnected or
  // OnConnectFailed (later, never from inside this call).
  virtual void Connect(const std::string& host, int port, int64_t timeout_ms) = 0;
  virtual void Write(std::string_view bytes) = 0;
  // Closes the connection; no OnClosed follows.
  virtual void Close() = 0;
  // How much to read at a time (a hint).
  virtual void SetReadSize(size_t bytes) = 0;
  // Asks for OnKill soon (CLIENT KILL TYPE master runs inside a command).
  virtual void RequestKill() = 0;
  // Where a full sync's RDB is kept until it is loaded. nullptr (servers):
  // a temp file renamed to dbfilename, then loaded from disk. troupe-sim,
  // whose nodes have no disk, returns a buffer: the RDB is collected there
  // and loaded from memory, and the edge keeps it as the node's dump.rdb.
  virtual std::string* RdbBuffer() { return nullptr; }
};

class ReplicaLink {
 public:
  ReplicaLink(Keyspace* keyspace, ServerContext* server, Replication* replication, std::string host, int port,
              MasterLinkIo* io);
  ~ReplicaLink();
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  // Connects now (or once the server's own dataset is loaded).
  void Start();
  // The edge's events.
  void OnConnected();
  void OnConnectFailed(const std::string& error);
  void OnData(const char* data, size_t len);
  void OnClosed();
  void OnKill();
  // Every second: ACK, timeouts, reconnect.
  void Tick();
  // Whether a connect is pending (the edge drops late connect results otherwise).
  bool connecting() const;

  struct Link;  // the protocol state (replica_link.cc)

 private:
  std::unique_ptr<Link> l_;
};

}  // namespace troupe
