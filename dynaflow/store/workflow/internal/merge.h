// Fan-out merge: reads several partitions of one index (the GSI2 shards of a status, or the
// four due-work statuses times their shards) in sort-key order and merges them into one
// ordered stream, resuming from a sort key rather than from per-partition table cursors.
//
// Sort keys must be unique across the merged partitions (they end in the run id).
// Cost: one Query per partition for the first page, plus one per refill of a partition whose
// buffered page was used up before the merge had emitted enough.
// Thread-safety: MergePartitions only uses the (thread-safe) table.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::store::internal {

struct SortBounds {
  std::optional<std::string> lower;
  bool lower_exclusive = false;
  std::optional<std::string> upper;
  bool upper_exclusive = false;
};

struct MergeRequest {
  table::Index index = table::Index::kGsi2;
  std::vector<std::string> partitions;
  SortBounds bounds;
  bool ascending = true;
  int limit = 20;  // items to emit
  // Emitted only when true (nullptr: every item). Filtered items still advance last_key.
  std::function<bool(const Item&)> filter;
  // Stop after examining this many items even when fewer than `limit` were emitted.
  int max_examined = 1 << 30;
  // Items per Query page (1..1000).
  int page_limit = 100;
};

struct MergeResult {
  std::vector<Item> items;
  // The sort key of the last item examined, set when more items may follow (resume strictly
  // after it); nullopt when every partition is exhausted.
  std::optional<std::string> resume_after;
};

Result<MergeResult> MergePartitions(table::Table& table, const MergeRequest& request);

}  // namespace dynaflow::store::internal
