// TempDir: a fresh directory under /tmp for one test, removed with
// everything in it when the test ends. Shared by the GoogleTest files that
// write files (config, nodes.conf, the simulated cluster's nodes).
#pragma once

#include <ftw.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

namespace troupe {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/troupe-test.XXXXXX";
    char* made = mkdtemp(tmpl);
    char real[PATH_MAX];
    path_ = (made && realpath(made, real)) ? real : std::string(made ? made : "/tmp");
  }
  ~TempDir() {
    nftw(
        path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace troupe
