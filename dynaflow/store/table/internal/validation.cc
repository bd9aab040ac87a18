#include "dynaflow/store/table/internal/validation.h"

#include <algorithm>
#include <set>

#include "dynaflow/model/utf8.h"
#include "dynaflow/store/table/internal/decimal.h"

namespace dynaflow::table::internal {
namespace {

constexpr size_t kDescribeMax = 64;

// Shortened and made valid UTF-8 (invalid bytes, or a character cut by the shortening, become
// U+FFFD), so messages are always valid UTF-8 and can themselves be stored.
std::string Shorten(const std::string& s) {
  return SanitizeUtf8(s.size() <= kDescribeMax ? s : s.substr(0, kDescribeMax) + "...");
}

// kInvalidArgument "<where>: attribute "<path>": <what> is not valid UTF-8 (byte <at>)".
Status NotUtf8(const std::string& where, std::string_view path, std::string_view what, size_t at) {
  return Status::InvalidArgument(where + ": attribute \"" + SanitizeUtf8(path) +
                                 "\": " + std::string(what) + " is not valid UTF-8 (byte " +
                                 std::to_string(at) + ")");
}

// `s` is the string value of attribute `path` (`what`: "string", "string set element 2").
Status CheckUtf8(std::string_view s, const std::string& where, std::string_view path,
                 const char* what) {
  size_t at = FindInvalidUtf8(s);
  return at == std::string_view::npos ? Status::OK() : NotUtf8(where, path, what, at);
}

// An attribute name (top level, in an update or condition).
Status CheckAttributeName(std::string_view name, const std::string& where) {
  size_t at = FindInvalidUtf8(name);
  if (at == std::string_view::npos) return Status::OK();
  return Status::InvalidArgument(where + ": attribute name \"" + SanitizeUtf8(name) +
                                 "\" is not valid UTF-8 (byte " + std::to_string(at) + ")");
}

std::string TypeName(const AttributeValue& v) {
  return std::string(AttributeValue::TypeName(v.type()));
}

Status CheckKeyPart(std::string_view name, const std::string& value, size_t limit,
                    const std::string& where, const char* what = "string") {
  if (value.empty()) {
    return Status::InvalidArgument(where + ": key attribute " + std::string(name) +
                                   " is an empty string");
  }
  if (value.size() > limit) {
    return Status::LimitExceeded(where + ": key attribute " + std::string(name) + " is " +
                                 std::to_string(value.size()) + " bytes; the limit is " +
                                 std::to_string(limit));
  }
  return CheckUtf8(value, where, name, what);
}

// The value of attribute `attr` (a path like "payload.list[2].x") checked recursively: numbers
// valid; sets non-empty and without duplicates; strings, set strings and map keys valid UTF-8.
// `where()` returns the message prefix ("item RUN#1/STEP#a"); it is called only for an error.
template <class Where>
Status CheckValue(const AttributeValue& v, const Where& where, const std::string& attr) {
  using T = AttributeValue::Type;
  auto path = [&] { return where() + ": attribute " + attr; };
  auto utf8 = [&](const std::string& s, std::string_view what) {
    size_t at = FindInvalidUtf8(s);
    return at == std::string_view::npos ? Status::OK() : NotUtf8(where(), attr, what, at);
  };
  switch (v.type()) {
    case T::kS:
      return utf8(*v.AsS(), "string");
    case T::kN:
      if (!AttributeValue::IsValidNumber(*v.AsN())) {
        return Status::InvalidArgument(path() + ": '" + Shorten(*v.AsN()) +
                                       "' is not a valid number");
      }
      return Status::OK();
    case T::kSS:
    case T::kNS:
    case T::kBS: {
      const auto& set = *v.AsSet();
      if (set.empty()) return Status::InvalidArgument(path() + ": an empty set is not allowed");
      std::set<std::string> seen;
      for (size_t i = 0; i < set.size(); ++i) {
        const std::string& e = set[i];
        if (v.type() == T::kSS) {
          DYNAFLOW_RETURN_IF_ERROR(utf8(e, "string set element " + std::to_string(i)));
        }
        std::string canonical = e;
        if (v.type() == T::kNS) {
          auto d = ParseDecimal(e);
          if (!d.ok() || !AttributeValue::IsValidNumber(e)) {
            return Status::InvalidArgument(path() + ": '" + Shorten(e) + "' is not a valid number");
          }
          canonical = FormatDecimal(*d);
        }
        if (!seen.insert(canonical).second) {
          return Status::InvalidArgument(path() + ": the set holds a duplicate element");
        }
      }
      return Status::OK();
    }
    case T::kL: {
      const auto& l = *v.AsL();
      for (size_t i = 0; i < l.size(); ++i) {
        DYNAFLOW_RETURN_IF_ERROR(CheckValue(l[i], where, attr + "[" + std::to_string(i) + "]"));
      }
      return Status::OK();
    }
    case T::kM:
      for (const auto& [k, e] : *v.AsM()) {
        if (size_t at = FindInvalidUtf8(k); at != std::string_view::npos) {
          return NotUtf8(where(), attr, "map key \"" + SanitizeUtf8(k) + "\"", at);
        }
        DYNAFLOW_RETURN_IF_ERROR(CheckValue(e, where, attr + "." + k));
      }
      return Status::OK();
    default:
      return Status::OK();
  }
}

Status CheckValue(const AttributeValue& v, const std::string& where, const std::string& attr) {
  return CheckValue(
      v, [&] { return where; }, attr);
}

bool IsPrimaryKeyAttribute(std::string_view a) { return a == kPk || a == kSk; }
bool IsGsiPartitionAttribute(std::string_view a) { return a == kGsi1Pk || a == kGsi2Pk; }
bool IsGsiSortAttribute(std::string_view a) { return a == kGsi1Sk || a == kGsi2Sk; }

// A value stored in a GSI key attribute: non-empty S within the key-size limit.
Status CheckGsiKeyValue(std::string_view name, const AttributeValue& v, const std::string& where) {
  if (!v.is_s()) {
    return Status::InvalidArgument(where + ": index key attribute " + std::string(name) +
                                   " must be of type S, not " + TypeName(v));
  }
  size_t limit = IsGsiPartitionAttribute(name) ? kMaxPartitionKeyBytes : kMaxSortKeyBytes;
  return CheckKeyPart(name, *v.AsS(), limit, where);
}

}  // namespace

std::string DescribeKey(const Key& key) { return Shorten(key.pk) + "/" + Shorten(key.sk); }

Status ValidateKey(const Key& key) {
  std::string where = "key " + DescribeKey(key);
  DYNAFLOW_RETURN_IF_ERROR(CheckKeyPart(kPk, key.pk, kMaxPartitionKeyBytes, where));
  return CheckKeyPart(kSk, key.sk, kMaxSortKeyBytes, where);
}

Result<Key> ItemKey(const Item& item) {
  Key key;
  for (const char* name : {kPk, kSk}) {
    const AttributeValue* v = FindAttribute(item, name);
    if (v == nullptr)
      return Status::InvalidArgument(std::string("item has no ") + name + " attribute");
    if (!v->is_s()) {
      return Status::InvalidArgument(std::string("item key attribute ") + name +
                                     " must be of type S, not " + TypeName(*v));
    }
    (name == kPk ? key.pk : key.sk) = *v->AsS();
  }
  return key;
}

Status ValidateItem(const Item& item) {
  DYNAFLOW_ASSIGN_OR_RETURN(Key key, ItemKey(item));
  DYNAFLOW_RETURN_IF_ERROR(ValidateKey(key));
  std::string where = "item " + DescribeKey(key);
  for (const char* name : {kGsi1Pk, kGsi1Sk, kGsi2Pk, kGsi2Sk}) {
    if (const AttributeValue* v = FindAttribute(item, name)) {
      DYNAFLOW_RETURN_IF_ERROR(CheckGsiKeyValue(name, *v, where));
    }
  }
  if (const AttributeValue* ttl = FindAttribute(item, kTtl); ttl && !ttl->is_n()) {
    return Status::InvalidArgument(
        where + ": attribute ttl must be of type N (epoch seconds), not " + TypeName(*ttl));
  }
  for (const auto& [name, v] : item) {
    if (name.empty()) return Status::InvalidArgument(where + ": an attribute name is empty");
    DYNAFLOW_RETURN_IF_ERROR(CheckAttributeName(name, where));
    DYNAFLOW_RETURN_IF_ERROR(CheckValue(v, where, name));
  }
  size_t size = ItemSizeBytes(item);
  if (size > kMaxItemBytes) {
    return Status::LimitExceeded(where + " is " + std::to_string(size) + " bytes; the limit is " +
                                 std::to_string(kMaxItemBytes) + " (400 KB)");
  }
  return Status::OK();
}

Status ValidateCondition(const Condition& c) {
  using K = Condition::Kind;
  switch (c.kind()) {
    case K::kAnd:
    case K::kOr:
    case K::kNot:
      for (const Condition& child : c.children())
        DYNAFLOW_RETURN_IF_ERROR(ValidateCondition(child));
      return Status::OK();
    default:
      break;
  }
  // DebugString shows the operand: sanitized so the message is valid UTF-8.
  auto where = [&] { return "condition " + SanitizeUtf8(c.DebugString()); };
  if (c.attribute().empty()) return Status::InvalidArgument(where() + ": empty attribute name");
  if (!IsValidUtf8(c.attribute())) return CheckAttributeName(c.attribute(), where());
  if (c.kind() == K::kBeginsWith) return CheckValue(c.value(), where, c.attribute());
  if (c.kind() == K::kCompare) {
    DYNAFLOW_RETURN_IF_ERROR(CheckValue(c.value(), where, c.attribute()));
    bool ordering = c.op() != Condition::Op::kEq && c.op() != Condition::Op::kNe;
    const AttributeValue& v = c.value();
    if (ordering && !(v.is_s() || v.is_n() || v.is_b())) {
      return Status::InvalidArgument(
          where() + ": < <= > >= need an operand of type S, N or B, not " + TypeName(v));
    }
  }
  return Status::OK();
}

Status ValidateWriteOptions(const WriteOptions& options) {
  return options.condition ? ValidateCondition(*options.condition) : Status::OK();
}

Status ValidateUpdate(const Key& key, const Update& update) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateKey(key));
  std::string where = "update of " + DescribeKey(key);
  std::set<std::string_view> seen;
  for (const Update::Action& a : update.actions()) {
    if (a.attribute.empty()) return Status::InvalidArgument(where + ": empty attribute name");
    DYNAFLOW_RETURN_IF_ERROR(CheckAttributeName(a.attribute, where));
    if (IsPrimaryKeyAttribute(a.attribute)) {
      return Status::InvalidArgument(where + ": key attribute " + a.attribute +
                                     " cannot be updated");
    }
    if (!seen.insert(a.attribute).second) {
      return Status::InvalidArgument(where + ": more than one action on attribute " + a.attribute);
    }
    using T = Update::Action::Type;
    if (a.type == T::kRemove) continue;
    DYNAFLOW_RETURN_IF_ERROR(CheckValue(a.value, where, a.attribute));
    bool gsi_key = IsGsiPartitionAttribute(a.attribute) || IsGsiSortAttribute(a.attribute);
    if (a.type == T::kAdd) {
      if (gsi_key) {
        return Status::InvalidArgument(where + ": index key attribute " + a.attribute +
                                       " must be of type S and cannot be ADDed to");
      }
      continue;
    }
    if (gsi_key) DYNAFLOW_RETURN_IF_ERROR(CheckGsiKeyValue(a.attribute, a.value, where));
    if (a.attribute == kTtl && !a.value.is_n()) {
      return Status::InvalidArgument(
          where + ": attribute ttl must be of type N (epoch seconds), not " + TypeName(a.value));
    }
  }
  return Status::OK();
}

