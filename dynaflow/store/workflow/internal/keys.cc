#include "dynaflow/store/workflow/internal/keys.h"

#include <cstdio>
#include <initializer_list>

#include "dynaflow/model/utf8.h"

namespace dynaflow::store::internal {

namespace {

// The parts one after the other, in one allocation.
std::string Concat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::string s;
  s.reserve(size);
  for (std::string_view p : parts) s += p;
  return s;
}

}  // namespace

std::string Pad13(int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%013lld", static_cast<long long>(ms));
  return buf;
}

std::string RunPk(std::string_view prefix, std::string_view run_id) {
  return Concat({prefix, "RUN#", run_id});
}

std::string RunSk(std::string_view run_id) { return "RUN#" + std::string(run_id); }
std::string StepSk(std::string_view step_id) { return kStepSkPrefix + std::string(step_id); }
std::string OutputSk(std::string_view step_id) { return "OUTPUT#" + std::string(step_id); }
std::string StateSk(std::string_view key) { return kStateSkPrefix + std::string(key); }

std::string EventSkPrefix(std::string_view name) { return "EVENT#" + std::string(name) + "#"; }
std::string EventSk(std::string_view name, std::string_view event_id) {
  return EventSkPrefix(name) + std::string(event_id);
}
std::string ChildSkPrefix(std::string_view run_id) { return RunSk(run_id) + "#CHILD#"; }
std::string ChildSk(std::string_view run_id, std::string_view child_run_id) {
  return ChildSkPrefix(run_id) + std::string(child_run_id);
}

std::string ChunkSk(std::string_view head_sk, std::string_view tag, int index) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d", index);
  return Concat({head_sk, "#", tag, "#", buf});
}

std::string BusinessKeyPk(std::string_view prefix, std::string_view workflow_id,
                          std::string_view business_key) {
  return Concat({prefix, "BKEY#", workflow_id, "#", business_key});
}

namespace {

// "#<nn>" when shards > 1, else nothing (the seed key).
void AppendShard(std::string* s, int shard, int shards) {
  if (shards <= 1) return;
  char buf[8];
  std::snprintf(buf, sizeof(buf), "#%02d", shard);
  *s += buf;
}

}  // namespace

std::string WorkflowGsiPk(std::string_view prefix, std::string_view workflow_id, int shard,
                          int shards) {
  std::string s = Concat({prefix, "WORKFLOW#", workflow_id});
  AppendShard(&s, shard, shards);
  return s;
}

std::string TimeSortKey(int64_t ms, std::string_view run_id) {
  return Concat({Pad13(ms), "#", run_id});
}

std::string StatusGsiPk(std::string_view prefix, RunStatus status, int shard, int shards) {
  std::string s = Concat({prefix, "STATUS#", RunStatusName(status)});
  AppendShard(&s, shard, shards);
  return s;
}

int ShardOf(std::string_view run_id, int shards) {
  if (shards <= 1) return 0;
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 offset basis
  for (unsigned char c : run_id) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  return static_cast<int>(h % static_cast<uint64_t>(shards));
}

namespace {

Status CheckText(std::string_view what, std::string_view s, size_t max_bytes, bool allow_hash) {
  if (s.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (s.size() > max_bytes) {
    return Status::InvalidArgument(std::string(what) + " is " + std::to_string(s.size()) +
                                   " bytes; the limit is " + std::to_string(max_bytes));
  }
  if (size_t at = FindInvalidUtf8(s); at != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 (byte " +
                                   std::to_string(at) + ")");
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(what) + " contains a control character");
    }
    if (!allow_hash && c == '#') {
      return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                     "' contains '#', which separates key parts");
    }
  }
  return Status::OK();
}

}  // namespace

Status ValidateId(std::string_view what, std::string_view id, size_t max_bytes) {
  return CheckText(what, id, max_bytes, /*allow_hash=*/false);
}

Status ValidateName(std::string_view what, std::string_view name, size_t max_bytes) {
  return CheckText(what, name, max_bytes, /*allow_hash=*/true);
}

std::string NewRunId(TimePoint now, Random& random) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford
  uint64_t ms = static_cast<uint64_t>(ToUnixMillis(now)) & ((1ull << 48) - 1);
  uint64_t r1 = random.Next64();
  uint64_t r2 = random.Next64() & 0xffff;  // 64 + 16 = 80 random bits
  // 128 bits: ms (48) | r1 (64) | r2 (16); ULID encodes them as 26 base32 digits (130 bits,
  // the top two always zero).
  unsigned __int128 v =
      (static_cast<unsigned __int128>(ms) << 80) | (static_cast<unsigned __int128>(r1) << 16) | r2;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  return out;
}

std::string NewChunkTag(Random& random) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>(random.Next64() & 0xffffffffu));
  return buf;
}

WriteIds::WriteIds(uint64_t instance)
    : instance_([&] {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%012llx",
                      static_cast<unsigned long long>(instance & 0xffffffffffffull));
        return std::string(buf);
      }()) {}

std::string WriteIds::Next() {
  char buf[24];
  std::snprintf(buf, sizeof(buf), ".%llx", static_cast<unsigned long long>(next_.fetch_add(1)));
  return instance_ + buf;
}

}  // namespace dynaflow::store::internal
