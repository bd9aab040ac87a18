// AttributeValue: the DynamoDB data model (S, N, B, BOOL, NULL, M, L, SS, NS, BS) as a value type.
//
// Numbers are kept as decimal strings exactly as written (never converted through double).
// Binary values hold raw bytes; base64 is only a concern of the DynamoDB wire format.
// Thread-safety: an immutable value; copies are deep.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/model/result.h"

namespace dynaflow {

class AttributeValue;
// Attribute name -> value. Also the type of a whole item.
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using Item = AttributeMap;

class AttributeValue {
 public:
  enum class Type { kNull, kS, kN, kB, kBool, kM, kL, kSS, kNS, kBS };

  AttributeValue() = default;  // NULL
  AttributeValue(const AttributeValue& other);
  AttributeValue& operator=(const AttributeValue& other);
  AttributeValue(AttributeValue&&) noexcept = default;
  AttributeValue& operator=(AttributeValue&&) noexcept = default;
  ~AttributeValue();

  static AttributeValue S(std::string s);
  // `decimal` must be a valid DynamoDB number (see IsValidNumber); not checked here.
  static AttributeValue N(std::string decimal);
  static AttributeValue N(int64_t n);
  static AttributeValue B(std::string raw_bytes);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue M(AttributeMap m);
  static AttributeValue L(std::vector<AttributeValue> l);
  static AttributeValue SS(std::vector<std::string> ss);
  static AttributeValue NS(std::vector<std::string> ns);
  static AttributeValue BS(std::vector<std::string> bs);

  // True when `s` is a DynamoDB number: optional sign, digits, optional fraction and exponent,
  // at most 38 significant digits.
  static bool IsValidNumber(std::string_view s);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_s() const { return type_ == Type::kS; }
  bool is_n() const { return type_ == Type::kN; }
  bool is_b() const { return type_ == Type::kB; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_m() const { return type_ == Type::kM; }
  bool is_l() const { return type_ == Type::kL; }

  // Typed access: returns nullptr when the value has another type.
  const std::string* AsS() const { return type_ == Type::kS ? &scalar_ : nullptr; }
  const std::string* AsN() const { return type_ == Type::kN ? &scalar_ : nullptr; }
  const std::string* AsB() const { return type_ == Type::kB ? &scalar_ : nullptr; }
  const bool* AsBool() const { return type_ == Type::kBool ? &bool_ : nullptr; }
  const AttributeMap* AsM() const { return type_ == Type::kM ? map_.get() : nullptr; }
  const std::vector<AttributeValue>* AsL() const { return type_ == Type::kL ? &list_ : nullptr; }
  // For SS, NS and BS.
  const std::vector<std::string>* AsSet() const {
    return (type_ == Type::kSS || type_ == Type::kNS || type_ == Type::kBS) ? &set_ : nullptr;
  }
  // The number as int64 when it is an integral N within range.
  Result<int64_t> AsInt64() const;

  // Mutable access for building nested values (nullptr when of another type).
  AttributeMap* MutableM() { return type_ == Type::kM ? map_.get() : nullptr; }
  std::vector<AttributeValue>* MutableL() { return type_ == Type::kL ? &list_ : nullptr; }

  // Size as DynamoDB counts it toward the 400 KB item limit (value only, no name).
  size_t SizeBytes() const;

  // Type name as on the wire: "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
  static std::string_view TypeName(Type t);

  // Deep equality. Numbers compare by their decimal text; sets compare as written.
  friend bool operator==(const AttributeValue& a, const AttributeValue& b);

  // Debug rendering (DynamoDB JSON-like); binary is shown as its length only.
  std::string DebugString() const;

 private:
  // A set value (SS, NS or BS) of `type`.
  static AttributeValue MakeSet(Type type, std::vector<std::string> members);
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string scalar_;                 // S, N, B
  std::vector<std::string> set_;       // SS, NS, BS
  std::vector<AttributeValue> list_;   // L
  std::unique_ptr<AttributeMap> map_;  // M
};

// Size of a whole item as DynamoDB counts it: attribute name lengths plus value sizes.
size_t ItemSizeBytes(const Item& item);

// Looks up attribute `name`; nullptr when absent.
const AttributeValue* FindAttribute(const Item& item, std::string_view name);

}  // namespace dynaflow
