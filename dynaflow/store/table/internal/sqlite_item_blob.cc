#include "dynaflow/store/table/internal/sqlite_item_blob.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "dynaflow/store/table/internal/varint_bytes.h"

namespace dynaflow::table::internal {
namespace {

// On-disk tags (see the header); stable forever.
enum Tag : uint8_t {
  kTagNull = 0,
  kTagFalse = 1,
  kTagTrue = 2,
  kTagS = 3,
  kTagN = 4,
  kTagB = 5,
  kTagM = 6,
  kTagL = 7,
  kTagSS = 8,
  kTagNS = 9,
  kTagBS = 10,
};

void EncodeValue(std::string* out, const AttributeValue& v);

// An S, N or B value: its tag, then its bytes.
void EncodeScalar(std::string* out, Tag tag, std::string_view bytes) {
  out->push_back(static_cast<char>(tag));
  PutBytes(out, bytes);
}

void EncodeMap(std::string* out, const AttributeMap& m) {
  PutVarint(out, m.size());
  for (const auto& [name, value] : m) {
    PutBytes(out, name);
    EncodeValue(out, value);
  }
}

void EncodeSet(std::string* out, Tag tag, const std::vector<std::string>& set) {
  out->push_back(static_cast<char>(tag));
  PutVarint(out, set.size());
  for (const auto& s : set) PutBytes(out, s);
}

void EncodeValue(std::string* out, const AttributeValue& v) {
  using T = AttributeValue::Type;
  switch (v.type()) {
    case T::kNull:
      out->push_back(static_cast<char>(kTagNull));
      return;
    case T::kBool:
      out->push_back(static_cast<char>(*v.AsBool() ? kTagTrue : kTagFalse));
      return;
    case T::kS:
      EncodeScalar(out, kTagS, *v.AsS());
      return;
    case T::kN:
      EncodeScalar(out, kTagN, *v.AsN());
      return;
    case T::kB:
      EncodeScalar(out, kTagB, *v.AsB());
      return;
    case T::kM:
      out->push_back(static_cast<char>(kTagM));
      EncodeMap(out, *v.AsM());
      return;
    case T::kL:
      out->push_back(static_cast<char>(kTagL));
      PutVarint(out, v.AsL()->size());
      for (const auto& e : *v.AsL()) EncodeValue(out, e);
      return;
    case T::kSS:
      EncodeSet(out, kTagSS, *v.AsSet());
      return;
    case T::kNS:
      EncodeSet(out, kTagNS, *v.AsSet());
      return;
    case T::kBS:
      EncodeSet(out, kTagBS, *v.AsSet());
      return;
  }
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : r_(in) {}

  Status Fail(std::string_view what) const {
    return Status::Serialization("corrupt attrs blob: " + std::string(what) + " at byte " +
                                 std::to_string(r_.pos()));
  }

  Result<AttributeMap> Top() {
    uint8_t version;
    if (!r_.Byte(&version)) return Fail("empty blob");
    if (version != kItemBlobVersion) {
      return Status::Serialization("attrs blob has encoding version " + std::to_string(version) +
                                   ", this build reads version " +
                                   std::to_string(kItemBlobVersion));
    }
    AttributeMap m;
    DYNAFLOW_RETURN_IF_ERROR(Map(&m, 0));
    if (!r_.done()) return Fail("trailing bytes");
    return m;
  }

 private:
  Status Map(AttributeMap* m, int depth) {
    uint64_t n;
    if (!r_.Count(&n)) return Fail("bad map count");
    for (uint64_t i = 0; i < n; ++i) {
      std::string name;
      if (!r_.Bytes(&name)) return Fail("truncated name");
      AttributeValue v;
      DYNAFLOW_RETURN_IF_ERROR(Value(&v, depth));
      if (!m->emplace(std::move(name), std::move(v)).second) return Fail("duplicate name");
    }
    return Status::OK();
  }

  Status Set(std::vector<std::string>* set, bool numbers) {
    uint64_t n;
    if (!r_.Count(&n)) return Fail("bad set count");
    set->reserve(std::min<uint64_t>(n, 1024));
    for (uint64_t i = 0; i < n; ++i) {
      std::string s;
      if (!r_.Bytes(&s)) return Fail("truncated set element");
      if (numbers && !AttributeValue::IsValidNumber(s)) return Fail("invalid number");
      set->push_back(std::move(s));
    }
    return Status::OK();
  }

  Status Value(AttributeValue* out, int depth) {
    if (depth > kMaxDecodeDepth) return Fail("nesting too deep");
    uint8_t tag;
    if (!r_.Byte(&tag)) return Fail("truncated value");
    std::string s;
    switch (tag) {
      case kTagNull:
        *out = AttributeValue::Null();
        return Status::OK();
      case kTagFalse:
      case kTagTrue:
        *out = AttributeValue::Bool(tag == kTagTrue);
        return Status::OK();
      case kTagS:
      case kTagN:
      case kTagB:
        if (!r_.Bytes(&s)) return Fail("truncated scalar");
        if (tag == kTagN && !AttributeValue::IsValidNumber(s)) return Fail("invalid number");
        *out = tag == kTagS   ? AttributeValue::S(std::move(s))
               : tag == kTagN ? AttributeValue::N(std::move(s))
                              : AttributeValue::B(std::move(s));
        return Status::OK();
      case kTagM: {
        AttributeMap m;
        DYNAFLOW_RETURN_IF_ERROR(Map(&m, depth + 1));
        *out = AttributeValue::M(std::move(m));
        return Status::OK();
      }
      case kTagL: {
        uint64_t n;
        if (!r_.Count(&n)) return Fail("bad list count");
        std::vector<AttributeValue> l;
        l.reserve(std::min<uint64_t>(n, 1024));
        for (uint64_t i = 0; i < n; ++i) {
          l.emplace_back();
          DYNAFLOW_RETURN_IF_ERROR(Value(&l.back(), depth + 1));
        }
        *out = AttributeValue::L(std::move(l));
        return Status::OK();
      }
      case kTagSS:
      case kTagNS:
      case kTagBS: {
        std::vector<std::string> set;
        DYNAFLOW_RETURN_IF_ERROR(Set(&set, tag == kTagNS));
        *out = tag == kTagSS   ? AttributeValue::SS(std::move(set))
               : tag == kTagNS ? AttributeValue::NS(std::move(set))
                               : AttributeValue::BS(std::move(set));
        return Status::OK();
      }
      default:
        return Fail("unknown tag " + std::to_string(tag));
    }
  }

  ByteReader r_;
};

}  // namespace

std::string EncodeAttributes(const AttributeMap& attributes) {
  std::string out;
  out.push_back(static_cast<char>(kItemBlobVersion));
  EncodeMap(&out, attributes);
  return out;
}

Result<AttributeMap> DecodeAttributes(std::string_view blob) { return Decoder(blob).Top(); }

}  // namespace dynaflow::table::internal
