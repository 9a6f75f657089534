// A run's scratch directory (see sim_run_dir.h).
#include "actors/sim/sim_run_dir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include <vector>

namespace troupe {

SimRunDir::SimRunDir() {
  const char* tmpdir = getenv("TMPDIR");
  for (const char* base : {"/dev/shm", tmpdir, "/tmp"}) {
    if (base == nullptr) continue;
    std::string tmpl = std::string(base) + "/troupe-sim.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) {
      path_ = buf.data();
      return;
    }
  }
}

SimRunDir::~SimRunDir() {
  if (path_.empty()) return;
  nftw(
      path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

}  // namespace troupe
