// Implementation of ClusterState: the node table, the slot table, the
// health rules of Redis's clusterUpdateState, and nodes.conf (format of
// Redis 7.0.15's clusterGenNodeDescription / clusterLoadConfig). The
// health is recomputed when asked (a routed command, CLUSTER INFO), so
// "Cluster state changed" is logged then, not by a 100 ms cron.
#include "actors/cluster/cluster_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "actors/common/strings.h"

namespace troupe {
namespace {

constexpr const char kCorrupted[] = "Unrecoverable error: corrupted cluster config file.";

struct FlagName {
  uint32_t flag;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {kNodeMyself, "myself"},       {kNodeMaster, "master"},   {kNodeSlave, "slave"},
    {kNodePfail, "fail?"},         {kNodeFail, "fail"},       {kNodeHandshake, "handshake"},
    {kNodeNoAddr, "noaddr"},       {kNodeNoFailover, "nofailover"},
};

bool IsNodeId(std::string_view s) {
  if (s.size() != kClusterNameLen) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    out.push_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool ParseSlot(std::string_view s, int* slot) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < 0 || v >= kClusterSlots) return false;
  *slot = static_cast<int>(v);
  return true;
}

bool ParsePort(std::string_view s, int* port) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < 0 || v > 65535) return false;
  *port = static_cast<int>(v);
  return true;
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

ClusterState::ClusterState(ClusterOptions options, const Clock* clock, uint64_t random_seed)
    : options_(std::move(options)),
      clock_(clock),
      rng_state_(random_seed),
      slots_(kClusterSlots, nullptr),
      importing_(kClusterSlots, nullptr),
      migrating_(kClusterSlots, nullptr) {}

ClusterState::~ClusterState() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

std::string ClusterState::NewNodeId() {
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  while (id.size() < kClusterNameLen) {
    // splitmix64
    uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 16 && id.size() < kClusterNameLen; ++i, z >>= 4) id.push_back(kHex[z & 15]);
  }
  return id;
}

// ---- Locking and the file.

Status ClusterState::Lock() {
  // Retried when the file was replaced between our open and our lock (the
  // holder renamed a new version over it): the lock must be on the file
  // the name points at now.
  for (int attempt = 0; attempt < 8; ++attempt) {
    int fd = open(options_.config_file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return Status::Error("Can't open " + options_.config_file + " in order to acquire a lock: " +
                           std::strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      close(fd);
      if (err == EWOULDBLOCK)
        return Status::Error("Sorry, the cluster configuration file " + options_.config_file +
                             " is already used by a different Redis Cluster node. Please make sure "
                             "that different nodes use different cluster configuration files.");
      return Status::Error("Impossible to lock " + options_.config_file + ": " + std::strerror(err));
    }
    struct stat by_fd{}, by_name{};
    if (fstat(fd, &by_fd) == 0 && stat(options_.config_file.c_str(), &by_name) == 0 &&
        by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev) {
      if (lock_fd_ >= 0) close(lock_fd_);
      lock_fd_ = fd;
      return Status::Ok();
    }
    close(fd);
  }
  return Status::Error("Impossible to lock " + options_.config_file + ": it keeps being replaced");
}

Status ClusterState::Open() {
  if (Status s = Lock(); !s.ok()) return s;
  first_update_ms_ = clock_->MonotonicUs() / 1000;
  // An empty file (Lock creates it) means no configuration yet.
  std::string text;
  {
    int fd = open(options_.config_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::Error(std::string(kCorrupted));
    char buf[65536];
    while (true) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > kClusterMaxConfigBytes) {
        close(fd);
        return Status::Error(std::string(kCorrupted));
      }
    }
    close(fd);
  }
  if (!text.empty()) {
    if (Status s = LoadFromText(text); !s.ok()) return s;
    loaded_from_disk_ = true;
    // Our own address may have changed since the file was written.
    myself_->port = options_.port;
    myself_->cport = options_.cport;
    if (!options_.announce_ip.empty()) myself_->ip = options_.announce_ip;
    myself_->hostname = options_.announce_hostname;
    return Save();
  }
  auto me = std::make_unique<ClusterNode>();
  me->id = NewNodeId();
  me->flags = kNodeMyself | kNodeMaster;
  me->port = options_.port;
  me->cport = options_.cport;
  me->ip = options_.announce_ip;
  me->hostname = options_.announce_hostname;
  me->link_connected = true;
  myself_ = me.get();
  nodes_.emplace(me->id, std::move(me));
  MarkChanged();
  return Save();
}

