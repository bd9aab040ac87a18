#include "store/table/internal/sqlite_item_codec.h"

#include <algorithm>
#include <utility>
#include <vector>

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

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

void EncodeValue(std::string* out, const AttributeValue& v);

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
      out->push_back(static_cast<char>(kTagS));
      PutBytes(out, *v.AsS());
      return;
    case T::kN:
      out->push_back(static_cast<char>(kTagN));
      PutBytes(out, *v.AsN());
      return;
    case T::kB:
      out->push_back(static_cast<char>(kTagB));
      PutBytes(out, *v.AsB());
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

// Reads from a byte range; every method fails (returns false) instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  size_t pos() const { return pos_; }

  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      if (shift == 63 && b > 1) return false;  // overflows 64 bits
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  // A count of elements that each take at least one byte: bounded by what remains.
  bool Count(uint64_t* n) { return Varint(n) && *n <= remaining(); }
  bool Bytes(std::string* s) {
    uint64_t n;
    if (!Varint(&n) || n > remaining()) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

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
    if (version != kItemCodecVersion) {
      return Status::Serialization("attrs blob has encoding version " + std::to_string(version) +
                                   ", this build reads version " +
                                   std::to_string(kItemCodecVersion));
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

  Reader r_;
};

}  // namespace

std::string EncodeAttributes(const AttributeMap& attributes) {
  std::string out;
  out.push_back(static_cast<char>(kItemCodecVersion));
  EncodeMap(&out, attributes);
  return out;
}

Result<AttributeMap> DecodeAttributes(std::string_view blob) { return Decoder(blob).Top(); }

}  // namespace dynaflow::table::internal
