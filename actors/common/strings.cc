// Implementation of strings.h: Redis-compatible number parsing/formatting,
// case folding and glob matching.
#include "actors/common/strings.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace troupe {

bool ParseUint64(std::string_view s, uint64_t* out) {
  size_t n = s.size();
  if (n == 0 || n > 20) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  // Up to 19 digits cannot overflow 64 bits: no check inside the loop.
  size_t fast = n < 20 ? n : 19;
  for (size_t i = 0; i < fast; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (n == 20) {
    unsigned d = static_cast<unsigned char>(s[19]) - '0';
    if (d > 9 || v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool negative = s[0] == '-';
  if (negative) s.remove_prefix(1);
  uint64_t v;
  if (!ParseUint64(s, &v)) return false;
  if (negative) {
    if (v == 0) return false;  // "-0" is rejected, as Redis does
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if ((errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v))
    return false;
  *out = v;
  return true;
}

size_t FormatInt64(int64_t v, char* buf) {
  static const char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char tmp[24];
  char* p = tmp + sizeof(tmp);
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  while (u >= 100) {  // two digits per step
    unsigned pair = static_cast<unsigned>(u % 100) * 2;
    u /= 100;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  }
  if (u >= 10) {
    unsigned pair = static_cast<unsigned>(u) * 2;
    *--p = kPairs[pair + 1];
    *--p = kPairs[pair];
  } else {
    *--p = static_cast<char>('0' + u);
  }
  if (v < 0) *--p = '-';
  size_t len = static_cast<size_t>(tmp + sizeof(tmp) - p);
  std::memcpy(buf, p, len);
  return len;
}

std::string Int64ToString(int64_t v) {
  char buf[24];
  return std::string(buf, FormatInt64(v, buf));
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatLongDouble(long double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[5200];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", d);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "0";
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

void ToLowerInPlace(std::string& s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  ToLowerInPlace(r);
  return r;
}

std::string ToUpper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one pattern token (not '*') at p against c. Sets *token_len to the
// number of pattern bytes the token spans. Returns whether it matched.
bool MatchToken(std::string_view pat, size_t p, char c, bool nocase, size_t* token_len) {
  char pc = pat[p];
  if (pc == '?') {
    *token_len = 1;
    return true;
  }
  if (pc == '\\' && p + 1 < pat.size()) {
    *token_len = 2;
    return Fold(pat[p + 1], nocase) == Fold(c, nocase);
  }
  if (pc != '[') {
    *token_len = 1;
    return Fold(pc, nocase) == Fold(c, nocase);
  }
  // Character class.
  size_t i = p + 1;
  bool negate = i < pat.size() && pat[i] == '^';
  if (negate) ++i;
  bool matched = false;
  while (i < pat.size() && pat[i] != ']') {
    if (pat[i] == '\\' && i + 1 < pat.size()) {
      if (Fold(pat[i + 1], nocase) == Fold(c, nocase)) matched = true;
      i += 2;
    } else if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
      char lo = Fold(pat[i], nocase), hi = Fold(pat[i + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      char fc = Fold(c, nocase);
      if (fc >= lo && fc <= hi) matched = true;
      i += 3;
    } else {
      if (Fold(pat[i], nocase) == Fold(c, nocase)) matched = true;
      ++i;
    }
  }
  // An unterminated class spans to the end of the pattern.
  *token_len = (i < pat.size() ? i + 1 : i) - p;
  return negate ? !matched : matched;
}

}  // namespace

bool GlobMatch(std::string_view pat, std::string_view text, bool nocase) {
  // Greedy matching with one backtrack point: every token other than '*'
  // consumes exactly one byte, so the last '*' is the only choice to revisit.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      while (p < pat.size() && pat[p] == '*') ++p;
      if (p == pat.size()) return true;
      star_p = p;
      star_t = t;
      continue;
    }
    size_t len = 0;
    if (p < pat.size() && MatchToken(pat, p, text[t], nocase, &len)) {
      p += len;
      ++t;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace troupe
