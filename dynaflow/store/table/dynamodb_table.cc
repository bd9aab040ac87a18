#include "dynaflow/store/table/dynamodb_table.h"

#include <atomic>
#include <map>
#include <utility>

#include "dynaflow/store/table/internal/cursor.h"
#include "dynaflow/store/table/internal/dynamodb_errors.h"
#include "dynaflow/store/table/internal/dynamodb_render.h"
#include "dynaflow/store/table/internal/paging.h"
#include "dynaflow/store/table/internal/table_counters.h"
#include "dynaflow/store/table/internal/ttl.h"
#include "dynaflow/store/table/internal/validation.h"
#include "dynaflow/store/table/provisioning.h"

namespace dynaflow::table {
namespace {

using internal::DescribeKey;
using internal::ExpressionBuilder;
using V = AttributeValue;

Item KeyItem(const Key& key) { return {{kPk, V::S(key.pk)}, {kSk, V::S(key.sk)}}; }

// The string attribute `name` of a key or item returned by DynamoDB.
Result<std::string> StringAttribute(const Item& item, std::string_view name) {
  const V* v = FindAttribute(item, name);
  if (v == nullptr || !v->is_s()) {
    return Status::Serialization("DynamoDB returned an item or key without string attribute " +
                                 std::string(name));
  }
  return *v->AsS();
}

class DynamoDbTable final : public Table {
 public:
  DynamoDbTable(std::shared_ptr<dynamodb::Client> client, std::string table_name,
                const DynamoDbTableOptions& options)
      : client_(std::move(client)),
        table_name_(std::move(table_name)),
        name_("dynamodb:" + table_name_),
        clock_(options.table.clock ? options.table.clock : Clock::Real()),
        signer_(options.table.cursor_secret),
        capacity_(options.return_consumed_capacity),
        filter_expired_(options.filter_expired_server_side) {}

  Result<Item> Get(const Key& key) override;
  Status Put(const Item& item, const WriteOptions& options) override;
  Result<Item> Update(const Key& key, const table::Update& update,
                      const WriteOptions& options) override;
  Status Delete(const Key& key, const WriteOptions& options) override;
  Status TransactWrite(std::span<const WriteOp> ops, TransactionFailure* failure) override;
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const Key> keys) override;
  Status BatchDelete(std::span<const Key> keys) override;
  Result<QueryPage> Query(const QueryRequest& request) override;

  TableStats stats() const override { return counters_.Snapshot(); }

  std::string name() const override { return name_; }

 private:
  // Counts the HTTP attempts of the client calls made while it lives (on this thread) into
  // counters_.requests and, when given, into `also` (counters_.reads).
  class Counted {
   public:
    // `writes`: the call writes (its consumed capacity counts as write units, else read units).
    Counted(DynamoDbTable* table, std::atomic<int64_t>* also, bool writes = false)
        : table_(table), also_(also), writes_(writes) {}
    ~Counted() {
      table_->counters_.requests += scope_.attempts();
      if (also_) *also_ += scope_.attempts();
      (writes_ ? table_->counters_.write_units : table_->counters_.read_units) +=
          scope_.capacity_units();
    }

   private:
    DynamoDbTable* table_;
    std::atomic<int64_t>* also_;
    const bool writes_;
    dynamodb::CallScope scope_;
  };

  // The Status of a failed single-item write `what` ("put", "update", "delete") of `key`: a
  // failed condition fills the caller's old item and gives kConditionFailed; anything else is
  // mapped from the client error.
  Status WriteFailure(const dynamodb::Error& e, const char* what, const Key& key,
                      const WriteOptions& options) {
    if (e.IsConditionalCheckFailed() && options.condition) {
      if (options.old_item_on_condition_failure) *options.old_item_on_condition_failure = e.item;
      return internal::ConditionFailedStatus(key, *options.condition);
    }
    return internal::MapClientError(e, std::string(what) + " of " + DescribeKey(key));
  }