Status ClusterState::Save() {
  std::string content = ConfigFileContent();
  std::string tmp = options_.config_file + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("Could not save the cluster config: " + std::string(std::strerror(errno)));
  // The lock moves with the content: the new file is locked before it
  // takes the name, so there is never a moment without a locked file.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 || !WriteAll(fd, content) || fsync(fd) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return Status::Error("Could not save the cluster config: " + std::string(std::strerror(err)));
  }
  if (rename(tmp.c_str(), options_.config_file.c_str()) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return Status::Error("Could not save the cluster config: " + std::string(std::strerror(err)));
  }
  int dir = open(DirOf(options_.config_file).c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  if (lock_fd_ >= 0) close(lock_fd_);
  lock_fd_ = fd;
  return Status::Ok();
}

// ---- Text forms.

std::string ClusterState::FlagsText(uint32_t flags) {
  std::string out;
  for (const FlagName& f : kFlagNames) {
    if (!(flags & f.flag)) continue;
    if (!out.empty()) out += ',';
    out += f.name;
  }
  return out.empty() ? "noflags" : out;
}

std::string ClusterState::NodeLine(const ClusterNode& n) const {
  std::string line = n.id;
  line += ' ';
  line += n.ip;
  line += ':' + std::to_string(n.port) + '@' + std::to_string(n.cport);
  if (!n.hostname.empty()) line += ',' + n.hostname;
  line += ' ' + FlagsText(n.flags) + ' ';
  line += n.master_id.empty() ? "-" : n.master_id;
  line += ' ' + std::to_string(n.ping_sent_ms) + ' ' + std::to_string(n.pong_received_ms) + ' ' +
          std::to_string(NodeEpoch(n)) + ' ';
  line += (n.link_connected || n.is_myself()) ? "connected" : "disconnected";
  if (n.num_slots > 0) {
    for (int start = 0; start < kClusterSlots;) {
      if (slots_[static_cast<size_t>(start)] != &n) {
        ++start;
        continue;
      }
      int end = start;
      while (end + 1 < kClusterSlots && slots_[static_cast<size_t>(end + 1)] == &n) ++end;
      line += ' ' + std::to_string(start);
      if (end > start) line += '-' + std::to_string(end);
      start = end + 1;
    }
  }
  if (n.is_myself()) {
    for (int j = 0; j < kClusterSlots; ++j) {
      if (const ClusterNode* to = migrating_[static_cast<size_t>(j)])
        line += " [" + std::to_string(j) + "->-" + to->id + "]";
      else if (const ClusterNode* from = importing_[static_cast<size_t>(j)])
        line += " [" + std::to_string(j) + "-<-" + from->id + "]";
    }
  }
  return line;
}

std::vector<const ClusterNode*> ClusterState::NodesInOrder() const {
  std::vector<const ClusterNode*> out;
  out.reserve(nodes_.size());
  if (myself_ != nullptr) out.push_back(myself_);
  for (const auto& [id, n] : nodes_)
    if (n.get() != myself_) out.push_back(n.get());
  return out;
}

std::string ClusterState::NodesDescription() const {
  std::string out;
  for (const ClusterNode* n : NodesInOrder()) out += NodeLine(*n) + "\n";
  return out;
}

std::string ClusterState::ConfigFileContent() const {
  std::string out;
  for (const ClusterNode* n : NodesInOrder()) {
    if (n->flags & kNodeHandshake) continue;  // not yet a node of the cluster
    out += NodeLine(*n) + "\n";
  }
  out += "vars currentEpoch " + std::to_string(current_epoch) + " lastVoteEpoch " +
         std::to_string(last_vote_epoch) + "\n";
  return out;
}

