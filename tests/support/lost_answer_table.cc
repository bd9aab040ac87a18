#include "tests/support/lost_answer_table.h"

#include <variant>

#include "tests/support/lost_answer_transport.h"

namespace dynaflow::test {

namespace {

Item KeyItem(const table::Key& key) {
  return Item{{table::kPk, AttributeValue::S(key.pk)}, {table::kSk, AttributeValue::S(key.sk)}};
}

// The key of an update and the values it sets; the names it sets or adds go to *names.
Item UpdatedItem(const table::Key& key, const table::Update& u, std::vector<std::string>* names) {
  Item item = KeyItem(key);
  for (const auto& a : u.actions()) {
    if (a.type == table::Update::Action::Type::kRemove) continue;
    names->push_back(a.attribute);
    if (a.type == table::Update::Action::Type::kSet) item[a.attribute] = a.value;
  }
  return item;
}

}  // namespace

bool TableWrite::TouchesSk(const std::string& prefix) const {
  for (const Item& item : items) {
    auto it = item.find(table::kSk);
    if (it != item.end() && it->second.is_s() && it->second.AsS()->rfind(prefix, 0) == 0) {
      return true;
    }
  }
  return false;
}

bool TableWrite::Sets(const std::string& name) const {
  for (const std::string& a : set_attributes) {
    if (a == name) return true;
  }
  if (kind == Kind::kPut || kind == Kind::kTransaction) {
    for (const Item& item : items) {
      if (item.count(name) != 0) return true;
    }
  }
  return false;
}

bool TableWrite::SetsTo(const std::string& name, const std::string& value) const {
  for (const Item& item : items) {
    auto it = item.find(name);
    if (it != item.end() && it->second.is_s() && *it->second.AsS() == value) return true;
  }
  return false;
}

void LostAnswerTable::AddRule(std::function<bool(const TableWrite&)> pick, LostAnswer how,
                              int times) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{std::move(pick), how, times});
}

bool LostAnswerTable::Pick(const TableWrite& w, LostAnswer* how) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Rule& r : rules_) {
    if (r.left == 0 || !r.pick(w)) continue;
    if (r.left > 0) --r.left;
    *how = r.how;
    return true;
  }
  return false;
}

template <class R, class W>
R LostAnswerTable::Apply(const TableWrite& w, W write) {
  LostAnswer how;
  if (!Pick(w, &how)) return write();
  if (how == LostAnswer::kDroppedOnTheWire || how == LostAnswer::kServerErrorOnTheWire) {
    LoseNextAnswerOnThisThread(how == LostAnswer::kDroppedOnTheWire ? AnswerLoss::kDropped
                                                                    : AnswerLoss::kServerError);
    R r = write();
    if (!AnswerLossPendingOnThisThread()) ++lost_;
    CancelAnswerLossOnThisThread();
    return r;
  }
  R first = write();
  if (!first.ok()) return first;  // nothing committed: nothing to lose
  ++lost_;
  if (how == LostAnswer::kFailed) {
    return Status::Unavailable("injected: the answer of a committed write was lost");
  }
  return write();
}

Status LostAnswerTable::Put(const Item& item, const table::WriteOptions& options) {
  TableWrite w{TableWrite::Kind::kPut, {item}, {}};
  return Apply<Status>(w, [&] { return inner_->Put(item, options); });
}

Result<Item> LostAnswerTable::Update(const table::Key& key, const table::Update& update,
                                     const table::WriteOptions& options) {
  TableWrite w{TableWrite::Kind::kUpdate, {}, {}};
  w.items.push_back(UpdatedItem(key, update, &w.set_attributes));
  return Apply<Result<Item>>(w, [&] { return inner_->Update(key, update, options); });
}

Status LostAnswerTable::Delete(const table::Key& key, const table::WriteOptions& options) {
  TableWrite w{TableWrite::Kind::kDelete, {KeyItem(key)}, {}};
  return Apply<Status>(w, [&] { return inner_->Delete(key, options); });
}

Status LostAnswerTable::TransactWrite(std::span<const table::WriteOp> ops,
                                      table::TransactionFailure* failure) {
  TableWrite w{TableWrite::Kind::kTransaction, {}, {}};
  for (const table::WriteOp& op : ops) {
    if (const auto* put = std::get_if<table::PutOp>(&op)) {
      w.items.push_back(put->item);
    } else if (const auto* u = std::get_if<table::UpdateOp>(&op)) {
      w.items.push_back(UpdatedItem(u->key, u->update, &w.set_attributes));
    } else if (const auto* d = std::get_if<table::DeleteOp>(&op)) {
      w.items.push_back(KeyItem(d->key));
    } else {
      w.items.push_back(KeyItem(std::get<table::ConditionCheckOp>(op).key));
    }
  }
  return Apply<Status>(w, [&] { return inner_->TransactWrite(ops, failure); });
}

}  // namespace dynaflow::test