  // Sends single-item write `r` (PutItem, UpdateItem or DeleteItem) through `call` after
  // filling the members they share: options.condition rendered into `b` (after anything `b`
  // already holds), the expression attributes, the old item on a failed condition when the
  // caller wants it, and consumed capacity. Counts one write.
  template <class Request, class Call>
  auto SendItemWrite(Request& r, ExpressionBuilder& b, const WriteOptions& options, Call call) {
    if (options.condition) r.condition_expression = b.Condition(*options.condition);
    r.expression_attributes = b.Take();
    r.return_old_item_on_condition_failure = options.old_item_on_condition_failure != nullptr;
    r.return_consumed_capacity = capacity_;
    return CountedWrite([&] { return call(r); });
  }

  // Counts one write and runs `send` (the client call) with its requests and capacity counted.
  template <class Send>
  auto CountedWrite(Send send) {
    ++counters_.writes;
    Counted counted(this, nullptr, /*writes=*/true);
    return send();
  }

  Result<dynamodb::TransactWriteItem> TransactItem(const WriteOp& op, bool want_old);

  // The cursor resuming after `item_or_key` (a returned item or a LastEvaluatedKey).
  // kSerialization when it lacks the index's string key attributes.
  Result<std::string> Cursor(const internal::CursorBinding& binding, const QueryRequest& request,
                             const Item& item_or_key) const;

  const std::shared_ptr<dynamodb::Client> client_;
  const std::string table_name_;
  const std::string name_;
  Clock* const clock_;
  const internal::CursorSigner signer_;
  const dynamodb::ReturnConsumedCapacity capacity_;
  const bool filter_expired_;
  internal::TableCounters counters_;
};

Result<Item> DynamoDbTable::Get(const Key& key) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
  dynamodb::GetItemRequest r;
  r.table_name = table_name_;
  r.key = KeyItem(key);
  r.consistent_read = true;
  r.return_consumed_capacity = capacity_;
  auto out = [&] {
    Counted counted(this, &counters_.reads);
    return client_->GetItem(r);
  }();
  if (!out.ok()) return internal::MapClientError(out.error(), "get of " + DescribeKey(key));
  if (!out->item || internal::IsExpired(*out->item, clock_->Now())) {
    return Status::NotFound("item " + DescribeKey(key) + " not found");
  }
  return std::move(*out->item);
}

Status DynamoDbTable::Put(const Item& item, const WriteOptions& options) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateItem(item));
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
  Key key = internal::ItemKey(item).value();
  dynamodb::PutItemRequest r;
  r.table_name = table_name_;
  r.item = item;
  ExpressionBuilder b;
  auto out = SendItemWrite(r, b, options, [&](const auto& req) { return client_->PutItem(req); });
  if (out.ok()) return Status::OK();
  return WriteFailure(out.error(), "put", key, options);
}

Result<Item> DynamoDbTable::Update(const Key& key, const table::Update& update,
                                   const WriteOptions& options) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateUpdate(key, update));
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
  dynamodb::UpdateItemRequest r;
  r.table_name = table_name_;
  r.key = KeyItem(key);
  ExpressionBuilder b;
  r.update_expression = b.Update(update);
  r.return_values = dynamodb::ReturnValues::kAllNew;
  auto out =
      SendItemWrite(r, b, options, [&](const auto& req) { return client_->UpdateItem(req); });
  if (!out.ok()) return WriteFailure(out.error(), "update", key, options);
  // ALL_NEW always returns the item (at least its key) after an update.
  return out->attributes ? std::move(*out->attributes) : KeyItem(key);
}

Status DynamoDbTable::Delete(const Key& key, const WriteOptions& options) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKey(key));
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateWriteOptions(options));
  dynamodb::DeleteItemRequest r;
  r.table_name = table_name_;
  r.key = KeyItem(key);
  ExpressionBuilder b;
  auto out =
      SendItemWrite(r, b, options, [&](const auto& req) { return client_->DeleteItem(req); });
  if (out.ok()) return Status::OK();
  return WriteFailure(out.error(), "delete", key, options);
}

