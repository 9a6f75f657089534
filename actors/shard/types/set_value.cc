// Implementation of SetValue (see set_value.h).
#include "actors/shard/types/set_value.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace troupe {
namespace {

char* NewIntset(size_t capacity_elems, uint32_t encoding) {
  void* p = std::malloc(intset::kHeader + capacity_elems * encoding);
  if (p == nullptr) throw std::bad_alloc();
  char* is = static_cast<char*>(p);
  uint32_t len = 0;
  std::memcpy(is, &encoding, 4);
  std::memcpy(is + 4, &len, 4);
  return is;
}

void SetLength(char* is, uint32_t len) { std::memcpy(is + 4, &len, 4); }
void SetEncoding(char* is, uint32_t enc) { std::memcpy(is, &enc, 4); }

void PutAt(char* is, uint32_t encoding, size_t i, int64_t v) {
  char* p = is + intset::kHeader + i * encoding;
  switch (encoding) {
    case 2: {
      auto x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      break;
    }
    case 4: {
      auto x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      break;
    }
    default: std::memcpy(p, &v, 8);
  }
}

char* ResizeIntset(char* is, size_t elems) {
  size_t bytes = intset::kHeader + elems * intset::EncodingOf(is);
  if (malloc_usable_size(is) >= bytes && malloc_usable_size(is) <= bytes + 64) return is;
  void* p = std::realloc(is, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<char*>(p);
}

}  // namespace

static_assert(sizeof(SetValue) == 24, "a set object must stay one 32-byte malloc chunk");

SetValue::SetValue() : data_(NewIntset(0, 2)) {}

SetValue* SetValue::ForMember(std::string_view first) {
  auto* s = new SetValue();
  int64_t v;
  if (!ParseInt64(first, &v)) s->ConvertToTable();
  return s;
}

SetValue* SetValue::FromIntsetBlob(std::string_view blob, std::string* error) {
  if (blob.size() < intset::kHeader) {
    *error = "intset blob too short";
    return nullptr;
  }
  uint32_t enc = intset::EncodingOf(blob.data()), len = intset::LengthOf(blob.data());
  if (enc != 2 && enc != 4 && enc != 8) {
    *error = "invalid intset encoding";
    return nullptr;
  }
  if (intset::kHeader + static_cast<uint64_t>(len) * enc != blob.size()) {
    *error = "intset length does not match its size";
    return nullptr;
  }
  for (uint32_t i = 1; i < len; ++i) {
    if (intset::GetAt(blob.data(), enc, i - 1) >= intset::GetAt(blob.data(), enc, i)) {
      *error = "intset is not sorted or has duplicates";
      return nullptr;
    }
  }
  auto* s = new SetValue();
  std::free(s->data_);
  void* p = std::malloc(blob.size());
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, blob.data(), blob.size());
  s->data_ = p;
  return s;
}

SetValue::~SetValue() {
  if (is_intset())
    std::free(data_);
  else
    delete table();
}

size_t SetValue::MemoryUsage() const {
  if (!is_intset()) return sizeof(*this) + table()->MemoryUsage();
  return sizeof(*this) + malloc_usable_size(data_);
}

Collection* SetValue::Clone() const {
  auto* copy = new SetValue();
  std::free(copy->data_);
  if (!is_intset()) {
    copy->data_ = table()->Clone();
    copy->flags_ = kTableFlag;
    return copy;
  }
  std::string_view blob = IntsetBlob();
  void* p = std::malloc(blob.size());
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, blob.data(), blob.size());
  copy->data_ = p;
  return copy;
}

