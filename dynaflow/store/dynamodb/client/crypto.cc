#include "dynaflow/store/dynamodb/client/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <cstring>

namespace dynaflow::dynamodb {

namespace {

// OpenSSL 3 looks the algorithm up on every call made with EVP_sha256(); fetching it once and
// reusing one digest context per thread keeps a SigV4 signature at a few microseconds.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

class DigestContext {
 public:
  DigestContext() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) std::abort();
  }
  ~DigestContext() { EVP_MD_CTX_free(ctx_); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;

  // SHA-256 of the concatenation of `a` and `b` into out[32]. Failures only come from
  // allocation failure or a broken OpenSSL build, which we cannot recover from.
  void Digest(std::string_view a, std::string_view b, unsigned char* out) {
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx_, Sha256Algorithm(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1 ||
        EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_, out, &len) != 1 || len != SHA256_DIGEST_LENGTH) {
      std::abort();
    }
  }

 private:
  EVP_MD_CTX* ctx_;
};

DigestContext& ThreadDigest() {
  thread_local DigestContext context;
  return context;
}

constexpr size_t kBlockSize = 64;  // SHA-256 block size, the HMAC key block

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  ThreadDigest().Digest(data, {}, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

// HMAC (RFC 2104) over SHA-256: H((K ^ opad) || H((K ^ ipad) || data)).
std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char block[kBlockSize] = {};
  if (key.size() > kBlockSize) {
    ThreadDigest().Digest(key, {}, block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  char ipad[kBlockSize];
  char opad[kBlockSize];
  for (size_t i = 0; i < kBlockSize; ++i) {
    ipad[i] = static_cast<char>(block[i] ^ 0x36);
    opad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  OPENSSL_cleanse(block, sizeof(block));
  unsigned char inner[SHA256_DIGEST_LENGTH];
  ThreadDigest().Digest(std::string_view(ipad, kBlockSize), data, inner);
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  ThreadDigest().Digest(std::string_view(opad, kBlockSize),
                        std::string_view(reinterpret_cast<char*>(inner), sizeof(inner)),
                        reinterpret_cast<unsigned char*>(out.data()));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

void SecureWipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace dynaflow::dynamodb