const Key& OpKey(const WriteOp& op, Key* scratch) {
  if (const auto* put = std::get_if<PutOp>(&op)) {
    auto key = ItemKey(put->item);
    *scratch = key.ok() ? std::move(key).value() : Key{};
    return *scratch;
  }
  if (const auto* u = std::get_if<UpdateOp>(&op)) return u->key;
  if (const auto* d = std::get_if<DeleteOp>(&op)) return d->key;
  return std::get<ConditionCheckOp>(op).key;
}

size_t WriteOpSizeBytes(const WriteOp& op) {
  if (const auto* put = std::get_if<PutOp>(&op)) return ItemSizeBytes(put->item);
  Key scratch;
  const Key& key = OpKey(op, &scratch);
  size_t n = std::char_traits<char>::length(kPk) + key.pk.size() +
             std::char_traits<char>::length(kSk) + key.sk.size();
  if (const auto* u = std::get_if<UpdateOp>(&op)) {
    for (const auto& a : u->update.actions()) n += a.attribute.size() + a.value.SizeBytes();
  }
  return n;
}

Status ValidateTransaction(std::span<const WriteOp> ops) {
  if (ops.empty()) return Status::InvalidArgument("a transaction needs at least one op");
  if (ops.size() > kMaxTransactionItems) {
    return Status::LimitExceeded("transaction has " + std::to_string(ops.size()) +
                                 " ops; the limit is " + std::to_string(kMaxTransactionItems));
  }
  std::set<std::pair<std::string, std::string>> keys;
  size_t total = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string context = "transaction op " + std::to_string(i);
    const WriteOp& op = ops[i];
    Status s;
    if (const auto* put = std::get_if<PutOp>(&op)) {
      s = ValidateItem(put->item);
      if (s.ok() && put->condition) s = ValidateCondition(*put->condition);
    } else if (const auto* u = std::get_if<UpdateOp>(&op)) {
      s = ValidateUpdate(u->key, u->update);
      // DynamoDB's TransactWriteItems requires an UpdateExpression: reject empty updates on
      // every backend so what works embedded works on DynamoDB.
      if (s.ok() && u->update.empty()) {
        s = Status::InvalidArgument("update of " + DescribeKey(u->key) +
                                    " has no actions (use a ConditionCheckOp to only check)");
      }
      if (s.ok() && u->condition) s = ValidateCondition(*u->condition);
    } else if (const auto* d = std::get_if<DeleteOp>(&op)) {
      s = ValidateKey(d->key);
      if (s.ok() && d->condition) s = ValidateCondition(*d->condition);
    } else {
      const auto& c = std::get<ConditionCheckOp>(op);
      s = ValidateKey(c.key);
      if (s.ok()) s = ValidateCondition(c.condition);
    }
    if (!s.ok()) return s.WithContext(context);
    Key scratch;
    const Key& key = OpKey(op, &scratch);
    if (!keys.emplace(key.pk, key.sk).second) {
      return Status::InvalidArgument(context + ": key " + DescribeKey(key) +
                                     " appears in more than one op of the transaction");
    }
    total += WriteOpSizeBytes(op);
  }
  if (total > kMaxTransactionBytes) {
    return Status::LimitExceeded("transaction is " + std::to_string(total) +
                                 " bytes; the limit is " + std::to_string(kMaxTransactionBytes) +
                                 " (4 MB)");
  }
  return Status::OK();
}

