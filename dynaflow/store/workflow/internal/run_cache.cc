#include "dynaflow/store/workflow/internal/run_cache.h"

#include "dynaflow/store/workflow/internal/items.h"

namespace dynaflow::store::internal {

std::optional<Item> RunCache::Get(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(run_id);
  if (it == entries_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.item;
}

void RunCache::Put(const std::string& run_id, const Item& item) {
  std::lock_guard<std::mutex> lock(mu_);
  PutLocked(run_id, item, /*force=*/false);
}

void RunCache::Replace(const std::string& run_id, const Item& item) {
  std::lock_guard<std::mutex> lock(mu_);
  PutLocked(run_id, item, /*force=*/true);
}

void RunCache::PutLocked(const std::string& run_id, const Item& item, bool force) {
  if (capacity_ == 0) return;
  auto it = entries_.find(run_id);
  if (it != entries_.end()) {
    const Item& old = it->second.item;
    int64_t ov = GetNOr(old, attr::kVersion, -1), nv = GetNOr(item, attr::kVersion, -1);
    if (!force && nv < ov) return;
    it->second.item = item;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  lru_.push_front(run_id);
  entries_.emplace(run_id, Entry{item, lru_.begin()});
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

void RunCache::Mutate(const std::string& run_id, const std::function<void(Item*)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(run_id);
  if (it != entries_.end()) fn(&it->second.item);
}

void RunCache::Erase(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(run_id);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

size_t RunCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace dynaflow::store::internal
