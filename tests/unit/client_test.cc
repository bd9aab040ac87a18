// Client behaviour with a scripted transport and a fake clock: retries, backoff, quota,
// timeouts, malformed bodies, CRC checks, batch re-sends, transaction tokens, counters.
#include "dynaflow/store/dynamodb/client/client.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/fault_transport.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::dynamodb {
namespace {

using test::FakeClock;
using test::FakeRandom;
using test::FaultTransport;

const char kGetItemBody[] = R"({"Item":{"PK":{"S":"RUN#1"},"SK":{"S":"RUN#1"},"v":{"N":"3"}}})";

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<Client> MakeClient(RetryOptions retry = {}) {
    ClientOptions o;
    o.region = "eu-central-1";
    o.endpoint = "http://127.0.0.1:1";
    o.credentials = std::make_shared<StaticCredentialsProvider>(
        Credentials{"AKIDEXAMPLE", "secret-never-printed", "", std::nullopt});
    o.transport = transport_;
    o.clock = &clock_;
    o.random = &random_;
    o.retry = retry;
    return Client::Create(std::move(o)).value();
  }
  GetItemRequest Get() {
    GetItemRequest r;
    r.table_name = "t";
    r.key = {{"PK", AttributeValue::S("RUN#1")}, {"SK", AttributeValue::S("RUN#1")}};
    return r;
  }

  std::shared_ptr<FaultTransport> transport_ = std::make_shared<FaultTransport>();
  FakeClock clock_;
  FakeRandom random_{0.999};
};

TEST_F(ClientTest, SignsAndTargetsTheOperation) {
  auto client = MakeClient();
  transport_->PushResponse(200, kGetItemBody);
  auto r = client->GetItem(Get());
  ASSERT_OK(r);
  ASSERT_TRUE(r->item.has_value());
  EXPECT_EQ(*r->item->at("v").AsN(), "3");
  auto req = transport_->last_request();
  EXPECT_EQ(*FindHeader(req.headers, "x-amz-target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(*FindHeader(req.headers, "content-type"), "application/x-amz-json-1.0");
  const std::string* auth = FindHeader(req.headers, "authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_NE(auth->find("SignedHeaders=content-type;host;x-amz-date;x-amz-target"),
            std::string::npos);
  EXPECT_NE(auth->find("/eu-central-1/dynamodb/aws4_request"), std::string::npos);
  EXPECT_EQ(req.url, "http://127.0.0.1:1/");
  EXPECT_EQ(client->counters().Get("GetItem").attempts, 1);
}

TEST_F(ClientTest, RetriesThrottlingThenSucceeds) {
  auto client = MakeClient();
  transport_->PushResponse(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
               "message":"slow down"})");
  transport_->PushResponse(500, R"({"__type":"InternalServerError"})");
  transport_->PushResponse(200, kGetItemBody);
  auto r = client->GetItem(Get());
  ASSERT_OK(r);
  EXPECT_EQ(transport_->request_count(), 3u);
  auto stats = client->counters().Get("GetItem");
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.errors, 0);
  ASSERT_EQ(clock_.sleeps().size(), 2u);
  // Full jitter with random ~1: throttling base 500 ms, then transient base 25 ms * 2.
  EXPECT_LE(clock_.sleeps()[0], std::chrono::milliseconds(500));
  EXPECT_GE(clock_.sleeps()[0], std::chrono::milliseconds(490));
  EXPECT_LE(clock_.sleeps()[1], std::chrono::milliseconds(50));
}

TEST_F(ClientTest, DoesNotRetryConditionalCheckFailedAndKeepsOldItem) {
  auto client = MakeClient();
  transport_->PushResponse(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
              "Message":"The conditional request failed",
              "Item":{"PK":{"S":"RUN#1"},"version":{"N":"7"}}})",
      {{"x-amzn-RequestId", "REQ123"}});
  PutItemRequest put;
  put.table_name = "t";
  put.item = {{"PK", AttributeValue::S("RUN#1")}};
  put.condition_expression = "attribute_not_exists(PK)";
  put.return_old_item_on_condition_failure = true;
  auto r = client->PutItem(put);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().IsConditionalCheckFailed());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().request_id, "REQ123");
  EXPECT_EQ(r.error().message, "The conditional request failed");
  ASSERT_TRUE(r.error().item.has_value());
  EXPECT_EQ(*r.error().item->at("version").AsN(), "7");
  EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kConditionFailed);
  EXPECT_EQ(transport_->request_count(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ClientTest, TransactionCanceledIsNotRetriedAndCarriesReasons) {
  auto client = MakeClient();
  transport_->PushResponse(400, R"({"__type":"TransactionCanceledException","message":"x",
      "CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",
      "Message":"The conditional request failed","Item":{"PK":{"S":"a"}}}]})");
  TransactWriteItemsRequest tx;
  tx.transact_items.push_back(TransactPut{"t", {{"PK", AttributeValue::S("a")}}, {}, {}, false});
  auto r = client->TransactWriteItems(tx);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().cancellation_reasons.size(), 2u);
  EXPECT_EQ(r.error().cancellation_reasons[1].code, "ConditionalCheckFailed");
  EXPECT_TRUE(r.error().cancellation_reasons[1].item.has_value());
  EXPECT_EQ(transport_->request_count(), 1u);
}

