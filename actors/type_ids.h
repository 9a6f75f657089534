// The single CAF type-ID block of Troupe (DESIGN §6.4): every atom and
// message type the actors exchange is declared here, nowhere else.
#pragma once

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(troupe, caf::first_custom_type_id)

  // shard: run one active-expiry / cron step.
  CAF_ADD_ATOM(troupe, troupe, cron_atom, "cron")
  // shard: load the next slice of the start-up dataset (clients run between slices).
  CAF_ADD_ATOM(troupe, troupe, load_step_atom, "loadstep")
  // session: close this client (CLIENT KILL, shutdown); no more replies.
  CAF_ADD_ATOM(troupe, troupe, kill_atom, "kill")
  // session: a MONITOR line to send to this client.
  CAF_ADD_ATOM(troupe, troupe, monitor_atom, "monline")
  // session: paused commands may be retried (CLIENT PAUSE ended or polling).
  CAF_ADD_ATOM(troupe, troupe, resume_atom, "resume")
  // session: a pub/sub frame to write to this client.
  CAF_ADD_ATOM(troupe, troupe, push_atom, "push")
  // session: a blocked command's timeout passed (with the block's sequence number).
  CAF_ADD_ATOM(troupe, troupe, block_timeout_atom, "blocktime")
  // node: begin a clean shutdown (signal or SHUTDOWN).
  CAF_ADD_ATOM(troupe, troupe, shutdown_atom, "shutdown")
  // listener: stop accepting and close every session.
  CAF_ADD_ATOM(troupe, troupe, close_all_atom, "closeall")
  // connector -> requester: an outbound connection is ready (fd) or failed (-1, error).
  CAF_ADD_ATOM(troupe, troupe, connect_result_atom, "connected")
  // shard: write the replication stream produced since the last one to the replicas.
  CAF_ADD_ATOM(troupe, troupe, repl_flush_atom, "replflush")
  // master link: its once-a-second work (ACK, timeouts, reconnect).
  CAF_ADD_ATOM(troupe, troupe, repl_tick_atom, "repltick")

CAF_END_TYPE_ID_BLOCK(troupe)
