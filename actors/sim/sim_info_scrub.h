// ScrubHostFacts: the simulator's stand-in for the host facts INFO reports.
// INFO reads the process and the machine — the pid, CPU time (getrusage),
// malloc statistics, RSS, the kernel's name, total memory — none of which
// belong to a simulated node, and all of which would make the trace (and
// its hash) differ between two runs of the same seed. A data node's INFO
// reply is passed through this edge before it leaves: the values of those
// fields become "0" (the bulk length is fixed up); every other field, and
// the reply's shape, are the real code's.
//
// Who talks to it: SimSession (sim_server_session.cc), for INFO replies of
// the nodes whose scenario asks for it. Plain function.
#pragma once

#include <string>

namespace troupe {

// `reply` is one RESP reply to INFO (a bulk string; anything else is left
// alone).
void ScrubHostFacts(std::string* reply);

}  // namespace troupe