TEST_F(ClientTest, TransactWriteGetsAStableClientRequestTokenAcrossRetries) {
  auto client = MakeClient();
  transport_->PushConnectionError();
  transport_->PushResponse(200, "{}");
  TransactWriteItemsRequest tx;
  tx.transact_items.push_back(TransactPut{"t", {{"PK", AttributeValue::S("a")}}, {}, {}, false});
  ASSERT_OK(client->TransactWriteItems(tx));
  auto reqs = transport_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto token_of = [](const std::string& body) {
    auto pos = body.find("\"ClientRequestToken\":\"");
    return pos == std::string::npos ? std::string() : body.substr(pos + 22, 32);
  };
  EXPECT_EQ(token_of(reqs[0].request.body).size(), 32u);
  EXPECT_EQ(token_of(reqs[0].request.body), token_of(reqs[1].request.body));
}

TEST_F(ClientTest, GivesUpAfterMaxAttempts) {
  RetryOptions retry;
  retry.max_attempts = 4;
  auto client = MakeClient(retry);
  transport_->PushResponses(4, 503, R"({"__type":"ServiceUnavailable","message":"busy"})");
  auto r = client->GetItem(Get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "ServiceUnavailable");
  EXPECT_EQ(r.error().attempts, 4);
  EXPECT_EQ(transport_->request_count(), 4u);
  EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kUnavailable);
  EXPECT_EQ(client->counters().Get("GetItem").errors, 1);
}

TEST_F(ClientTest, TimeoutsAreRetriedAndReported) {
  RetryOptions retry;
  retry.max_attempts = 2;
  auto client = MakeClient(retry);
  transport_->PushTimeout();
  transport_->PushTimeout();
  auto r = client->GetItem(Get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, kTimeoutError);
  EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kTimeout);
  EXPECT_EQ(transport_->request_count(), 2u);
}

TEST_F(ClientTest, QuotaRunningDryStopsRetries) {
  RetryOptions retry;
  retry.max_attempts = 3;
  retry.quota_capacity = 10;  // two retries' worth
  auto client = MakeClient(retry);
  transport_->PushResponses(10, 500, R"({"__type":"InternalServerError"})");
  auto first = client->GetItem(Get());  // 3 attempts, 2 retries: quota 10 -> 0
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(transport_->request_count(), 3u);
  auto second = client->GetItem(Get());  // quota dry: one attempt only
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(transport_->request_count(), 4u);
  EXPECT_NE(second.error().message.find("quota"), std::string::npos) << second.error().ToString();
}

TEST_F(ClientTest, MalformedAndTruncatedBodiesAreSerializationErrors) {
  auto client = MakeClient();
  const std::string body = kGetItemBody;
  for (size_t keep : {size_t{0}, size_t{1}, body.size() / 2, body.size() - 1}) {
    transport_->PushTruncatedBody(200, body, keep);
    auto r = client->GetItem(Get());
    ASSERT_FALSE(r.ok()) << "kept " << keep;
    EXPECT_EQ(r.error().type, kSerializationError);
    EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kSerialization);
    EXPECT_FALSE(r.error().message.empty());
  }
  transport_->PushResponse(200, R"({"Item":{"v":{"N":"not-a-number"}}})");
  auto bad = client->GetItem(Get());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("Item.v"), std::string::npos) << bad.error().message;
}

TEST_F(ClientTest, Crc32MismatchIsRetriedAndMatchPasses) {
  auto client = MakeClient();
  transport_->PushResponse(200, kGetItemBody, {{"x-amz-crc32", "1"}});
  transport_->PushResponse(200, kGetItemBody);
  ASSERT_OK(client->GetItem(Get()));
  EXPECT_EQ(transport_->request_count(), 2u);
}

