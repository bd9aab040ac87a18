// Mapping of DynamoDB client errors to Table statuses, including cancellation reasons that
// DynamoDB Local cannot be made to produce on demand (throttling, validation, mixed reasons).
#include "dynaflow/store/table/internal/dynamodb_errors.h"

#include <gtest/gtest.h>

#include "tests/support/table_conformance.h"

namespace dynaflow::table::internal {
namespace {

using V = AttributeValue;

dynamodb::Error Canceled(std::vector<dynamodb::CancellationReason> reasons) {
  dynamodb::Error e;
  e.type = "TransactionCanceledException";
  e.http_status = 400;
  e.message = "Transaction cancelled, please refer cancellation reasons for specific reasons";
  e.cancellation_reasons = std::move(reasons);
  return e;
}

std::vector<WriteOp> ThreeOps() {
  Item item{{kPk, V::S("P")}, {kSk, V::S("A")}};
  Update u;
  u.Add("n", 1);
  return {PutOp{item, std::nullopt}, UpdateOp{{"P", "B"}, u, Condition::Eq("n", V::N("1"))},
          ConditionCheckOp{{"P", "C"}, Condition::Exists(kPk)}};
}

TEST(DynamoDbErrorsTest, FirstConditionalCheckFailedWinsOverOtherReasons) {
  Item old{{kPk, V::S("P")}, {kSk, V::S("B")}, {"n", V::N("7")}};
  auto ops = ThreeOps();
  TransactionFailure failure;
  Status s = MapTransactionError(Canceled({{"TransactionConflict", "conflict", std::nullopt},
                                           {"ConditionalCheckFailed", "failed", old},
                                           {"ConditionalCheckFailed", "failed", std::nullopt}}),
                                 ops, &failure);
  EXPECT_ERROR(s, StatusCode::kConditionFailed,
               "transaction op 1: condition failed for item P/B: n = N:1");
  EXPECT_EQ(failure.failed_index, 1);
  EXPECT_EQ(failure.old_item, std::optional<Item>(old));

  failure = {};
  s = MapTransactionError(Canceled({{"None", "", std::nullopt},
                                    {"None", "", std::nullopt},
                                    {"ConditionalCheckFailed", "failed", std::nullopt}}),
                          ops, &failure);
  EXPECT_EQ(s.message(), "transaction op 2: condition failed for item P/C: attribute_exists(PK)");
  EXPECT_EQ(failure.failed_index, 2);
  EXPECT_EQ(failure.old_item, std::nullopt);
  EXPECT_TRUE(
      MapTransactionError(Canceled({{"ConditionalCheckFailed", "", std::nullopt}}), ops, nullptr)
          .Is(StatusCode::kConditionFailed))
      << "a null failure pointer is allowed";
}

TEST(DynamoDbErrorsTest, ConflictsAreRetryableCancellations) {
  auto ops = ThreeOps();
  TransactionFailure failure;
  Status s = MapTransactionError(
      Canceled({{"None", "", std::nullopt}, {"TransactionConflict", "c", std::nullopt}}), ops,
      &failure);
  EXPECT_EQ(s.code(), StatusCode::kTransactionCanceled);
  EXPECT_NE(s.message().find("retryable"), std::string::npos) << s;
  EXPECT_NE(s.message().find("1=TransactionConflict"), std::string::npos) << s;
  EXPECT_EQ(failure.failed_index, -1);
}

TEST(DynamoDbErrorsTest, ValidationAndThrottlingReasons) {
  auto ops = ThreeOps();
  Status s = MapTransactionError(
      Canceled({{"None", "", std::nullopt},
                {"ValidationError", "Item size to update has exceeded the maximum allowed size",
                 std::nullopt}}),
      ops, nullptr);
  EXPECT_ERROR(s, StatusCode::kLimitExceeded,
               "transaction op 1: the item would exceed 409600 bytes (400 KB); Item size to update "
               "has exceeded the maximum allowed size");
  s = MapTransactionError(Canceled({{"ValidationError",
                                     "An operand in the update expression has an incorrect data "
                                     "type",
                                     std::nullopt}}),
                          ops, nullptr);
  EXPECT_ERROR(s, StatusCode::kInvalidArgument,
               "transaction op 0: An operand in the update expression has an incorrect data type");
  s = MapTransactionError(
      Canceled(
          {{"None", "", std::nullopt}, {"None", "", std::nullopt}, {"ThrottlingError", "", {}}}),
      ops, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kThrottled);
  EXPECT_EQ(s.message().rfind("transaction op 2: ", 0), 0u) << s;
  s = MapTransactionError(Canceled({{"None", "", std::nullopt}}), ops, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kTransactionCanceled) << "no reason explains it";
}

TEST(DynamoDbErrorsTest, OtherErrors) {
  dynamodb::Error size;
  size.type = "ValidationException";
  size.http_status = 400;
  size.message = "Item size has exceeded the maximum allowed size";
  Status s = MapClientError(size, "put of P/A");
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(s.message().rfind("put of P/A: the item would exceed 409600 bytes (400 KB); ", 0), 0u)
      << s;

  dynamodb::Error type = size;
  type.message = "An operand in the update expression has an incorrect data type";
  EXPECT_EQ(MapClientError(type, "update of P/A").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MapClientError(type, "update of P/A").message(),
            "update of P/A: ValidationException (HTTP 400): An operand in the update expression "
            "has an incorrect data type");

  dynamodb::Error throttled;
  throttled.type = "ProvisionedThroughputExceededException";
  throttled.http_status = 400;
  EXPECT_EQ(MapClientError(throttled, "get").code(), StatusCode::kThrottled);
  auto ops = ThreeOps();
  EXPECT_EQ(MapTransactionError(throttled, ops, nullptr).code(), StatusCode::kThrottled);
  dynamodb::Error network;
  network.type = dynamodb::kNetworkError;
  EXPECT_EQ(MapTransactionError(network, ops, nullptr).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace dynaflow::table::internal
