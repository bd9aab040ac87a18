// DeriveSigningKey and SigningKeyCache (declared in sigv4.h).
#include "dynaflow/store/dynamodb/client/crypto.h"
#include "dynaflow/store/dynamodb/client/sigv4.h"

namespace dynaflow::dynamodb {

std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  std::string k_date = HmacSha256(secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  std::string k_signing = HmacSha256(k_service, "aws4_request");
  SecureWipe(secret);
  SecureWipe(k_date);
  SecureWipe(k_region);
  SecureWipe(k_service);
  return k_signing;
}

SigningKeyCache::SigningKeyCache(size_t max_entries)
    : max_entries_(max_entries == 0 ? 1 : max_entries) {}

SigningKeyCache::~SigningKeyCache() {
  for (Entry& e : lru_) SecureWipe(e.key);
}

std::string SigningKeyCache::GetOrDerive(const Credentials& credentials, std::string_view date,
                                         std::string_view region, std::string_view service) {
  // Length-prefixed fields make the identity unambiguous; the key pair enters only hashed.
  std::string material;
  for (std::string_view part : {std::string_view(credentials.access_key_id),
                                std::string_view(credentials.secret_access_key)}) {
    material += std::to_string(part.size());
    material.push_back(':');
    material.append(part);
  }
  std::string id = Sha256(material);
  SecureWipe(material);
  for (std::string_view part : {date, region, service}) {
    id += std::to_string(part.size());
    id.push_back(':');
    id.append(part);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++hits_;
      return it->second->key;
    }
    ++misses_;
  }
  // Derive outside the lock; two threads missing at once both derive the same key.
  std::string key = DeriveSigningKey(credentials.secret_access_key, date, region, service);
  std::lock_guard<std::mutex> lock(mu_);
  if (index_.find(id) == index_.end()) {
    lru_.push_front(Entry{id, key});
    index_.emplace(std::move(id), lru_.begin());
    while (lru_.size() > max_entries_) {
      Entry& victim = lru_.back();
      index_.erase(victim.id);
      SecureWipe(victim.key);
      lru_.pop_back();
    }
  }
  return key;
}

size_t SigningKeyCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

uint64_t SigningKeyCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t SigningKeyCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace dynaflow::dynamodb
