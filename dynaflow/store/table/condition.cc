#include "dynaflow/store/table/condition.h"

#include <algorithm>

#include "dynaflow/store/table/internal/decimal.h"

namespace dynaflow::table {
namespace {

using internal::CompareDecimals;
using internal::ParseDecimal;

// Sorted canonical texts of a number set (so {"1.0","2"} equals {"2","1"}).
std::vector<std::string> CanonicalNumbers(const std::vector<std::string>& ns) {
  std::vector<std::string> out;
  out.reserve(ns.size());
  for (const auto& n : ns) {
    auto d = ParseDecimal(n);
    out.push_back(d.ok() ? internal::FormatDecimal(*d) : n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// DynamoDB equality: same type, numbers numerically, sets regardless of order, deep for L/M.
bool ValuesEqual(const AttributeValue& a, const AttributeValue& b) {
  using T = AttributeValue::Type;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case T::kN:
      return CompareDecimal(*a.AsN(), *b.AsN()) == 0;
    case T::kNS:
      return CanonicalNumbers(*a.AsSet()) == CanonicalNumbers(*b.AsSet());
    case T::kSS:
    case T::kBS:
      return Sorted(*a.AsSet()) == Sorted(*b.AsSet());
    case T::kL: {
      const auto& la = *a.AsL();
      const auto& lb = *b.AsL();
      if (la.size() != lb.size()) return false;
      for (size_t i = 0; i < la.size(); ++i) {
        if (!ValuesEqual(la[i], lb[i])) return false;
      }
      return true;
    }
    case T::kM: {
      const auto& ma = *a.AsM();
      const auto& mb = *b.AsM();
      if (ma.size() != mb.size()) return false;
      for (const auto& [k, v] : ma) {
        auto it = mb.find(k);
        if (it == mb.end() || !ValuesEqual(v, it->second)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

// Ordering of two scalars of the same type S, N or B; nullopt when not comparable.
std::optional<int> OrderValues(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return std::nullopt;
  if (a.is_n()) return CompareDecimal(*a.AsN(), *b.AsN());
  if (a.is_s() || a.is_b()) {
    // std::string compares as unsigned bytes (char_traits<char> is memcmp-like).
    int c = (a.is_s() ? *a.AsS() : *a.AsB()).compare(b.is_s() ? *b.AsS() : *b.AsB());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

std::string ValueText(const AttributeValue& v) {
  if (v.is_s()) return "S:" + *v.AsS();
  if (v.is_n()) return "N:" + *v.AsN();
  if (v.is_b()) return "B:<" + std::to_string(v.AsB()->size()) + " bytes>";
  return v.DebugString();
}

}  // namespace

Condition Condition::Exists(std::string attribute) {
  Node n;
  n.kind = Kind::kExists;
  n.attribute = std::move(attribute);
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::NotExists(std::string attribute) {
  Node n;
  n.kind = Kind::kNotExists;
  n.attribute = std::move(attribute);
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::Compare(std::string attribute, Op op, AttributeValue value) {
  Node n;
  n.kind = Kind::kCompare;
  n.op = op;
  n.attribute = std::move(attribute);
  n.value = std::move(value);
  return Condition(std::make_shared<const Node>(std::move(n)));
}

std::string_view ComparisonOperator(Condition::Op op) {
  switch (op) {
    case Condition::Op::kEq:
      return "=";
    case Condition::Op::kNe:
      return "<>";
    case Condition::Op::kLt:
      return "<";
    case Condition::Op::kLe:
      return "<=";
    case Condition::Op::kGt:
      return ">";
    case Condition::Op::kGe:
      return ">=";
  }
  return "?";
}

Condition Condition::Eq(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kEq, std::move(v));
}
Condition Condition::Ne(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kNe, std::move(v));
}
Condition Condition::Lt(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kLt, std::move(v));
}
Condition Condition::Le(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kLe, std::move(v));
}
Condition Condition::Gt(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kGt, std::move(v));
}
Condition Condition::Ge(std::string a, AttributeValue v) {
  return Compare(std::move(a), Op::kGe, std::move(v));
}

Condition Condition::BeginsWith(std::string attribute, std::string prefix) {
  Node n;
  n.kind = Kind::kBeginsWith;
  n.attribute = std::move(attribute);
  n.value = AttributeValue::S(std::move(prefix));
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::BeginsWithBytes(std::string attribute, std::string prefix) {
  Node n;
  n.kind = Kind::kBeginsWith;
  n.attribute = std::move(attribute);
  n.value = AttributeValue::B(std::move(prefix));
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::And(Condition a, Condition b) {
  Node n;
  n.kind = Kind::kAnd;
  n.children = {std::move(a), std::move(b)};
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::Or(Condition a, Condition b) {
  Node n;
  n.kind = Kind::kOr;
  n.children = {std::move(a), std::move(b)};
  return Condition(std::make_shared<const Node>(std::move(n)));
}

Condition Condition::Not(Condition a) {
  Node n;
  n.kind = Kind::kNot;
  n.children = {std::move(a)};
  return Condition(std::make_shared<const Node>(std::move(n)));
}

bool Condition::Evaluate(const Item* item) const {
  const AttributeValue* attr =
      (item && !node_->attribute.empty()) ? FindAttribute(*item, node_->attribute) : nullptr;
  switch (node_->kind) {
    case Kind::kExists:
      return attr != nullptr;
    case Kind::kNotExists:
      return attr == nullptr;
    case Kind::kCompare: {
      if (attr == nullptr) return node_->op == Op::kNe;
      if (node_->op == Op::kEq) return ValuesEqual(*attr, node_->value);
      if (node_->op == Op::kNe) return !ValuesEqual(*attr, node_->value);
      std::optional<int> c = OrderValues(*attr, node_->value);
      if (!c) return false;
      switch (node_->op) {
        case Op::kLt:
          return *c < 0;
        case Op::kLe:
          return *c <= 0;
        case Op::kGt:
          return *c > 0;
        case Op::kGe:
          return *c >= 0;
        default:
          return false;
      }
    }
    case Kind::kBeginsWith: {
      if (attr == nullptr || attr->type() != node_->value.type()) return false;
      const std::string* s = attr->is_s() ? attr->AsS() : attr->AsB();
      const std::string* p = node_->value.is_s() ? node_->value.AsS() : node_->value.AsB();
      return s && p && s->compare(0, p->size(), *p) == 0 && s->size() >= p->size();
    }
    case Kind::kAnd:
      return node_->children[0].Evaluate(item) && node_->children[1].Evaluate(item);
    case Kind::kOr:
      return node_->children[0].Evaluate(item) || node_->children[1].Evaluate(item);
    case Kind::kNot:
      return !node_->children[0].Evaluate(item);
  }
  return false;
}

std::string Condition::DebugString() const {
  // Nested AND/OR are parenthesised so the rendering is unambiguous.
  auto nested = [](const Condition& c) {
    bool group = c.kind() == Kind::kAnd || c.kind() == Kind::kOr;
    return group ? "(" + c.DebugString() + ")" : c.DebugString();
  };
  switch (node_->kind) {
    case Kind::kExists:
      return "attribute_exists(" + node_->attribute + ")";
    case Kind::kNotExists:
      return "attribute_not_exists(" + node_->attribute + ")";
    case Kind::kCompare:
      return node_->attribute + " " + std::string(ComparisonOperator(node_->op)) + " " +
             ValueText(node_->value);
    case Kind::kBeginsWith:
      return "begins_with(" + node_->attribute + ", " + ValueText(node_->value) + ")";
    case Kind::kAnd:
      return nested(node_->children[0]) + " AND " + nested(node_->children[1]);
    case Kind::kOr:
      return nested(node_->children[0]) + " OR " + nested(node_->children[1]);
    case Kind::kNot:
      return "NOT (" + node_->children[0].DebugString() + ")";
  }
  return "?";
}

int CompareDecimal(const std::string& a, const std::string& b) {
  auto da = ParseDecimal(a);
  auto db = ParseDecimal(b);
  if (!da.ok() || !db.ok()) {  // invalid input: a deterministic, if meaningless, order
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return CompareDecimals(*da, *db);
}

Update& Update::Set(std::string attribute, AttributeValue value) {
  actions_.push_back({Action::Type::kSet, std::move(attribute), std::move(value)});
  return *this;
}

Update& Update::Remove(std::string attribute) {
  actions_.push_back({Action::Type::kRemove, std::move(attribute), AttributeValue()});
  return *this;
}

Update& Update::Add(std::string attribute, int64_t delta) {
  actions_.push_back({Action::Type::kAdd, std::move(attribute), AttributeValue::N(delta)});
  return *this;
}

Status Update::ApplyTo(Item* item) const {
  // Work on a copy so a failing action leaves `item` untouched.
  Item out = *item;
  for (const Action& a : actions_) {
    switch (a.type) {
      case Action::Type::kSet:
        out[a.attribute] = a.value;
        break;
      case Action::Type::kRemove:
        out.erase(a.attribute);
        break;
      case Action::Type::kAdd: {
        auto it = out.find(a.attribute);
        if (it == out.end()) {
          out[a.attribute] = a.value;
          break;
        }
        if (!it->second.is_n()) {
          return Status::InvalidArgument("ADD " + a.attribute + ": the attribute is of type " +
                                         std::string(AttributeValue::TypeName(it->second.type())) +
                                         ", not N");
        }
        auto sum = internal::AddDecimalStrings(*it->second.AsN(), *a.value.AsN());
        if (!sum.ok()) return sum.status().WithContext("ADD " + a.attribute);
        it->second = AttributeValue::N(std::move(sum).value());
        break;
      }
    }
  }
  *item = std::move(out);
  return Status::OK();
}

}  // namespace dynaflow::table
