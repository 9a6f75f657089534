// Implementation of OpenListenSockets (see listen_sockets.h).
#include "net/listen_sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace troupe {
namespace {

Result<ListenSocket> OpenOne(const std::string& address, int port, int backlog, int64_t keepalive_s) {
  bool v6 = address.find(':') != std::string::npos;
  std::string host = address;
  if (host == "*") host = "0.0.0.0";
  if (host == "::*") host = "::";
  sockaddr_storage storage{};
  socklen_t len;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &sa->sin6_addr) != 1)
      return Status::Error("Invalid bind address '" + address + "'");
    len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sa->sin_addr) != 1)
      return Status::Error("Invalid bind address '" + address + "'");
    len = sizeof(sockaddr_in);
  }
  auto fail = [&](int fd, const char* step) {
    std::string msg = "Could not create server TCP listening socket " + address + ":" +
                      std::to_string(port) + ": " + step + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return Status::Error(msg);
  };
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail(-1, "socket");
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
  if (keepalive_s > 0) {
    // As Redis: probe after `keepalive_s` idle, then every third of it, 3 times.
    int idle = static_cast<int>(keepalive_s), interval = std::max(1, idle / 3), count = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0) return fail(fd, "bind");
  if (listen(fd, backlog) != 0) return fail(fd, "listen");
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  ListenSocket ls;
  ls.fd = fd;
  ls.address = host;
  ls.port = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return ls;
}

}  // namespace

Result<std::vector<ListenSocket>> OpenListenSockets(const std::vector<std::string>& bind, int port,
                                                    int backlog, int64_t keepalive_s) {
  std::vector<ListenSocket> out;
  for (const std::string& entry : bind) {
    bool optional = !entry.empty() && entry[0] == '-';
    std::string address = optional ? entry.substr(1) : entry;
    auto r = OpenOne(address, port, backlog, keepalive_s);
    if (!r.ok()) {
      int err = errno;
      // Optional addresses may be missing (no IPv6, no such interface).
      if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT ||
                       err == ESOCKTNOSUPPORT || err == EPFNOSUPPORT || err == ENOPROTOOPT))
        continue;
      for (auto& s : out) close(s.fd);
      return r.status();
    }
    if (port == 0) port = r->port;  // every address gets the same port
    out.push_back(*r);
  }
  return out;
}

}  // namespace troupe
