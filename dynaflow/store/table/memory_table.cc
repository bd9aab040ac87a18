#include "dynaflow/store/table/memory_table.h"

#include <array>
#include <map>
#include <mutex>
#include <set>

#include "dynaflow/store/table/internal/cursor.h"
#include "dynaflow/store/table/internal/paging.h"
#include "dynaflow/store/table/internal/ttl.h"
#include "dynaflow/store/table/internal/validation.h"

namespace dynaflow::table {
namespace {

using internal::DescribeKey;

// A GSI entry: (index partition key, index sort key, PK, SK). The primary index is the item map
// itself (ordered by (PK, SK)), so a write copies no key for it; one ordered walk (QueryWalk)
// serves the item map and the GSI sets alike.
using Entry = std::array<std::string, 4>;
using ItemMap = std::map<std::pair<std::string, std::string>, Item>;
constexpr int kIndexCount = 3;  // Index values; slot 0 (kPrimary) of indexes_ stays empty

// How QueryWalk reads the item map: the fields of an entry are (PK, SK, PK, SK).
struct PrimaryView {
  using Iterator = ItemMap::const_iterator;
  static ItemMap::key_type Key(std::string p, std::string s, std::string, std::string) {
    return {std::move(p), std::move(s)};
  }
  static const std::string& Field(Iterator it, int i) {
    return i % 2 == 0 ? it->first.first : it->first.second;
  }
  static const Item& ItemOf(const ItemMap&, Iterator it) { return it->second; }
};

// How QueryWalk reads a GSI set.
struct GsiView {
  using Iterator = std::set<Entry>::const_iterator;
  static Entry Key(std::string p, std::string s, std::string pk, std::string sk) {
    return Entry{std::move(p), std::move(s), std::move(pk), std::move(sk)};
  }
  static const std::string& Field(Iterator it, int i) { return (*it)[i]; }
  static const Item& ItemOf(const ItemMap& items, Iterator it) {
    return items.at({(*it)[2], (*it)[3]});
  }
};

std::optional<Entry> EntryOf(Index index, const Item& item) {
  const AttributeValue* pk = FindAttribute(item, kPk);
  const AttributeValue* sk = FindAttribute(item, kSk);
  const AttributeValue* ipk = FindAttribute(item, IndexPartitionAttribute(index));
  const AttributeValue* isk = FindAttribute(item, IndexSortAttribute(index));
  // Sparse GSIs: an item is indexed only when both index key attributes are present.
  if (!ipk || !isk || !ipk->is_s() || !isk->is_s()) return std::nullopt;
  return Entry{*ipk->AsS(), *isk->AsS(), *pk->AsS(), *sk->AsS()};
}

Status ConditionFailed(const Key& key, const Condition& c) {
  return Status::ConditionFailed("condition failed for item " + DescribeKey(key) + ": " +
                                 c.DebugString());
}

class MemoryTable final : public Table {
 public:
  explicit MemoryTable(const TableOptions& options)
      : clock_(options.clock ? options.clock : Clock::Real()), signer_(options.cursor_secret) {}

  Result<Item> Get(const Key& key) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.reads);
    const Item* item = FindLive(key);
    if (!item) return Status::NotFound("item " + DescribeKey(key) + " not found");
    return *item;
  }

