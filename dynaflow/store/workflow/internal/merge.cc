#include "dynaflow/store/workflow/internal/merge.h"

#include <deque>

namespace dynaflow::store::internal {

namespace {

using table::SortKeyCondition;

// The key condition for `b`; nullopt = no condition. *empty = the range holds nothing.
std::optional<SortKeyCondition> ConditionFor(const SortBounds& b, bool* empty) {
  *empty = false;
  if (b.lower && b.upper) {
    if (*b.lower > *b.upper || (*b.lower == *b.upper && (b.lower_exclusive || b.upper_exclusive))) {
      *empty = true;
      return std::nullopt;
    }
    return SortKeyCondition::Between(*b.lower, *b.upper);
  }
  if (b.lower) {
    return b.lower_exclusive ? SortKeyCondition::Gt(*b.lower) : SortKeyCondition::Ge(*b.lower);
  }
  if (b.upper) {
    return b.upper_exclusive ? SortKeyCondition::Lt(*b.upper) : SortKeyCondition::Le(*b.upper);
  }
  return std::nullopt;
}

struct Stream {
  table::QueryRequest request;
  std::deque<Item> buffer;
  bool done = false;
};

std::string SortKeyOf(const Item& item, table::Index index) {
  const AttributeValue* v = FindAttribute(item, table::IndexSortAttribute(index));
  return v && v->is_s() ? *v->AsS() : std::string();
}

}  // namespace

Result<MergeResult> MergePartitions(table::Table& table, const MergeRequest& req) {
  MergeResult result;
  bool empty = false;
  std::optional<SortKeyCondition> cond = ConditionFor(req.bounds, &empty);
  if (empty || req.limit <= 0) return result;

  // Between is inclusive: drop the exclusive ends client-side.
  auto outside = [&](const std::string& sk) {
    return (req.bounds.lower_exclusive && req.bounds.lower && sk == *req.bounds.lower) ||
           (req.bounds.upper_exclusive && req.bounds.upper && sk == *req.bounds.upper);
  };

  std::vector<Stream> streams(req.partitions.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    table::QueryRequest& q = streams[i].request;
    q.index = req.index;
    q.partition = req.partitions[i];
    q.sort = cond;
    q.forward = req.ascending;
    q.limit = req.page_limit;
  }
  auto fill = [&](Stream& s) -> Status {
    while (s.buffer.empty() && !s.done) {
      DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, table.Query(s.request));
      for (Item& item : page.items) {
        if (!outside(SortKeyOf(item, req.index))) s.buffer.push_back(std::move(item));
      }
      s.done = page.next_cursor.empty();
      s.request.cursor = std::move(page.next_cursor);
    }
    return Status::OK();
  };

  int examined = 0;
  std::string last;
  bool exhausted = false;
  while (static_cast<int>(result.items.size()) < req.limit && examined < req.max_examined) {
    Stream* best = nullptr;
    std::string best_key;
    for (Stream& s : streams) {
      DYNAFLOW_RETURN_IF_ERROR(fill(s));
      if (s.buffer.empty()) continue;
      std::string key = SortKeyOf(s.buffer.front(), req.index);
      if (best == nullptr || (req.ascending ? key < best_key : key > best_key)) {
        best = &s;
        best_key = std::move(key);
      }
    }
    if (best == nullptr) {
      exhausted = true;
      break;
    }
    Item item = std::move(best->buffer.front());
    best->buffer.pop_front();
    ++examined;
    last = std::move(best_key);
    if (!req.filter || req.filter(item)) result.items.push_back(std::move(item));
  }
  if (!exhausted) {
    bool more = false;
    for (Stream& s : streams) {
      DYNAFLOW_RETURN_IF_ERROR(fill(s));
      more = more || !s.buffer.empty();
    }
    if (more && examined > 0) result.resume_after = last;
  }
  return result;
}

}  // namespace dynaflow::store::internal
