// Implementation of the Redis-format spdlog set-up (see logging.h).
#include "actors/node/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace troupe {
namespace {

std::atomic<char> g_role{'M'};

spdlog::level::level_enum LevelFromRedis(const std::string& name) {
  if (name == "debug") return spdlog::level::trace;
  if (name == "verbose") return spdlog::level::debug;
  if (name == "warning") return spdlog::level::warn;
  if (name == "nothing") return spdlog::level::off;
  return spdlog::level::info;  // notice
}

char LevelChar(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return '.';
    case spdlog::level::debug: return '-';
    case spdlog::level::info: return '*';
    default: return '#';
  }
}

// Writes "pid:role 26 Nov 2026 01:29:44.123 * message\n".
class RedisFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = duration_cast<seconds>(since_epoch);
    auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
    std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    localtime_r(&t, &tm);
    char stamp[64];
    size_t n = std::strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S", &tm);
    char head[128];
    int len = std::snprintf(head, sizeof(head), "%d:%c %.*s.%03d %c ", static_cast<int>(getpid()),
                            g_role.load(), static_cast<int>(n), stamp, static_cast<int>(millis),
                            LevelChar(msg.level));
    dest.append(head, head + len);
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedisFormatter>();
  }
};

}  // namespace

Status InitLogging(const std::string& logfile, const std::string& loglevel, bool daemonized) {
  spdlog::sink_ptr sink;
  try {
    if (!logfile.empty())
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(logfile, /*truncate=*/false);
    else if (daemonized)
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>("/dev/null", false);
    else
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } catch (const spdlog::spdlog_ex& e) {
    return Status::Error(std::string("Can't open the log file: ") + e.what());
  }
  auto logger = std::make_shared<spdlog::logger>("troupe", sink);
  logger->set_formatter(std::make_unique<RedisFormatter>());
  logger->set_level(LevelFromRedis(loglevel));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

void SetLogLevel(const std::string& loglevel) { spdlog::default_logger()->set_level(LevelFromRedis(loglevel)); }

void SetLogRole(char role) { g_role.store(role); }

}  // namespace troupe