Result<dynamodb::TransactWriteItem> DynamoDbTable::TransactItem(const WriteOp& op, bool want_old) {
  ExpressionBuilder b;
  auto condition = [&](const std::optional<Condition>& c) -> std::optional<std::string> {
    if (!c) return std::nullopt;
    return b.Condition(*c);
  };
  // The members every transact item shares, once its expressions are rendered into `b`.
  auto finish = [&](auto t) {
    t.table_name = table_name_;
    t.expression_attributes = b.Take();
    t.return_old_item_on_condition_failure = want_old;
    return dynamodb::TransactWriteItem(std::move(t));
  };
  if (const auto* put = std::get_if<PutOp>(&op)) {
    dynamodb::TransactPut t;
    t.item = put->item;
    t.condition_expression = condition(put->condition);
    return finish(std::move(t));
  }
  if (const auto* u = std::get_if<UpdateOp>(&op)) {
    // Never empty here: internal::ValidateTransaction rejects updates without actions.
    dynamodb::TransactUpdate t;
    t.key = KeyItem(u->key);
    t.update_expression = b.Update(u->update);
    t.condition_expression = condition(u->condition);
    return finish(std::move(t));
  }
  if (const auto* d = std::get_if<DeleteOp>(&op)) {
    dynamodb::TransactDelete t;
    t.key = KeyItem(d->key);
    t.condition_expression = condition(d->condition);
    return finish(std::move(t));
  }
  const auto& check = std::get<ConditionCheckOp>(op);
  dynamodb::TransactConditionCheck t;
  t.key = KeyItem(check.key);
  t.condition_expression = b.Condition(check.condition);
  return finish(std::move(t));
}

Status DynamoDbTable::TransactWrite(std::span<const WriteOp> ops, TransactionFailure* failure) {
  if (failure) *failure = TransactionFailure{};
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateTransaction(ops));
  dynamodb::TransactWriteItemsRequest r;
  r.transact_items.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto item = TransactItem(ops[i], failure != nullptr);
    if (!item.ok()) return item.status().WithContext("transaction op " + std::to_string(i));
    r.transact_items.push_back(std::move(item).value());
  }
  r.return_consumed_capacity = capacity_;
  auto out = CountedWrite([&] { return client_->TransactWriteItems(r); });
  if (out.ok()) return Status::OK();
  return internal::MapTransactionError(out.error(), ops, failure);
}

Result<std::vector<std::optional<Item>>> DynamoDbTable::BatchGet(std::span<const Key> keys) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
  std::vector<std::optional<Item>> out(keys.size());
  if (keys.empty()) return out;
  // BatchGetItem rejects duplicate keys: send each key once.
  std::map<std::pair<std::string, std::string>, std::optional<Item>> found;
  dynamodb::BatchGetItemRequest r;
  dynamodb::KeysAndAttributes& request = r.request_items[table_name_];
  request.consistent_read = true;
  for (const Key& key : keys) {
    if (found.try_emplace({key.pk, key.sk}).second) request.keys.push_back(KeyItem(key));
  }
  r.return_consumed_capacity = capacity_;
  auto response = [&] {
    Counted counted(this, &counters_.reads);
    return client_->BatchGetItem(r);
  }();
  if (!response.ok()) {
    return internal::MapClientError(response.error(),
                                    "batch get of " + std::to_string(keys.size()) + " keys");
  }
  TimePoint now = clock_->Now();
  auto it = response->responses.find(table_name_);
  if (it != response->responses.end()) {
    for (Item& item : it->second) {
      DYNAFLOW_ASSIGN_OR_RETURN(std::string pk, StringAttribute(item, kPk));
      DYNAFLOW_ASSIGN_OR_RETURN(std::string sk, StringAttribute(item, kSk));
      auto slot = found.find({pk, sk});
      if (slot != found.end() && !internal::IsExpired(item, now)) slot->second = std::move(item);
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) out[i] = found.at({keys[i].pk, keys[i].sk});
  return out;
}

Status DynamoDbTable::BatchDelete(std::span<const Key> keys) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateKeys(keys));
  if (keys.empty()) return Status::OK();
  // BatchWriteItem rejects two requests on one key: send each key once.
  std::map<std::pair<std::string, std::string>, bool> seen;
  dynamodb::BatchWriteItemRequest r;
  auto& writes = r.request_items[table_name_];
  for (const Key& key : keys) {
    if (!seen.try_emplace({key.pk, key.sk}, true).second) continue;
    dynamodb::WriteRequest w;
    w.delete_key = KeyItem(key);
    writes.push_back(std::move(w));
  }
  r.return_consumed_capacity = capacity_;
  auto out = CountedWrite([&] { return client_->BatchWriteItem(r); });
  if (out.ok()) return Status::OK();
  return internal::MapClientError(out.error(),
                                  "batch delete of " + std::to_string(keys.size()) + " keys");
}