bool SetValue::IntsetFind(int64_t v, size_t* pos) const {
  const char* is = buf();
  uint32_t enc = encoding(), len = intset::LengthOf(is);
  if (intset::EncodingFor(v) > enc) {
    *pos = v < 0 ? 0 : len;
    return false;
  }
  size_t lo = 0, hi = len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int64_t x = intset::GetAt(is, enc, mid);
    if (x == v) {
      *pos = mid;
      return true;
    }
    if (x < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  *pos = lo;
  return false;
}

bool SetValue::IntsetAdd(int64_t v) {
  char* is = mbuf();
  uint32_t enc = encoding(), len = intset::LengthOf(is);
  uint32_t need = intset::EncodingFor(v);
  if (need > enc) {
    // Upgrade: v is beyond every current element, so it goes first or last.
    void* p = std::realloc(is, intset::kHeader + (len + 1) * static_cast<size_t>(need));
    if (p == nullptr) throw std::bad_alloc();
    is = static_cast<char*>(p);
    size_t prepend = v < 0 ? 1 : 0;
    for (size_t i = len; i-- > 0;) PutAt(is, need, i + prepend, intset::GetAt(is, enc, i));
    PutAt(is, need, v < 0 ? 0 : len, v);
    SetEncoding(is, need);
    SetLength(is, len + 1);
    data_ = is;
    return true;
  }
  size_t pos;
  if (IntsetFind(v, &pos)) return false;
  is = ResizeIntset(is, len + 1);
  char* base = is + intset::kHeader;
  std::memmove(base + (pos + 1) * enc, base + pos * enc, (len - pos) * enc);
  PutAt(is, enc, pos, v);
  SetLength(is, len + 1);
  data_ = is;
  return true;
}

bool SetValue::IntsetRemove(int64_t v) {
  size_t pos;
  if (!IntsetFind(v, &pos)) return false;
  char* is = mbuf();
  uint32_t enc = encoding(), len = intset::LengthOf(is);
  char* base = is + intset::kHeader;
  std::memmove(base + pos * enc, base + (pos + 1) * enc, (len - pos - 1) * enc);
  SetLength(is, len - 1);
  data_ = ResizeIntset(is, len - 1);
  return true;
}

void SetValue::IntsetRemoveIndices(const std::vector<uint32_t>& sorted_indices) {
  char* is = mbuf();
  uint32_t enc = encoding(), len = intset::LengthOf(is);
  char* base = is + intset::kHeader;
  size_t out = 0, k = 0;
  for (uint32_t i = 0; i < len; ++i) {
    if (k < sorted_indices.size() && sorted_indices[k] == i) {
      ++k;
      continue;
    }
    if (out != i) std::memmove(base + out * enc, base + static_cast<size_t>(i) * enc, enc);
    ++out;
  }
  SetLength(is, static_cast<uint32_t>(out));
  data_ = ResizeIntset(is, out);
}

bool SetValue::Contains(std::string_view member) const {
  if (!is_intset()) return table()->Find(member) != nullptr;
  int64_t v;
  size_t pos;
  return ParseInt64(member, &v) && IntsetFind(v, &pos);
}

bool SetValue::Add(std::string_view member, const SetLimits& limits) {
  if (is_intset()) {
    int64_t v;
    if (ParseInt64(member, &v)) {
      if (!IntsetAdd(v)) return false;
      if (size() > limits.max_intset_entries) ConvertToTable();
      return true;
    }
    ConvertToTable();
  }
  return table()->Set(member, {});
}

bool SetValue::Remove(std::string_view member) {
  if (!is_intset()) return table()->Erase(member);
  int64_t v;
  return ParseInt64(member, &v) && IntsetRemove(v);
}

void SetValue::ConvertToTable() {
  if (!is_intset()) return;
  auto* t = new FieldTable();
  t->Reserve(size());
  ForEach([&](std::string_view m) { t->InsertNew(m, {}); });
  std::free(data_);
  data_ = t;
  flags_ = kTableFlag;
}

void SetValue::Reencode(const SetLimits& limits) {
  if (is_intset() || size() > limits.max_intset_entries) return;
  std::vector<int64_t> values;
  values.reserve(size());
  bool all_ints = true;
  table()->ForEach([&](const FieldTable::Node* n) {
    int64_t v;
    if (all_ints && ParseInt64(n->key(), &v))
      values.push_back(v);
    else
      all_ints = false;
  });
  if (!all_ints) return;
  std::sort(values.begin(), values.end());
  uint32_t enc = 2;
  for (int64_t v : values) enc = std::max(enc, intset::EncodingFor(v));
  char* is = NewIntset(values.size(), enc);
  for (size_t i = 0; i < values.size(); ++i) PutAt(is, enc, i, values[i]);
  SetLength(is, static_cast<uint32_t>(values.size()));
  delete table();
  data_ = is;
  flags_ = 0;
}

std::string_view SetValue::RandomMember(std::mt19937_64& rng, std::string* scratch) const {
  if (!is_intset()) return table()->Random(rng)->key();
  const char* is = buf();
  uint32_t len = intset::LengthOf(is);
  int64_t v = intset::GetAt(is, encoding(), static_cast<size_t>(rng() % len));
  char text[24];
  scratch->assign(text, FormatInt64(v, text));
  return *scratch;
}

}  // namespace troupe
