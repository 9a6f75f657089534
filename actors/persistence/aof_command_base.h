// The AOF base file in command form (`aof-use-rdb-preamble no`): the whole
// keyspace as the commands that rebuild it — SELECT, SET, RPUSH, SADD, ZADD,
// HSET (at most 64 elements per command, as Redis writes them) and PEXPIREAT
// for keys with a TTL. Written by the BGREWRITEAOF child (no logging, no
// CAF) or at start-up; through a temp file, fsync and rename. No CAF header.
#pragma once

#include <string>

#include "actors/common/status.h"

namespace troupe {

class Keyspace;

Status WriteAofCommandBase(const Keyspace& keyspace, const std::string& path);

}  // namespace troupe
