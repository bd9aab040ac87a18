#include "dynaflow/store/capacity/recording_table.h"

namespace dynaflow::capacity {

namespace {

table::Key KeyOf(const Item& item) {
  const AttributeValue* pk = FindAttribute(item, table::kPk);
  const AttributeValue* sk = FindAttribute(item, table::kSk);
  return {pk && pk->is_s() ? *pk->AsS() : "", sk && sk->is_s() ? *sk->AsS() : ""};
}

table::Key KeyOf(const table::WriteOp& op) {
  return std::visit(
      [](const auto& o) -> table::Key {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, table::PutOp>) {
          return KeyOf(o.item);
        } else {
          return o.key;
        }
      },
      op);
}

}  // namespace

std::optional<Item> RecordingTable::Current(const table::Key& key) {
  auto item = inner_->Get(key);
  if (!item.ok()) return std::nullopt;
  return std::move(item).value();
}

void RecordingTable::Report(WriteRecord record, double units_before) {
  record.reported_units = inner_->stats().write_units - units_before;
  if (sinks_.on_write) sinks_.on_write(record);
}

Status RecordingTable::Put(const Item& item, const table::WriteOptions& options) {
  if (!sinks_.on_write) return inner_->Put(item, options);
  std::optional<Item> before = Current(KeyOf(item));
  const double units = inner_->stats().write_units;
  DYNAFLOW_RETURN_IF_ERROR(inner_->Put(item, options));
  Report({"PutItem", false, {{std::move(before), item, false}}, 0}, units);
  return Status::OK();
}

Result<Item> RecordingTable::Update(const table::Key& key, const table::Update& update,
                                    const table::WriteOptions& options) {
  if (!sinks_.on_write) return inner_->Update(key, update, options);
  std::optional<Item> before = Current(key);
  const double units = inner_->stats().write_units;
  DYNAFLOW_ASSIGN_OR_RETURN(Item after, inner_->Update(key, update, options));
  Report({"UpdateItem", false, {{std::move(before), after, false}}, 0}, units);
  return after;
}

Status RecordingTable::Delete(const table::Key& key, const table::WriteOptions& options) {
  if (!sinks_.on_write) return inner_->Delete(key, options);
  std::optional<Item> before = Current(key);
  const double units = inner_->stats().write_units;
  DYNAFLOW_RETURN_IF_ERROR(inner_->Delete(key, options));
  Report({"DeleteItem", false, {{std::move(before), std::nullopt, false}}, 0}, units);
  return Status::OK();
}

Status RecordingTable::TransactWrite(std::span<const table::WriteOp> ops,
                                     table::TransactionFailure* failure) {
  if (!sinks_.on_write) return inner_->TransactWrite(ops, failure);
  WriteRecord record{"TransactWriteItems", true, {}, 0};
  for (const table::WriteOp& op : ops) {
    ItemWrite w;
    w.before = Current(KeyOf(op));
    w.condition_check = std::holds_alternative<table::ConditionCheckOp>(op);
    record.items.push_back(std::move(w));
  }
  const double units = inner_->stats().write_units;
  DYNAFLOW_RETURN_IF_ERROR(inner_->TransactWrite(ops, failure));
  for (size_t i = 0; i < ops.size(); ++i) {
    if (const auto* put = std::get_if<table::PutOp>(&ops[i])) {
      record.items[i].after = put->item;
    } else if (std::holds_alternative<table::UpdateOp>(ops[i])) {
      record.items[i].after = Current(KeyOf(ops[i]));
    }
  }
  Report(std::move(record), units);
  return Status::OK();
}

Status RecordingTable::BatchDelete(std::span<const table::Key> keys) {
  if (!sinks_.on_write) return inner_->BatchDelete(keys);
  DYNAFLOW_ASSIGN_OR_RETURN(std::vector<std::optional<Item>> before, inner_->BatchGet(keys));
  const double units = inner_->stats().write_units;
  DYNAFLOW_RETURN_IF_ERROR(inner_->BatchDelete(keys));
  WriteRecord record{"BatchWriteItem", false, {}, 0};
  for (auto& item : before) record.items.push_back({std::move(item), std::nullopt, false});
  Report(std::move(record), units);
  return Status::OK();
}

Result<table::QueryPage> RecordingTable::Query(const table::QueryRequest& request) {
  DYNAFLOW_ASSIGN_OR_RETURN(table::QueryPage page, inner_->Query(request));
  if (sinks_.on_query) {
    ReadRecord r{request.index, request.partition, page.items.size(), 0, request.consistent};
    for (const Item& item : page.items) r.bytes += ItemSizeBytes(item);
    sinks_.on_query(r);
  }
  return page;
}

}  // namespace dynaflow::capacity