  Status Put(const Item& item, const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateItem(item));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    Key key = internal::ItemKey(item).value();
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.writes);
    DYNAFLOW_RETURN_IF_ERROR(CheckCondition(key, options));
    Store(key, item);
    return Status::OK();
  }

  Result<Item> Update(const Key& key, const table::Update& update,
                      const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateUpdate(key, update));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.writes);
    DYNAFLOW_RETURN_IF_ERROR(CheckCondition(key, options));
    DYNAFLOW_ASSIGN_OR_RETURN(Item next, Updated(key, update));
    Store(key, next);
    return next;
  }

  Status Delete(const Key& key, const WriteOptions& options) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.writes);
    DYNAFLOW_RETURN_IF_ERROR(CheckCondition(key, options));
    Erase(key);
    return Status::OK();
  }

  Status TransactWrite(std::span<const WriteOp> ops, TransactionFailure* failure) override {
    if (failure) *failure = TransactionFailure{};
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateTransaction(ops));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.writes);
    // Pass 1: check every condition and compute every write; nothing is changed yet.
    std::vector<std::pair<Key, std::optional<Item>>> writes;  // nullopt: delete
    for (size_t i = 0; i < ops.size(); ++i) {
      Key scratch;
      const Key& key = internal::OpKey(ops[i], &scratch);
      const std::optional<Condition>* cond = nullptr;
      std::optional<Condition> check;
      std::visit(
          [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, ConditionCheckOp>) {
              check = op.condition;
              cond = &check;
            } else {
              cond = &op.condition;
            }
          },
          ops[i]);
      const Item* current = FindLive(key);
      if (*cond && !(*cond)->Evaluate(current)) {
        if (failure) {
          failure->failed_index = static_cast<int>(i);
          if (current) failure->old_item = *current;
        }
        return ConditionFailed(key, **cond).WithContext("transaction op " + std::to_string(i));
      }
      if (const auto* put = std::get_if<PutOp>(&ops[i])) {
        writes.emplace_back(key, put->item);
      } else if (const auto* u = std::get_if<UpdateOp>(&ops[i])) {
        auto next = Updated(key, u->update);
        if (!next.ok()) return next.status().WithContext("transaction op " + std::to_string(i));
        writes.emplace_back(key, std::move(next).value());
      } else if (std::holds_alternative<DeleteOp>(ops[i])) {
        writes.emplace_back(key, std::nullopt);
      }
    }
    // Pass 2: apply (cannot fail).
    for (auto& [key, item] : writes) {
      if (item) {
        Store(key, std::move(*item));
      } else {
        Erase(key);
      }
    }
    return Status::OK();
  }

  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const Key> keys) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.reads);
    std::vector<std::optional<Item>> out;
    out.reserve(keys.size());
    for (const Key& key : keys) {
      const Item* item = FindLive(key);
      out.push_back(item ? std::optional<Item>(*item) : std::nullopt);
    }
    return out;
  }

  Status BatchDelete(std::span<const Key> keys) override {
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
    std::lock_guard<std::mutex> lock(mu_);
    Count(&stats_.writes);
    for (const Key& key : keys) Erase(key);
    return Status::OK();
  }

  Result<QueryPage> Query(const QueryRequest& request) override;

  TableStats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

  std::string name() const override { return "memory"; }

 private:
  // All private members require mu_ held.
  void Count(int64_t* counter) {
    ++*counter;
    ++stats_.requests;
  }

  // The stored, unexpired item with `key`; nullptr otherwise.
  const Item* FindLive(const Key& key) const {
    auto it = items_.find({key.pk, key.sk});
    if (it == items_.end() || internal::IsExpired(it->second, clock_->Now())) return nullptr;
    return &it->second;
  }

  // kConditionFailed (filling the caller's old item) unless options.condition holds.
  Status CheckCondition(const Key& key, const WriteOptions& options) const {
    if (!options.condition) return Status::OK();
    const Item* current = FindLive(key);
    if (options.condition->Evaluate(current)) return Status::OK();
    if (options.old_item_on_condition_failure) {
      *options.old_item_on_condition_failure =
          current ? std::optional<Item>(*current) : std::nullopt;
    }
    return ConditionFailed(key, *options.condition);
  }

  // The item `update` would produce (starting from the keys alone when absent), validated.
  Result<Item> Updated(const Key& key, const table::Update& update) const {
    const Item* current = FindLive(key);
    Item next = current ? *current
                        : Item{{kPk, AttributeValue::S(key.pk)}, {kSk, AttributeValue::S(key.sk)}};
    DYNAFLOW_RETURN_IF_ERROR(
        update.ApplyTo(&next).WithContext("update of " + internal::DescribeKey(key)));
    DYNAFLOW_RETURN_IF_ERROR(internal::ValidateItem(next));
    return next;
  }

  void Store(const Key& key, Item item) {
    Erase(key);
    for (int i = 1; i < kIndexCount; ++i) {
      if (auto e = EntryOf(static_cast<Index>(i), item)) indexes_[i].insert(std::move(*e));
    }
    items_.emplace(std::make_pair(key.pk, key.sk), std::move(item));
  }

  void Erase(const Key& key) {
    auto it = items_.find({key.pk, key.sk});
    if (it == items_.end()) return;
    for (int i = 1; i < kIndexCount; ++i) {
      if (auto e = EntryOf(static_cast<Index>(i), it->second)) indexes_[i].erase(*e);
    }
    items_.erase(it);
  }

  // One page of `request` from `index` (the item map or a GSI set, read through View).
  template <class View, class Container>
  QueryPage QueryWalk(const QueryRequest& request, const internal::CursorBinding& binding,
                      const std::optional<internal::CursorPosition>& after,
                      const Container& index) const;

  Clock* const clock_;
  const internal::CursorSigner signer_;
  mutable std::mutex mu_;
  ItemMap items_;
  std::set<Entry> indexes_[kIndexCount];
  TableStats stats_;
};

