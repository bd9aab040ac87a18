#include "dynaflow/store/capacity/billing.h"

#include <algorithm>

namespace dynaflow::capacity {

namespace {

struct IndexKey {
  std::string pk;
  std::string sk;
};

std::optional<IndexKey> KeyIn(const std::optional<Item>& item, table::Index index) {
  if (!item) return std::nullopt;
  const AttributeValue* pk = FindAttribute(*item, table::IndexPartitionAttribute(index));
  const AttributeValue* sk = FindAttribute(*item, table::IndexSortAttribute(index));
  if (pk == nullptr || sk == nullptr || !pk->is_s() || !sk->is_s()) return std::nullopt;
  return IndexKey{*pk->AsS(), *sk->AsS()};
}

size_t SizeOf(const std::optional<Item>& item) { return item ? ItemSizeBytes(*item) : 0; }

}  // namespace

double WriteUnitsOf(size_t bytes) {
  return std::max<double>(1, static_cast<double>((bytes + 1023) / 1024));
}

double ReadUnits(size_t bytes, bool consistent) {
  double units = std::max<double>(1, static_cast<double>((bytes + 4095) / 4096));
  return consistent ? units : units / 2;
}

std::vector<Charge> ChargesOf(const WriteRecord& write, const BillingRules& rules) {
  const double factor = write.transactional ? 2 : 1;
  std::vector<Charge> out;
  for (const ItemWrite& w : write.items) {
    const std::optional<Item>& key_item = w.after ? w.after : w.before;
    if (!key_item) continue;  // a delete of an absent item: nothing to bill
    if (w.condition_check) {
      if (rules.bill_condition_checks) {
        out.push_back({table::Index::kPrimary, *FindAttribute(*key_item, table::kPk)->AsS(),
                       factor * WriteUnitsOf(SizeOf(w.before))});
      }
      continue;
    }
    const AttributeValue* pk = FindAttribute(*key_item, table::kPk);
    out.push_back({table::Index::kPrimary, pk && pk->is_s() ? *pk->AsS() : "",
                   factor * WriteUnitsOf(std::max(SizeOf(w.before), SizeOf(w.after)))});
    for (table::Index index : {table::Index::kGsi1, table::Index::kGsi2}) {
      const std::optional<IndexKey> old_key = KeyIn(w.before, index);
      const std::optional<IndexKey> new_key = KeyIn(w.after, index);
      const size_t old_entry = SizeOf(w.before) + rules.index_entry_overhead_bytes;
      const size_t new_entry = SizeOf(w.after) + rules.index_entry_overhead_bytes;
      if (old_key && new_key) {
        const bool moved = old_key->pk != new_key->pk ||
                           (rules.sort_key_change_is_delete_put && old_key->sk != new_key->sk);
        if (moved) {
          out.push_back({index, old_key->pk, factor * WriteUnitsOf(old_entry)});
          out.push_back({index, new_key->pk, factor * WriteUnitsOf(new_entry)});
        } else {
          out.push_back(
              {index, new_key->pk, factor * WriteUnitsOf(std::max(old_entry, new_entry))});
        }
      } else if (old_key) {
        out.push_back({index, old_key->pk, factor * WriteUnitsOf(old_entry)});
      } else if (new_key) {
        out.push_back({index, new_key->pk, factor * WriteUnitsOf(new_entry)});
      }
    }
  }
  return out;
}

double TotalUnits(const std::vector<Charge>& charges) {
  double total = 0;
  for (const Charge& c : charges) total += c.units;
  return total;
}

}  // namespace dynaflow::capacity