Status ClusterState::LoadFromText(std::string_view text) {
  const Status corrupted = Status::Error(kCorrupted);
  auto node_for = [this](std::string_view id) -> ClusterNode* {
    if (ClusterNode* n = Find(id)) return n;
    return AddNode(std::string(id), 0);
  };
  int64_t now_ms = clock_->UnixMs();
  for (std::string_view line : SplitOn(text, '\n')) {
    std::vector<std::string_view> argv = Words(line);
    if (argv.empty()) continue;
    if (argv[0] == "vars") {
      for (size_t j = 1; j + 1 < argv.size(); j += 2) {
        uint64_t* var = argv[j] == "currentEpoch" ? &current_epoch
                        : argv[j] == "lastVoteEpoch" ? &last_vote_epoch
                                                     : nullptr;
        int64_t v;
        if (var == nullptr) continue;  // an unknown variable is skipped, as Redis does
        if (!ParseInt64(argv[j + 1], &v) || v < 0) return corrupted;
        *var = static_cast<uint64_t>(v);
      }
      continue;
    }
    if (argv.size() < 8 || !IsNodeId(argv[0])) return corrupted;
    ClusterNode* n = node_for(argv[0]);
    if (n == nullptr) return corrupted;
    // ip:port@cport[,hostname]
    std::string_view addr = argv[1];
    size_t comma = addr.find(',');
    if (comma != std::string_view::npos) {
      n->hostname = std::string(addr.substr(comma + 1));
      addr = addr.substr(0, comma);
    }
    size_t colon = addr.rfind(':');
    if (colon == std::string_view::npos) return corrupted;
    n->ip = std::string(addr.substr(0, colon));
    std::string_view ports = addr.substr(colon + 1);
    size_t at = ports.find('@');
    if (!ParsePort(ports.substr(0, at), &n->port)) return corrupted;
    if (at == std::string_view::npos) {
      n->cport = n->port + 10000;
    } else {
      // The bus port is port + 10000 by default, so it may exceed 65535
      // for a high client port (that bus cannot listen, but the file is valid).
      int64_t cport;
      if (!ParseInt64(ports.substr(at + 1), &cport) || cport < 0 || cport > 65535 + 10000) return corrupted;
      n->cport = static_cast<int>(cport);
    }
    // Flags.
    n->flags = 0;
    for (std::string_view f : SplitOn(argv[2], ',')) {
      if (f == "noflags") continue;
      const FlagName* known = nullptr;
      for (const FlagName& k : kFlagNames)
        if (f == k.name) known = &k;
      if (known == nullptr) return corrupted;
      n->flags |= known->flag;
    }
    if (n->flags & kNodeMyself) {
      if (myself_ != nullptr && myself_ != n) return corrupted;
      myself_ = n;
      n->link_connected = true;
    }
    if (n->flags & kNodeFail) n->fail_time_ms = now_ms;
    // Master.
    if (argv[3] != "-") {
      if (!IsNodeId(argv[3]) || argv[3] == argv[0]) return corrupted;
      if (node_for(argv[3]) == nullptr) return corrupted;
      n->master_id = std::string(argv[3]);
    } else {
      n->master_id.clear();
    }
    // Ping/pong: a non-zero stamp becomes "now", as Redis does.
    int64_t v;
    if (!ParseInt64(argv[4], &v)) return corrupted;
    n->ping_sent_ms = v != 0 ? now_ms : 0;
    if (!ParseInt64(argv[5], &v)) return corrupted;
    n->pong_received_ms = v != 0 ? now_ms : 0;
    if (!ParseInt64(argv[6], &v) || v < 0) return corrupted;
    n->config_epoch = static_cast<uint64_t>(v);
    if (argv[7] != "connected" && argv[7] != "disconnected") return corrupted;
    // Slots: "a-b", "a", "[a->-id]" (migrating to), "[a-<-id]" (importing from).
    for (size_t j = 8; j < argv.size(); ++j) {
      std::string_view s = argv[j];
      if (s.front() == '[') {
        if (s.size() < 2 || s.back() != ']') return corrupted;
        std::string_view body = s.substr(1, s.size() - 2);
        size_t arrow = body.find("->-");
        size_t larrow = body.find("-<-");
        bool migrating = arrow != std::string_view::npos;
        size_t p = migrating ? arrow : larrow;
        int slot;
        if (p == std::string_view::npos || !ParseSlot(body.substr(0, p), &slot)) return corrupted;
        std::string_view peer = body.substr(p + 3);
        if (!IsNodeId(peer)) return corrupted;
        ClusterNode* other = node_for(peer);
        if (other == nullptr) return corrupted;
        (migrating ? migrating_ : importing_)[static_cast<size_t>(slot)] = other;
        continue;
      }
      size_t dash = s.find('-');
      int start, stop;
      if (!ParseSlot(s.substr(0, dash), &start)) return corrupted;
      if (dash == std::string_view::npos) {
        stop = start;
      } else if (!ParseSlot(s.substr(dash + 1), &stop)) {
        return corrupted;
      }
      for (int slot = start; slot <= stop; ++slot) AssignSlot(slot, n);
    }
  }
  if (myself_ == nullptr) return corrupted;
  uint64_t max_epoch = MaxEpoch();
  if (max_epoch > current_epoch) current_epoch = max_epoch;
  MarkChanged();
  return Status::Ok();
}