Result<QueryPage> MemoryTable::Query(const QueryRequest& request) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateQuery(request));
  internal::CursorBinding binding = internal::CursorBinding::For(name(), request);
  std::optional<internal::CursorPosition> after;  // the page starts strictly beyond it
  if (!request.cursor.empty()) {
    DYNAFLOW_ASSIGN_OR_RETURN(after, signer_.Decode(binding, request.cursor));
  }
  std::lock_guard<std::mutex> lock(mu_);
  Count(&stats_.queries);
  if (request.index == Index::kPrimary) {
    return QueryWalk<PrimaryView>(request, binding, after, items_);
  }
  return QueryWalk<GsiView>(request, binding, after, indexes_[static_cast<int>(request.index)]);
}

template <class View, class Container>
QueryPage MemoryTable::QueryWalk(const QueryRequest& request,
                                 const internal::CursorBinding& binding,
                                 const std::optional<internal::CursorPosition>& after,
                                 const Container& index) const {
  const bool primary = request.index == Index::kPrimary;
  const std::string& p = request.partition;
  typename View::Iterator it;
  if (request.forward) {
    if (after) {
      it = index.upper_bound(
          View::Key(p, primary ? after->last.sk : after->index_sk, after->last.pk, after->last.sk));
    } else {
      it = index.lower_bound(View::Key(p, internal::RangeStart(request.sort).value_or(""), "", ""));
    }
  } else {
    if (after) {
      it = index.lower_bound(
          View::Key(p, primary ? after->last.sk : after->index_sk, after->last.pk, after->last.sk));
    } else if (auto end = internal::RangeEnd(request.sort)) {
      it = index.lower_bound(View::Key(p, *end, "", ""));
    } else {
      it = index.lower_bound(View::Key(p + '\0', "", "", ""));  // first entry past the partition
    }
  }
  // Steps to the next entry in query order; false at the end of the container.
  typename View::Iterator e;
  auto next = [&]() -> bool {
    if (request.forward) {
      if (it == index.end()) return false;
      e = it++;
      return true;
    }
    if (it == index.begin()) return false;
    e = --it;
    return true;
  };

  internal::PageAssembler page(request.limit, clock_->Now());
  std::optional<typename View::Iterator> last;
  bool more = false;
  using RP = internal::RangePosition;
  const RP past_end = request.forward ? RP::kAfter : RP::kBefore;
  while (next()) {
    if (View::Field(e, 0) != p) break;
    RP where = internal::SortKeyPosition(request.sort, View::Field(e, 1));
    if (where == past_end) break;
    if (where != RP::kInside) continue;
    const Item& item = View::ItemOf(items_, e);
    if (page.full()) {  // peeking: is there any further visible item?
      if (!internal::IsExpired(item, clock_->Now())) {
        more = true;
        break;
      }
      continue;
    }
    auto verdict = page.Offer(item);
    if (verdict == internal::PageAssembler::Verdict::kFull) {
      more = true;
      break;
    }
    if (verdict == internal::PageAssembler::Verdict::kTaken) last = e;
  }

  QueryPage out;
  out.items = page.TakeItems();
  if (more && last) {
    internal::CursorPosition pos{Key{View::Field(*last, 2), View::Field(*last, 3)},
                                 primary ? "" : View::Field(*last, 1)};
    out.next_cursor = signer_.Encode(binding, pos);
  }
  return out;
}

}  // namespace

std::unique_ptr<Table> NewMemoryTable(const TableOptions& options) {
  return std::make_unique<MemoryTable>(options);
}

}  // namespace dynaflow::table
