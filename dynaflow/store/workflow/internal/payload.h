// Payload items: run inputs, step outputs and large results live in items of their own; a
// payload larger than one item is split into a head item (the first chunk plus the total size,
// chunk count and chunk tag) and extra CHUNK items <head_sk>#<tag>#<nnnn>, reassembled on read.
//
// The tag is random per write, so chunks of two writes of the same payload slot (a retried or
// fenced record) never overwrite each other: only the chunks named by the committed head are
// ever read.
// Thread-safety: pure functions, plus ReadPayload which only uses the (thread-safe) table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/internal/items.h"

namespace dynaflow::store::internal {

struct PayloadItems {
  Item head;                 // always present
  std::vector<Item> chunks;  // extra chunk items, in order
  PayloadRef ref;            // what the run item records about this payload
};

// Splits `payload` (any bytes, any size) into items of at most `chunk_bytes` payload bytes.
// `type`: the head item's type attribute; `extra`: attributes copied into the head item;
// `chunk_ttl`: the ttl (epoch seconds) of the extra chunks, nullopt for none.
PayloadItems SplitPayload(const std::string& pk, const std::string& head_sk, const char* type,
                          std::string_view payload, size_t chunk_bytes, const std::string& tag,
                          const Item& extra, std::optional<int64_t> chunk_ttl);

// The chunk items ChunkSk(head_sk, tag, 1..n) holding ALL of `bytes` (none for empty bytes),
// each with ttl `ttl` when given. (Step outputs too large to sit in their step item.)
std::vector<Item> ChunkItems(const std::string& pk, const std::string& head_sk,
                             const std::string& tag, std::string_view bytes, size_t chunk_bytes,
                             std::optional<int64_t> ttl);

// Keys of the extra chunks a head (or a PayloadRef) names.
std::vector<table::Key> ChunkKeys(const std::string& pk, const std::string& head_sk,
                                  const PayloadRef& ref);
PayloadRef RefOfHead(const Item& head);

// Reassembles a payload from its head and the chunk items ChunkKeys named (in that order),
// decoded as the head's `encoding` attribute says.
// kSerialization when a chunk is missing (e.g. expired), the sizes disagree or the bytes do
// not decode.
Result<std::string> AssemblePayload(const Item& head,
                                    const std::vector<std::optional<Item>>& chunks);

// Reads head `head_sk` of partition `pk` and its chunks: 1 GetItem + ceil(chunks/100)
// BatchGetItem requests. kNotFound when the head is absent.
Result<std::string> ReadPayload(table::Table& table, const std::string& pk,
                                const std::string& head_sk);

}  // namespace dynaflow::store::internal
