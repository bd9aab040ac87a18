// Client CPU cost of one 1 KB PutItem: serialize the request, check it is valid UTF-8, sign it,
// parse a response that carries the 1 KB item back (ReturnValues=ALL_OLD). No network.
//
// Run: cmake --build build/bench --target client_bench && build/bench/bench/client_bench
#include <benchmark/benchmark.h>

#include "dynaflow/store/dynamodb/client/sigv4.h"
#include "dynaflow/store/dynamodb/client/wire.h"

namespace dynaflow::dynamodb {
namespace {

using V = AttributeValue;

PutItemRequest OneKilobytePut() {
  PutItemRequest put;
  put.table_name = "workflow_executions";
  put.item = {{"PK", V::S("RUN#0192f0c4-7a8e-7cc1-b1f1-6f6f0a1d2e3f")},
              {"SK", V::S("STEP#charge-payment")},
              {"status", V::S("COMPLETED")},
              {"attempt", V::N(int64_t{1})},
              {"startedAt", V::N(int64_t{1732190000123})},
              {"finishedAt", V::N(int64_t{1732190000456})},
              {"epoch", V::N(int64_t{3})},
              {"output", V::S(std::string(760, 'x'))},
              {"tags", V::M({{"tenant", V::S("acme")}, {"region", V::S("eu")}})},
              {"flags", V::SS({"a", "b", "c"})}};
  put.condition_expression = "attribute_not_exists(PK)";
  put.return_values = ReturnValues::kAllOld;
  return put;
}

const Credentials kCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "",
                               std::nullopt};

HttpRequest MakeHttp(std::string body) {
  HttpRequest req;
  req.url = "https://dynamodb.eu-central-1.amazonaws.com/";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                 {"X-Amz-Target", "DynamoDB_20120810.PutItem"}};
  req.body = std::move(body);
  return req;
}

std::string ResponseBody(const PutItemRequest& put) {
  return "{\"Attributes\":" + ItemToJson(put.item) + "}";
}

void BM_SerializePutItem(benchmark::State& state) {
  PutItemRequest put = OneKilobytePut();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = ToJson(put);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_SerializePutItem);

void BM_SignPutItem(benchmark::State& state) {
  std::string body = ToJson(OneKilobytePut());
  SigningKeyCache cache;
  TimePoint now = FromUnixMillis(1732190000000);
  for (auto _ : state) {
    HttpRequest req = MakeHttp(body);
    Status s = SignDynamoDbRequest(req, kCredentials, "eu-central-1", now, &cache);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SignPutItem);

void BM_ParsePutItemResponse(benchmark::State& state) {
  std::string response = ResponseBody(OneKilobytePut());
  for (auto _ : state) {
    PutItemResponse out;
    Status s = ParseResponse(response, &out);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out);
  }
  state.counters["response_bytes"] = static_cast<double>(response.size());
}
BENCHMARK(BM_ParsePutItemResponse);

void BM_CheckPutItemUtf8(benchmark::State& state) {
  std::string body = ToJson(OneKilobytePut());
  for (auto _ : state) {
    Status s = CheckRequestUtf8("PutItem", body);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_CheckPutItemUtf8);

// The whole client-side CPU path of one PutItem (as Client::Call runs it): serialize + UTF-8
// check + sign + parse.
void BM_SignSerializeParsePutItem(benchmark::State& state) {
  PutItemRequest put = OneKilobytePut();
  std::string response = ResponseBody(put);
  SigningKeyCache cache;
  TimePoint now = FromUnixMillis(1732190000000);
  for (auto _ : state) {
    HttpRequest req = MakeHttp(ToJson(put));
    Status u = CheckRequestUtf8("PutItem", req.body);
    benchmark::DoNotOptimize(u);
    Status s = SignDynamoDbRequest(req, kCredentials, "eu-central-1", now, &cache);
    PutItemResponse out;
    Status p = ParseResponse(response, &out);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_SignSerializeParsePutItem);

}  // namespace
}  // namespace dynaflow::dynamodb

BENCHMARK_MAIN();
