// SimTrace: the event trace of a simulator run. One line per event (virtual
// time, node names, message contents; never pointers or process ids), folded
// into a 64-bit FNV-1a hash as it is written, the last lines kept for the
// report of a violation, and every line printed when --trace is given.
//
// Who talks to it: the loop, the network, the nodes and the scenario add
// lines; sim_main prints the hash. Threading: single-threaded simulator.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace troupe {

class SimTrace {
 public:
  // `tail` lines are kept; `sink`, when set, gets every line (--trace).
  explicit SimTrace(size_t tail = 40) : tail_limit_(tail) {}
  void set_sink(std::function<void(const std::string&)> sink) { sink_ = std::move(sink); }

  // Adds "<t_ms> <text>"; control characters and bytes above 0x7e of
  // `text` are escaped (\r, \n, \xNN).
  void Add(int64_t t_ms, const std::string& text);

  uint64_t hash() const { return hash_; }
  uint64_t lines() const { return lines_; }
  std::vector<std::string> Tail() const { return {tail_.begin(), tail_.end()}; }

 private:
  uint64_t hash_ = 14695981039346656037ull;  // FNV-1a 64 offset basis
  uint64_t lines_ = 0;
  size_t tail_limit_;
  std::deque<std::string> tail_;
  std::function<void(const std::string&)> sink_;
};

// argv / reply parts as one printable string: a part longer than `limit`
// and the parts past the 8th of a long list are shortened to their length
// and FNV hash, so the line still depends on every byte.
std::string JoinParts(const std::vector<std::string>& parts, size_t limit = 2048);

}  // namespace troupe
