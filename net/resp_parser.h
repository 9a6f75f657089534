// RespParser: turns the bytes a client sent into commands (argv vectors),
// for both the multibulk protocol (*N\r\n$len\r\n...) and inline commands,
// with Redis 7.0's limits and error texts. Resumable: when a command is
// incomplete it remembers how far it got (offsets relative to the start of
// the command), so a 100 MB bulk arriving in 16 KB reads is scanned once.
//
// Used by the client session (net/client_session.cc) on the multiplexer
// thread, and by the replication link for the master's command stream.
// No CAF header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

class RespParser {
 public:
  struct Limits {
    int64_t proto_max_bulk_len = 512LL * 1024 * 1024;  // largest bulk argument
    bool auth_required = false;  // unauthenticated clients get tighter limits
  };

  enum class Outcome {
    kCommand,   // a complete command; argv is valid until the buffer changes
    kNeedMore,  // the rest of the command has not arrived yet
    kError,     // protocol error; error() holds the reply text, close after it
  };

  // Parses the next command from data[0, len). After kCommand the caller
  // drops *consumed bytes (the command plus any empty lines before it) and
  // calls again with the rest; after kNeedMore it calls again with the same
  // bytes plus whatever arrived since (same origin).
  Outcome Next(const char* data, size_t len, const Limits& limits, size_t* consumed,
               std::vector<std::string_view>* argv);

  // The protocol error text (without "-"), e.g. "ERR Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }
  // Size hint of the bulk currently being received (so the caller can
  // reserve its buffer), or 0.
  size_t pending_bulk_bytes() const { return bulk_len_ > 0 ? static_cast<size_t>(bulk_len_) : 0; }
  // Whether a multibulk command is partly read.
  bool in_progress() const { return multibulk_left_ > 0; }
  // Forgets any partial command.
  void Reset();

  // Largest inline command or length line (Redis's PROTO_INLINE_MAX_SIZE).
  static constexpr size_t kInlineMax = 64 * 1024;
  // Largest multibulk count.
  static constexpr int64_t kMaxMultibulk = 2147483647;  // INT_MAX, as Redis 7.0

 private:
  Outcome Fail(const char* text);
  Outcome ParseInline(const char* data, size_t len, size_t* consumed,
                      std::vector<std::string_view>* argv);

  std::string error_;
  // State of a partial multibulk command (offsets from the command start).
  int64_t multibulk_left_ = 0;  // arguments still to read
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1 = header next
  size_t pos_ = 0;              // where parsing resumes
  size_t cmd_start_ = 0;        // start of the current command in `data`
  std::vector<std::pair<size_t, size_t>> args_;  // (offset, length) read so far
  std::vector<std::string> inline_args_;         // storage for inline commands
};

// Splits an inline command line into arguments like Redis's sdssplitargs:
// whitespace separated, "double quotes" with \n \r \t \b \a \\ \" \xHH escapes,
// 'single quotes' with \' only. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace troupe
