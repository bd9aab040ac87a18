// RunCache: the last known run item per run id, bounded (least recently used evicted).
//
// Fenced writes compute the next run item from the cached one and make the write conditional
// on its `version`, so a stale entry can never cause
// a wrong write: the condition fails, the stored item comes back with the failure and replaces
// the entry, and the write is retried. The cache only saves the read before a write.
// Put keeps the newer of two items (the higher version; the later Put at equal versions), so a
// stale item
// read from an eventually consistent index never replaces a newer one.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "dynaflow/model/attribute_value.h"

namespace dynaflow::store::internal {

class RunCache {
 public:
  explicit RunCache(size_t capacity) : capacity_(capacity) {}

  std::optional<Item> Get(const std::string& run_id);
  void Put(const std::string& run_id, const Item& item);
  // Replaces the entry even when it looks newer (e.g. the item was read after a failed
  // condition: it is the stored truth).
  void Replace(const std::string& run_id, const Item& item);
  // Applies `fn` to the entry (when present) under the cache's lock.
  void Mutate(const std::string& run_id, const std::function<void(Item*)>& fn);
  void Erase(const std::string& run_id);
  size_t size() const;

 private:
  void PutLocked(const std::string& run_id, const Item& item, bool force);
  struct Entry {
    Item item;
    std::list<std::string>::iterator lru;
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front = most recently used
};

}  // namespace dynaflow::store::internal
