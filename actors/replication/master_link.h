// MasterLink: a replica's connection to its master (DESIGN §3
// "master_link"), a broker on the multiplexer thread. It runs Redis's
// replica side of the protocol:
//   connect (net/connector.h, off the I/O thread) -> PING -> AUTH (masterauth)
//   -> REPLCONF listening-port [ip-address] -> REPLCONF capa psync2
//   -> PSYNC <replid> <offset+1>
//   -> +CONTINUE [new replid]: stream from our offset on
//   -> +FULLRESYNC <replid> <offset>: "$<n>\r\n" + RDB to a temp file, flush,
//      load (the file becomes dbfilename), then the stream
// The stream's commands are applied through the command table with the
// master's fake client (Replication::master_client); REPLCONF GETACK is
// answered with REPLCONF ACK <offset>, and an ACK goes every second. Each
// applied command's bytes go to Replication::StreamApplied (offsets, backlog,
// our own replicas). A dropped link or repl-timeout without data closes the
// connection and retries every second, keeping the data (served per
// replica-serve-stale-data).
//
// Who talks to it: the node spawns one per REPLICAOF and stops it with an
// exit message when the master changes; the connector sends it
// connect_result_atom. Log lines are Redis's.
#pragma once

#include <caf/io/broker.hpp>

#include <string>

namespace troupe {

class Keyspace;
class ServerContext;
class Replication;

caf::behavior MasterLink(caf::io::broker* self, Keyspace* keyspace, ServerContext* server,
                         Replication* replication, std::string host, int port);

}  // namespace troupe
