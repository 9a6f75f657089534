// String helpers shared by the keyspace, the commands and the RESP edge:
// strict integer/float parsing and formatting with Redis's rules, ASCII case
// folding, and glob matching (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE).
// Pure functions; no CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

// Parses a signed 64-bit integer exactly as Redis's string2ll: optional '-',
// digits, no spaces, no '+', no leading zeros (except "0"), no overflow.
bool ParseInt64(std::string_view s, int64_t* out);
// Parses an unsigned 64-bit integer with the same strictness.
bool ParseUint64(std::string_view s, uint64_t* out);
// Parses a double as Redis's getDoubleFromObject / string2d: the whole text,
// no leading space, accepts inf/-inf/+inf; rejects NaN.
bool ParseDouble(std::string_view s, double* out);
// Parses a long double as Redis's string2ld (INCRBYFLOAT).
bool ParseLongDouble(std::string_view s, long double* out);

// Whether value + by leaves the int64 range (INCRBY, HINCRBY, ...).
inline bool AddOverflows(int64_t value, int64_t by) {
  return (by < 0 && value < 0 && by < INT64_MIN - value) ||
         (by > 0 && value > 0 && by > INT64_MAX - value);
}

// Writes the decimal form of v into buf (at least 21 bytes); returns length.
size_t FormatInt64(int64_t v, char* buf);
std::string Int64ToString(int64_t v);
// "%.17g" as Redis 7.0 replies doubles (ZSCORE, RESP2), "inf"/"-inf".
std::string FormatDouble(double d);
// Redis's human-friendly long double format (INCRBYFLOAT, HINCRBYFLOAT):
// "%.17Lf" with trailing zeros and dot removed.
std::string FormatLongDouble(long double d);

// ASCII case folding.
void ToLowerInPlace(std::string& s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis-style glob match: * ? [abc] [^a] [a-z] and backslash escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace troupe
