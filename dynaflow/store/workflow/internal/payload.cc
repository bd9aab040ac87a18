#include "dynaflow/store/workflow/internal/payload.h"

#include "dynaflow/store/workflow/internal/keys.h"
#include "dynaflow/store/workflow/internal/payload_encoding.h"

namespace dynaflow::store::internal {

using V = AttributeValue;

PayloadItems SplitPayload(const std::string& pk, const std::string& head_sk, const char* type,
                          std::string_view payload, size_t chunk_bytes, const std::string& tag,
                          const Item& extra, std::optional<int64_t> chunk_ttl) {
  PayloadItems out;
  out.head = extra;
  out.head[table::kPk] = V::S(pk);
  out.head[table::kSk] = V::S(head_sk);
  out.head[attr::kType] = V::S(type);
  out.head[attr::kSize] = V::N(static_cast<int64_t>(payload.size()));
  size_t first = std::min(payload.size(), chunk_bytes);
  if (first > 0) out.head[attr::kData] = V::B(std::string(payload.substr(0, first)));
  int n = 0;
  for (size_t off = first; off < payload.size(); off += chunk_bytes) {
    ++n;
    Item chunk;
    chunk[table::kPk] = V::S(pk);
    chunk[table::kSk] = V::S(ChunkSk(head_sk, tag, n));
    chunk[attr::kType] = V::S("CHUNK");
    chunk[attr::kData] = V::B(std::string(payload.substr(off, chunk_bytes)));
    if (chunk_ttl) chunk[table::kTtl] = V::N(*chunk_ttl);
    out.chunks.push_back(std::move(chunk));
  }
  out.head[attr::kChunks] = V::N(n);
  if (n > 0) out.head[attr::kChunkTag] = V::S(tag);
  out.ref.present = true;
  out.ref.chunks = n;
  if (n > 0) out.ref.tag = tag;
  return out;
}

std::vector<Item> ChunkItems(const std::string& pk, const std::string& head_sk,
                             const std::string& tag, std::string_view bytes, size_t chunk_bytes,
                             std::optional<int64_t> ttl) {
  std::vector<Item> out;
  int n = 0;
  for (size_t off = 0; off < bytes.size(); off += chunk_bytes) {
    Item chunk;
    chunk[table::kPk] = V::S(pk);
    chunk[table::kSk] = V::S(ChunkSk(head_sk, tag, ++n));
    chunk[attr::kType] = V::S("CHUNK");
    chunk[attr::kData] = V::B(std::string(bytes.substr(off, chunk_bytes)));
    if (ttl) chunk[table::kTtl] = V::N(*ttl);
    out.push_back(std::move(chunk));
  }
  return out;
}

std::vector<table::Key> ChunkKeys(const std::string& pk, const std::string& head_sk,
                                  const PayloadRef& ref) {
  std::vector<table::Key> keys;
  for (int i = 1; i <= ref.chunks; ++i) keys.push_back({pk, ChunkSk(head_sk, ref.tag, i)});
  return keys;
}

PayloadRef RefOfHead(const Item& head) {
  PayloadRef ref;
  ref.present = true;
  ref.chunks = static_cast<int>(GetNOr(head, attr::kChunks, 0));
  ref.tag = GetSOr(head, attr::kChunkTag);
  return ref;
}

Result<std::string> AssemblePayload(const Item& head,
                                    const std::vector<std::optional<Item>>& chunks) {
  std::string out = GetBytes(head, attr::kData);
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (!chunks[i]) {
      return Status::Serialization("payload chunk " + std::to_string(i + 1) + " of " +
                                   GetSOr(head, table::kSk) + " is missing");
    }
    out += GetBytes(*chunks[i], attr::kData);
  }
  int64_t size = GetNOr(head, attr::kSize, -1);
  if (size != static_cast<int64_t>(out.size())) {
    return Status::Serialization("payload " + GetSOr(head, table::kSk) + " has " +
                                 std::to_string(out.size()) + " bytes, its head says " +
                                 std::to_string(size));
  }
  return DecodePayload(std::move(out), GetSOr(head, attr::kEncoding), GetSOr(head, table::kSk));
}

Result<std::string> ReadPayload(table::Table& table, const std::string& pk,
                                const std::string& head_sk) {
  DYNAFLOW_ASSIGN_OR_RETURN(Item head, table.Get({pk, head_sk}));
  PayloadRef ref = RefOfHead(head);
  std::vector<std::optional<Item>> chunks;
  if (ref.chunks > 0) {
    std::vector<table::Key> keys = ChunkKeys(pk, head_sk, ref);
    DYNAFLOW_ASSIGN_OR_RETURN(chunks, table.BatchGet(keys));
  }
  return AssemblePayload(head, chunks);
}

}  // namespace dynaflow::store::internal