// ---- Queries.

ClusterNode* ClusterState::Find(std::string_view id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::vector<const ClusterNode*> ClusterState::ReplicasOf(std::string_view master_id) const {
  std::vector<const ClusterNode*> out;
  for (const auto& [id, n] : nodes_)
    if (n->is_replica() && n->master_id == master_id) out.push_back(n.get());
  return out;
}

uint64_t ClusterState::NodeEpoch(const ClusterNode& n) const {
  if (n.is_replica() && !n.master_id.empty()) {
    auto it = nodes_.find(n.master_id);
    if (it != nodes_.end()) return it->second->config_epoch;
  }
  return n.config_epoch;
}

uint64_t ClusterState::MaxEpoch() const {
  uint64_t max = current_epoch;
  for (const auto& [id, n] : nodes_) max = std::max(max, n->config_epoch);
  return max;
}

// ---- Health (Redis's clusterUpdateState).

void ClusterState::MarkChanged() {
  // Redis recomputes the state every 100 ms while it is "fail"; here it is
  // recomputed when asked. To keep the rejoin delay's meaning, a change
  // made while in a minority records that time, as Redis's cron would have.
  if (myself_ != nullptr && first_update_ms_ >= 0) {
    int64_t now = clock_->MonotonicUs() / 1000;
    if (now - first_update_ms_ >= kWritableDelayMs && InMinority()) among_minority_ms_ = now;
  }
  dirty_ = true;
}

bool ClusterState::InMinority() const {
  int size = 0, reachable = 0;
  for (const auto& [id, n] : nodes_) {
    if (!n->is_master() || n->num_slots == 0) continue;
    ++size;
    if (!(n->flags & (kNodeFail | kNodePfail))) ++reachable;
  }
  return reachable < size / 2 + 1;
}

ClusterHealth ClusterState::Health() {
  if (!dirty_ && health_ == ClusterHealth::kOk) return health_;
  int64_t now = clock_->MonotonicUs() / 1000;
  if (first_update_ms_ < 0) first_update_ms_ = now;
  // A master that just started waits before it accepts writes, so the
  // cluster can reconfigure it first.
  if (myself_->is_master() && health_ == ClusterHealth::kFail && now - first_update_ms_ < kWritableDelayMs)
    return health_;
  dirty_ = false;
  ClusterHealth next = ClusterHealth::kOk;
  if (options_.require_full_coverage) {
    for (const ClusterNode* n : slots_) {
      if (n == nullptr || n->failed()) {
        next = ClusterHealth::kFail;
        break;
      }
    }
  }
  size_ = 0;
  for (const auto& [id, n] : nodes_)
    if (n->is_master() && n->num_slots > 0) ++size_;
  if (InMinority()) {
    next = ClusterHealth::kFail;
    among_minority_ms_ = now;
  }
  if (next != health_) {
    int64_t rejoin = std::clamp(options_.node_timeout_ms, kMinRejoinDelayMs, kMaxRejoinDelayMs);
    if (next == ClusterHealth::kOk && myself_->is_master() && now - among_minority_ms_ < rejoin) {
      dirty_ = true;  // look again later
      return health_;
    }
    health_ = next;
    spdlog::warn("Cluster state changed: {}", next == ClusterHealth::kOk ? "ok" : "fail");
  }
  return health_;
}

int ClusterState::size() {
  Health();
  return size_;
}

std::string ClusterState::InfoText() {
  ClusterHealth h = Health();
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (const ClusterNode* n : slots_) {
    if (n == nullptr) continue;
    ++assigned;
    if (n->failed())
      ++fail;
    else if (n->timed_out())
      ++pfail;
    else
      ++ok;
  }
  auto line = [](std::string& out, const std::string& k, uint64_t v) {
    out += k + ":" + std::to_string(v) + "\r\n";
  };
  std::string out = std::string("cluster_state:") + (h == ClusterHealth::kOk ? "ok" : "fail") + "\r\n";
  line(out, "cluster_slots_assigned", static_cast<uint64_t>(assigned));
  line(out, "cluster_slots_ok", static_cast<uint64_t>(ok));
  line(out, "cluster_slots_pfail", static_cast<uint64_t>(pfail));
  line(out, "cluster_slots_fail", static_cast<uint64_t>(fail));
  line(out, "cluster_known_nodes", nodes_.size());
  line(out, "cluster_size", static_cast<uint64_t>(size_));
  line(out, "cluster_current_epoch", current_epoch);
  line(out, "cluster_my_epoch", NodeEpoch(*myself_));
  // Per message type, in Redis's order of the types.
  static const char* const kTypes[] = {"ping", "pong", "meet", "fail", "publish", "publishshard",
                                       "auth-req", "auth-ack", "update", "mfstart", "module"};
  for (const auto* counts : {&messages_sent, &messages_received}) {
    const char* dir = counts == &messages_sent ? "sent" : "received";
    uint64_t total = 0;
    for (const char* type : kTypes) {
      auto it = counts->find(type);
      if (it == counts->end() || it->second == 0) continue;
      line(out, std::string("cluster_stats_messages_") + type + "_" + dir, it->second);
      total += it->second;
    }
    line(out, std::string("cluster_stats_messages_") + dir, total);
  }
  line(out, "total_cluster_links_buffer_limit_exceeded", 0);
  return out;
}

// ---- Changes.

void ClusterState::AssignSlot(int slot, ClusterNode* node) {
  ClusterNode*& owner = slots_[static_cast<size_t>(slot)];
  if (owner == node) return;
  MarkChanged();
  if (owner != nullptr) owner->num_slots--;
  owner = node;
  node->num_slots++;
}

void ClusterState::UnassignSlot(int slot) {
  ClusterNode*& owner = slots_[static_cast<size_t>(slot)];
  if (owner == nullptr) return;
  MarkChanged();
  owner->num_slots--;
  owner = nullptr;
}

int ClusterState::UnassignAllSlots(const ClusterNode* node) {
  int removed = 0;
  for (int j = 0; j < kClusterSlots; ++j) {
    if (slots_[static_cast<size_t>(j)] == node) {
      UnassignSlot(j);
      ++removed;
    }
  }
  return removed;
}

ClusterNode* ClusterState::AddNode(const std::string& id, uint32_t flags) {
  if (nodes_.size() >= kClusterMaxNodes || nodes_.count(id) != 0) return nullptr;
  auto n = std::make_unique<ClusterNode>();
  n->id = id;
  n->flags = flags;
  n->created_ms = clock_->UnixMs();
  ClusterNode* raw = n.get();
  nodes_.emplace(id, std::move(n));
  MarkChanged();
  return raw;
}

void ClusterState::DeleteNode(const std::string& id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.get() == myself_) return;
  ClusterNode* gone = it->second.get();
  UnassignAllSlots(gone);
  for (int j = 0; j < kClusterSlots; ++j) {
    if (importing_[static_cast<size_t>(j)] == gone) importing_[static_cast<size_t>(j)] = nullptr;
    if (migrating_[static_cast<size_t>(j)] == gone) migrating_[static_cast<size_t>(j)] = nullptr;
  }
  for (auto& [other_id, other] : nodes_) {
    auto& reports = other->fail_reports;
    reports.erase(std::remove_if(reports.begin(), reports.end(),
                                 [&](const FailureReport& r) { return r.reporter_id == id; }),
                  reports.end());
    if (other->master_id == id) other->master_id.clear();
  }
  nodes_.erase(it);
  MarkChanged();
}

