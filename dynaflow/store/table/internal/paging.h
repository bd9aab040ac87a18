// Query helpers shared by the backends that evaluate queries themselves (SQLite, memory):
// sort-key conditions over byte-ordered strings, and page assembly under DynamoDB's limits.
// Thread-safety: pure functions; a PageAssembler is used by one thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

// Every sort-key condition matches a contiguous range of byte-ordered strings. Where `sk` lies
// relative to that range (no condition: everything is inside).
enum class RangePosition { kBefore, kInside, kAfter };
RangePosition SortKeyPosition(const std::optional<SortKeyCondition>& cond, std::string_view sk);

inline bool MatchesSortKey(const std::optional<SortKeyCondition>& cond, std::string_view sk) {
  return SortKeyPosition(cond, sk) == RangePosition::kInside;
}

// Seek targets for ordered storage: every matching sort key is >= *RangeStart (nullopt: the
// partition's start), and every matching sort key is < *RangeEnd (nullopt: the partition's end).
// Non-matching keys may also lie within [start, end); filter with SortKeyPosition.
std::optional<std::string> RangeStart(const std::optional<SortKeyCondition>& cond);
std::optional<std::string> RangeEnd(const std::optional<SortKeyCondition>& cond);

// The smallest string greater than every string starting with `prefix`; nullopt when none
// exists (prefix empty or all 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

// Collects the items of one page in query order: skips expired items, stops at `limit` items,
// and stops before an item that would take the page above 1 MB (counted as ItemSizeBytes),
// except that a page always takes its first item (an item is at most 400 KB anyway).
class PageAssembler {
 public:
  PageAssembler(int limit, TimePoint now) : limit_(limit), now_(now) {}

  enum class Verdict {
    kTaken,    // added to the page
    kSkipped,  // expired; not part of the page, keep going
    kFull,     // not added: the page is complete and this item starts the next one
  };
  // Offer the next item in query order. After kFull (or once full()), offer nothing more.
  Verdict Offer(const Item& item);

  // True once `limit` items were taken or an item was refused for size.
  bool full() const { return full_; }
  size_t bytes() const { return bytes_; }
  const std::vector<Item>& items() const { return items_; }
  std::vector<Item> TakeItems() { return std::move(items_); }

 private:
  int limit_;
  TimePoint now_;
  bool full_ = false;
  size_t bytes_ = 0;
  std::vector<Item> items_;
};

}  // namespace dynaflow::table::internal
