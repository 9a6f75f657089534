// SimRunDir: a fresh scratch directory for the files one simulator run
// keeps on a real disk (the cluster nodes' nodes.conf, the data nodes'
// redis.conf that CONFIG REWRITE rewrites), removed with everything in it
// when the run ends. In /dev/shm when there is one (the real code fsyncs
// those files), else $TMPDIR or /tmp. Nothing of its path reaches the
// trace, so runs stay reproducible.
//
// Who talks to it: the scenarios create one per run. Single-threaded.
#pragma once

#include <string>

namespace troupe {

class SimRunDir {
 public:
  SimRunDir();
  ~SimRunDir();
  SimRunDir(const SimRunDir&) = delete;
  SimRunDir& operator=(const SimRunDir&) = delete;

  // Empty when no directory could be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace troupe