bool ClusterState::BumpEpochWithoutConsensus() {
  uint64_t max_epoch = MaxEpoch();
  if (myself_->config_epoch == 0 || myself_->config_epoch != max_epoch) {
    current_epoch++;
    myself_->config_epoch = current_epoch;
    MarkChanged();
    return true;
  }
  return false;
}

void ClusterState::Reset(bool hard) {
  if (myself_->is_replica()) {
    myself_->flags = (myself_->flags & ~kNodeSlave) | kNodeMaster;
    myself_->master_id.clear();
  }
  for (int j = 0; j < kClusterSlots; ++j) {
    importing_[static_cast<size_t>(j)] = nullptr;
    migrating_[static_cast<size_t>(j)] = nullptr;
    UnassignSlot(j);
  }
  std::vector<std::string> others;
  for (const auto& [id, n] : nodes_)
    if (n.get() != myself_) others.push_back(id);
  for (const std::string& id : others) DeleteNode(id);
  myself_->fail_reports.clear();
  if (hard) {
    current_epoch = 0;
    last_vote_epoch = 0;
    myself_->config_epoch = 0;
    auto node = std::move(nodes_.begin()->second);
    nodes_.clear();
    node->id = NewNodeId();
    myself_ = node.get();
    nodes_.emplace(node->id, std::move(node));
  }
  MarkChanged();
}