Result<std::string> DynamoDbTable::Cursor(const internal::CursorBinding& binding,
                                          const QueryRequest& request,
                                          const Item& item_or_key) const {
  internal::CursorPosition pos;
  DYNAFLOW_ASSIGN_OR_RETURN(pos.last.pk, StringAttribute(item_or_key, kPk));
  DYNAFLOW_ASSIGN_OR_RETURN(pos.last.sk, StringAttribute(item_or_key, kSk));
  if (request.index != Index::kPrimary) {
    DYNAFLOW_ASSIGN_OR_RETURN(pos.index_sk,
                              StringAttribute(item_or_key, IndexSortAttribute(request.index)));
  }
  return signer_.Encode(binding, pos);
}

Result<QueryPage> DynamoDbTable::Query(const QueryRequest& request) {
  DYNAFLOW_RETURN_IF_ERROR(internal::ValidateQuery(request));
  internal::CursorBinding binding = internal::CursorBinding::For(name_, request);
  dynamodb::QueryRequest q;
  if (!request.cursor.empty()) {
    DYNAFLOW_ASSIGN_OR_RETURN(internal::CursorPosition pos,
                              signer_.Decode(binding, request.cursor));
    Item start = KeyItem(pos.last);
    if (request.index != Index::kPrimary) {
      start[std::string(IndexPartitionAttribute(request.index))] = V::S(request.partition);
      start[std::string(IndexSortAttribute(request.index))] = V::S(pos.index_sk);
    }
    q.exclusive_start_key = std::move(start);
  }
  const TimePoint now = clock_->Now();
  q.table_name = table_name_;
  if (request.index == Index::kGsi1) q.index_name = kGsi1Name;
  if (request.index == Index::kGsi2) q.index_name = kGsi2Name;
  ExpressionBuilder b;
  q.key_condition_expression = b.KeyCondition(request.index, request.partition, request.sort);
  if (filter_expired_) q.filter_expression = b.NotExpired(ToUnixSeconds(now));
  q.expression_attributes = b.Take();
  q.scan_index_forward = request.forward;
  q.limit = request.limit + 1;  // one more than the page: tells whether another page exists
  q.consistent_read = request.consistent;
  q.return_consumed_capacity = capacity_;
  ++counters_.queries;
  auto response = [&] {
    Counted counted(this, nullptr);
    return client_->Query(q);
  }();
  if (!response.ok()) {
    return internal::MapClientError(
        response.error(),
        "query of " + std::string(IndexName(request.index)) + " partition " + request.partition);
  }

  internal::PageAssembler page(request.limit, now);
  const Item* last = nullptr;
  bool cut = false;  // an item after `last` did not fit: the next page starts after `last`
  for (const Item& item : response->items) {
    auto verdict = page.Offer(item);
    if (verdict == internal::PageAssembler::Verdict::kFull) {
      cut = true;
      break;
    }
    if (verdict == internal::PageAssembler::Verdict::kTaken) last = &item;
  }
  QueryPage out;
  if (cut && last != nullptr) {
    DYNAFLOW_ASSIGN_OR_RETURN(out.next_cursor, Cursor(binding, request, *last));
  } else if (response->last_evaluated_key) {
    DYNAFLOW_ASSIGN_OR_RETURN(out.next_cursor,
                              Cursor(binding, request, *response->last_evaluated_key));
  }
  out.items = page.TakeItems();
  return out;
}

}  // namespace

Result<std::unique_ptr<Table>> OpenDynamoDbTable(std::shared_ptr<dynamodb::Client> client,
                                                 std::string table_name,
                                                 const DynamoDbTableOptions& options) {
  if (client == nullptr) return Status::InvalidArgument("OpenDynamoDbTable: null client");
  if (table_name.empty()) return Status::InvalidArgument("OpenDynamoDbTable: empty table name");
  if (options.verify_layout) {
    VerifyOptions verify;
    verify.check_ttl = false;
    DYNAFLOW_RETURN_IF_ERROR(VerifySeedTable(*client, table_name, verify));
  }
  return std::unique_ptr<Table>(
      std::make_unique<DynamoDbTable>(std::move(client), std::move(table_name), options));
}

}  // namespace dynaflow::table