Status ValidateKeys(std::span<const Key> keys) {
  for (const Key& k : keys) DYNAFLOW_RETURN_IF_ERROR(ValidateKey(k));
  return Status::OK();
}

Status ValidateQuery(const QueryRequest& r) {
  std::string where = "query on " + std::string(IndexName(r.index));
  if (r.limit < 1 || r.limit > 1000) {
    return Status::InvalidArgument(where + ": limit " + std::to_string(r.limit) +
                                   " is outside 1..1000");
  }
  DYNAFLOW_RETURN_IF_ERROR(
      CheckKeyPart(IndexPartitionAttribute(r.index), r.partition, kMaxPartitionKeyBytes, where));
  if (r.sort) {
    std::string_view sk = IndexSortAttribute(r.index);
    DYNAFLOW_RETURN_IF_ERROR(CheckKeyPart(sk, r.sort->value, kMaxSortKeyBytes, where));
    if (r.sort->op == SortKeyCondition::Op::kBetween) {
      DYNAFLOW_RETURN_IF_ERROR(
          CheckKeyPart(sk, r.sort->upper, kMaxSortKeyBytes, where, "upper bound"));
      if (r.sort->value > r.sort->upper) {
        return Status::InvalidArgument(where + ": between needs lower <= upper");
      }
    }
  }
  if (r.consistent && r.index != Index::kPrimary) {
    return Status::InvalidArgument(where + ": consistent reads are not supported on a GSI");
  }
  return Status::OK();
}

}  // namespace dynaflow::table::internal