TEST_F(ClientTest, BatchWriteSplitsInto25sAndResendsUnprocessed) {
  auto client = MakeClient();
  BatchWriteItemRequest req;
  for (int i = 0; i < 60; ++i) {
    WriteRequest w;
    w.put_item = Item{{"PK", AttributeValue::S("p" + std::to_string(i))}};
    req.request_items["t"].push_back(w);
  }
  // Chunk 1 leaves 2 unprocessed; chunks 2 and 3 succeed; the re-send of the 2 succeeds.
  transport_->PushResponse(200, R"({"UnprocessedItems":{"t":[
      {"PutRequest":{"Item":{"PK":{"S":"p0"}}}},{"PutRequest":{"Item":{"PK":{"S":"p1"}}}}]}})");
  transport_->PushResponse(200, R"({"UnprocessedItems":{}})");
  transport_->PushResponse(200, R"({})");
  transport_->PushResponse(200, R"({"UnprocessedItems":{}})");
  auto r = client->BatchWriteItem(req);
  ASSERT_OK(r);
  auto reqs = transport_->requests();
  ASSERT_EQ(reqs.size(), 4u);
  auto count_puts = [](const std::string& body) {
    size_t n = 0;
    for (size_t p = body.find("PutRequest"); p != std::string::npos;
         p = body.find("PutRequest", p + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count_puts(reqs[0].request.body), 25u);
  EXPECT_EQ(count_puts(reqs[1].request.body), 25u);
  EXPECT_EQ(count_puts(reqs[2].request.body), 10u);
  EXPECT_EQ(count_puts(reqs[3].request.body), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);  // one backoff before the re-send
}

TEST_F(ClientTest, BatchWriteGivesUpWhenItemsStayUnprocessed) {
  ClientOptions o;
  auto client = MakeClient();
  BatchWriteItemRequest req;
  WriteRequest w;
  w.put_item = Item{{"PK", AttributeValue::S("p")}};
  req.request_items["t"].push_back(w);
  transport_->PushResponses(
      client->options().max_unprocessed_rounds, 200,
      R"({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"PK":{"S":"p"}}}}]}})");
  auto r = client->BatchWriteItem(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, kUnprocessedError);
}

TEST_F(ClientTest, BadOptionsAreRejected) {
  ClientOptions o;
  o.endpoint = "http://127.0.0.1:1";
  auto no_region = Client::Create(o);
  ASSERT_FALSE(no_region.ok());
  EXPECT_NE(no_region.status().message().find("region"), std::string::npos);
  o.region = "us-east-1";
  o.endpoint = "127.0.0.1:8000";
  auto bad_endpoint = Client::Create(o);
  ASSERT_FALSE(bad_endpoint.ok());
  EXPECT_NE(bad_endpoint.status().message().find("127.0.0.1:8000"), std::string::npos);
}

TEST_F(ClientTest, MissingCredentialsAreAClearError) {
  ClientOptions o;
  o.region = "us-east-1";
  o.endpoint = "http://127.0.0.1:1";
  o.transport = transport_;
  o.clock = &clock_;
  o.credentials = std::make_shared<EnvironmentCredentialsProvider>(
      [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  auto client = Client::Create(std::move(o)).value();
  auto r = client->GetItem(Get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, kCredentialsError);
  EXPECT_NE(r.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << r.error().message;
  EXPECT_EQ(transport_->request_count(), 0u);
}

TEST_F(ClientTest, InvalidUtf8IsRejectedBeforeSending) {
  auto client = MakeClient();
  PutItemRequest r;
  r.table_name = "t";
  r.item = {{"PK", AttributeValue::S("RUN#1")}, {"note", AttributeValue::S("bad \xFF")}};
  auto out = client->PutItem(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().type, kInvalidRequestError);
  EXPECT_EQ(out.error().message,
            "PutItem request: Item.note.S: string is not valid UTF-8 (byte 4)");
  EXPECT_EQ(out.error().ToStatus().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_->request_count(), 0u);
  auto stats = client->counters().Get("PutItem");
  EXPECT_EQ(stats.attempts, 0);
  EXPECT_EQ(stats.errors, 1);
}

TEST_F(ClientTest, ErrorsNeverContainTheSecret) {
  auto client = MakeClient();
  transport_->PushResponse(403, R"({"__type":"InvalidSignatureException","message":"bad sig"})");
  auto r = client->GetItem(Get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString().find("secret-never-printed"), std::string::npos);
  EXPECT_EQ(r.error().ToStatus().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace dynaflow::dynamodb
