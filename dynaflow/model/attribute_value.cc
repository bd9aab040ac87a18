#include "dynaflow/model/attribute_value.h"

#include <cctype>
#include <charconv>

#include "dynaflow/model/enum_names.h"

namespace dynaflow {

AttributeValue::AttributeValue(const AttributeValue& other)
    : type_(other.type_),
      bool_(other.bool_),
      scalar_(other.scalar_),
      set_(other.set_),
      list_(other.list_),
      map_(other.map_ ? std::make_unique<AttributeMap>(*other.map_) : nullptr) {}

AttributeValue& AttributeValue::operator=(const AttributeValue& other) {
  if (this != &other) {
    AttributeValue copy(other);
    *this = std::move(copy);
  }
  return *this;
}

AttributeValue::~AttributeValue() = default;

AttributeValue AttributeValue::S(std::string s) {
  AttributeValue v;
  v.type_ = Type::kS;
  v.scalar_ = std::move(s);
  return v;
}
AttributeValue AttributeValue::N(std::string decimal) {
  AttributeValue v;
  v.type_ = Type::kN;
  v.scalar_ = std::move(decimal);
  return v;
}
AttributeValue AttributeValue::N(int64_t n) { return N(std::to_string(n)); }
AttributeValue AttributeValue::B(std::string raw_bytes) {
  AttributeValue v;
  v.type_ = Type::kB;
  v.scalar_ = std::move(raw_bytes);
  return v;
}
AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}
AttributeValue AttributeValue::Null() { return AttributeValue(); }
AttributeValue AttributeValue::M(AttributeMap m) {
  AttributeValue v;
  v.type_ = Type::kM;
  v.map_ = std::make_unique<AttributeMap>(std::move(m));
  return v;
}
AttributeValue AttributeValue::L(std::vector<AttributeValue> l) {
  AttributeValue v;
  v.type_ = Type::kL;
  v.list_ = std::move(l);
  return v;
}
AttributeValue AttributeValue::MakeSet(Type type, std::vector<std::string> members) {
  AttributeValue v;
  v.type_ = type;
  v.set_ = std::move(members);
  return v;
}
AttributeValue AttributeValue::SS(std::vector<std::string> ss) {
  return MakeSet(Type::kSS, std::move(ss));
}
AttributeValue AttributeValue::NS(std::vector<std::string> ns) {
  return MakeSet(Type::kNS, std::move(ns));
}
AttributeValue AttributeValue::BS(std::vector<std::string> bs) {
  return MakeSet(Type::kBS, std::move(bs));
}

namespace {

// Counts significant digits of a syntactically valid number; -1 when the syntax is invalid.
int SignificantDigits(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::string digits;
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
      any = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return -1;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return -1;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (i >= s.size()) return -1;
    for (; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
    }
  }
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

}  // namespace

bool AttributeValue::IsValidNumber(std::string_view s) {
  int d = SignificantDigits(s);
  return d >= 0 && d <= 38;
}

Result<int64_t> AttributeValue::AsInt64() const {
  if (type_ != Type::kN) return Status::InvalidArgument("attribute is not a number");
  int64_t out = 0;
  const char* b = scalar_.data();
  const char* e = b + scalar_.size();
  if (b != e && *b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, e, out);
  if (ec != std::errc() || ptr != e) {
    return Status::InvalidArgument("number '" + scalar_ + "' is not a 64-bit integer");
  }
  return out;
}

size_t AttributeValue::SizeBytes() const {
  switch (type_) {
    case Type::kNull:
    case Type::kBool:
      return 1;
    case Type::kS:
    case Type::kB:
      return scalar_.size();
    case Type::kN: {
      int d = SignificantDigits(scalar_);
      return static_cast<size_t>((d < 0 ? 0 : (d + 1) / 2)) + 1;
    }
    case Type::kSS:
    case Type::kBS: {
      size_t n = 0;
      for (const auto& s : set_) n += s.size();
      return n;
    }
    case Type::kNS: {
      size_t n = 0;
      for (const auto& s : set_) n += N(s).SizeBytes();
      return n;
    }
    case Type::kL: {
      size_t n = 3;
      for (const auto& v : list_) n += v.SizeBytes() + 1;
      return n;
    }
    case Type::kM: {
      size_t n = 3;
      for (const auto& [k, v] : *map_) n += k.size() + v.SizeBytes() + 1;
      return n;
    }
  }
  return 0;
}

namespace {
constexpr EnumName<AttributeValue::Type> kTypeNames[] = {
    {AttributeValue::Type::kNull, "NULL"}, {AttributeValue::Type::kS, "S"},
    {AttributeValue::Type::kN, "N"},       {AttributeValue::Type::kB, "B"},
    {AttributeValue::Type::kBool, "BOOL"}, {AttributeValue::Type::kM, "M"},
    {AttributeValue::Type::kL, "L"},       {AttributeValue::Type::kSS, "SS"},
    {AttributeValue::Type::kNS, "NS"},     {AttributeValue::Type::kBS, "BS"}};
}  // namespace

std::string_view AttributeValue::TypeName(Type t) { return NameOf(kTypeNames, t, "?"); }

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type_ != b.type_) return false;
  using T = AttributeValue::Type;
  switch (a.type_) {
    case T::kNull:
      return true;
    case T::kBool:
      return a.bool_ == b.bool_;
    case T::kS:
    case T::kN:
    case T::kB:
      return a.scalar_ == b.scalar_;
    case T::kSS:
    case T::kNS:
    case T::kBS:
      return a.set_ == b.set_;
    case T::kL:
      return a.list_ == b.list_;
    case T::kM:
      return *a.map_ == *b.map_;
  }
  return false;
}

namespace {

// Appends pieces one by one (GCC 12 reports a false -Wrestrict on chained operator+).
std::string Quote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  out.append(s);
  out.push_back('"');
  return out;
}

std::string ByteCount(size_t n) {
  std::string out("<");
  out.append(std::to_string(n));
  out.append(" bytes>");
  return out;
}

}  // namespace

std::string AttributeValue::DebugString() const {
  auto quote = [](const std::string& s) { return Quote(s); };
  std::string out = "{\"" + std::string(TypeName(type_)) + "\":";
  switch (type_) {
    case Type::kNull:
      out += "true";
      break;
    case Type::kBool:
      out += bool_ ? "true" : "false";
      break;
    case Type::kS:
    case Type::kN:
      out += quote(scalar_);
      break;
    case Type::kB:
      out += ByteCount(scalar_.size());
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      out += "[";
      for (size_t i = 0; i < set_.size(); ++i) {
        if (i) out += ",";
        out += type_ == Type::kBS ? ByteCount(set_[i].size()) : quote(set_[i]);
      }
      out += "]";
      break;
    }
    case Type::kL: {
      out += "[";
      for (size_t i = 0; i < list_.size(); ++i) {
        if (i) out += ",";
        out += list_[i].DebugString();
      }
      out += "]";
      break;
    }
    case Type::kM: {
      out += "{";
      bool first = true;
      for (const auto& [k, v] : *map_) {
        if (!first) out += ",";
        first = false;
        out += quote(k) + ":" + v.DebugString();
      }
      out += "}";
      break;
    }
  }
  return out + "}";
}

size_t ItemSizeBytes(const Item& item) {
  size_t n = 0;
  for (const auto& [k, v] : item) n += k.size() + v.SizeBytes();
  return n;
}

const AttributeValue* FindAttribute(const Item& item, std::string_view name) {
  auto it = item.find(name);
  return it == item.end() ? nullptr : &it->second;
}

}  // namespace dynaflow