bool ClusterState::AddFailureReport(ClusterNode* failing, const std::string& reporter_id) {
  int64_t now = clock_->UnixMs();
  for (FailureReport& r : failing->fail_reports) {
    if (r.reporter_id == reporter_id) {
      r.time_ms = now;
      return false;
    }
  }
  if (failing->fail_reports.size() >= kClusterMaxNodes) return false;
  failing->fail_reports.push_back(FailureReport{reporter_id, now});
  return true;
}

bool ClusterState::DelFailureReport(ClusterNode* failing, const std::string& reporter_id) {
  auto& reports = failing->fail_reports;
  auto it = std::find_if(reports.begin(), reports.end(),
                         [&](const FailureReport& r) { return r.reporter_id == reporter_id; });
  if (it == reports.end()) return false;
  reports.erase(it);
  return true;
}

bool ClusterState::StartHandshake(const std::string& ip, int port, int cport) {
  for (const auto& [id, n] : nodes_)
    if ((n->flags & kNodeHandshake) && n->ip == ip && n->port == port && n->cport == cport) return false;
  ClusterNode* n = AddNode(NewNodeId(), kNodeHandshake | kNodeMeet);
  if (n == nullptr) return false;
  n->ip = ip;
  n->port = port;
  n->cport = cport;
  n->created_ms = clock_->UnixMs();
  return true;
}

void ClusterState::RenameNode(ClusterNode* node, const std::string& new_id) {
  auto it = nodes_.find(node->id);
  if (it == nodes_.end() || nodes_.count(new_id) != 0) return;
  std::unique_ptr<ClusterNode> owned = std::move(it->second);
  nodes_.erase(it);
  owned->id = new_id;
  nodes_.emplace(new_id, std::move(owned));
  MarkChanged();
}

void ClusterState::SetNodeAsMaster(ClusterNode* node) {
  if (node->is_master()) return;
  node->flags = (node->flags & ~kNodeSlave) | kNodeMaster;
  node->master_id.clear();
  MarkChanged();
  todo_save = true;
}

void ClusterState::SetMyMaster(ClusterNode* master) {
  myself_->flags = (myself_->flags & ~(kNodeMaster | kNodeMigrateTo)) | kNodeSlave;
  myself_->master_id = master->id;
  for (int j = 0; j < kClusterSlots; ++j) {
    importing_[static_cast<size_t>(j)] = nullptr;
    migrating_[static_cast<size_t>(j)] = nullptr;
  }
  MarkChanged();
  todo_save = true;
}

ClusterNode* ClusterState::MyShardMaster() {
  if (myself_->is_replica())
    if (ClusterNode* m = Find(myself_->master_id)) return m;
  return myself_;
}

std::string ClusterState::SlotBitmap(const ClusterNode* node) const {
  std::string bitmap(kClusterSlots / 8, '\0');
  if (node == nullptr || node->num_slots == 0) return bitmap;
  for (int j = 0; j < kClusterSlots; ++j)
    if (slots_[static_cast<size_t>(j)] == node) bitmap[static_cast<size_t>(j) / 8] |= static_cast<char>(1 << (j & 7));
  return bitmap;
}

void ClusterState::Blacklist(const std::string& id) {
  // Redis's CLUSTER_BLACKLIST_TTL: 60 seconds.
  if (blacklist_.size() >= kClusterMaxNodes) blacklist_.clear();
  blacklist_[id] = clock_->UnixMs() + 60000;
}

bool ClusterState::Blacklisted(const std::string& id) {
  int64_t now = clock_->UnixMs();
  for (auto it = blacklist_.begin(); it != blacklist_.end();) it = it->second < now ? blacklist_.erase(it) : std::next(it);
  return blacklist_.count(id) != 0;
}

size_t ClusterState::CountFailureReports(ClusterNode* node) {
  // Reports older than twice the node timeout no longer count (Redis's
  // CLUSTER_FAIL_REPORT_VALIDITY_MULT).
  int64_t oldest = clock_->UnixMs() - options_.node_timeout_ms * 2;
  auto& reports = node->fail_reports;
  reports.erase(std::remove_if(reports.begin(), reports.end(),
                               [&](const FailureReport& r) { return r.time_ms < oldest; }),
                reports.end());
  return reports.size();
}

}  // namespace troupe
