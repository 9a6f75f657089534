// The host facts of an INFO reply (see sim_info_scrub.h).
#include "actors/sim/sim_info_scrub.h"

#include <cstdlib>
#include <set>

namespace troupe {
namespace {

// Fields of the Server section that describe the host or the process.
const std::set<std::string>& ServerHostFields() {
  static const std::set<std::string> kFields = {"os", "gcc_version", "process_id", "executable", "config_file"};
  return kFields;
}

}  // namespace

void ScrubHostFacts(std::string* reply) {
  if (reply->size() < 4 || (*reply)[0] != '$') return;
  size_t header_end = reply->find("\r\n");
  if (header_end == std::string::npos) return;
  long long len = std::strtoll(reply->c_str() + 1, nullptr, 10);
  size_t body_start = header_end + 2;
  if (len < 0 || body_start + static_cast<size_t>(len) + 2 != reply->size()) return;
  std::string body = reply->substr(body_start, static_cast<size_t>(len));
  std::string out;
  out.reserve(body.size());
  std::string section;
  size_t pos = 0;
  // Bounded: each round consumes one line.
  while (pos < body.size()) {
    size_t end = body.find("\r\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 2;
    if (!line.empty() && line[0] == '#') {
      section = line;
    } else {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string key = line.substr(0, colon);
        bool host = section == "# Memory" || section == "# CPU" ||
                    (section == "# Server" && ServerHostFields().count(key) != 0);
        if (host) line = key + ":0";
      }
    }
    out += line;
    if (end < body.size()) out += "\r\n";
  }
  *reply = "$" + std::to_string(out.size()) + "\r\n" + out + "\r\n";
}

}  // namespace troupe
