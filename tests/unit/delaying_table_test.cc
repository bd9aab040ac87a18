// DelayingTable and DelayingTransport (simulated round trips): which requests wait, how long they
// are asked to wait (a FakeClock records every sleep), and that the jitter sequence is the
// seed's.
#include "dynaflow/store/table/delaying_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "dynaflow/store/table/memory_table.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fault_transport.h"

namespace dynaflow {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

Item KeyItem(const std::string& pk, const std::string& sk) {
  Item item;
  item[table::kPk] = AttributeValue::S(pk);
  item[table::kSk] = AttributeValue::S(sk);
  return item;
}

TEST(DelayingTableTest, EveryCallWaitsOneRoundTripBeforeTheInnerTable) {
  test::FakeClock clock;
  auto inner = std::shared_ptr<table::Table>(table::NewMemoryTable());
  table::DelayingTable delayed(inner, {.rtt = microseconds(5000), .clock = &clock});

  ASSERT_TRUE(delayed.Put(KeyItem("p", "a")).ok());
  ASSERT_TRUE(delayed.Get({"p", "a"}).ok());
  table::Update update;
  update.Set("n", AttributeValue::N("1"));
  ASSERT_TRUE(delayed.Update({"p", "a"}, update).ok());
  std::vector<table::Key> keys = {{"p", "a"}, {"p", "b"}};
  ASSERT_TRUE(delayed.BatchGet(keys).ok());
  table::QueryRequest query;
  query.partition = "p";
  ASSERT_TRUE(delayed.Query(query).ok());
  std::vector<table::WriteOp> ops = {table::PutOp{KeyItem("p", "c")}};
  ASSERT_TRUE(delayed.TransactWrite(ops).ok());
  ASSERT_TRUE(delayed.Delete({"p", "c"}).ok());
  ASSERT_TRUE(delayed.BatchDelete(keys).ok());

  EXPECT_EQ(delayed.latency().delayed(), 8);
  EXPECT_EQ(delayed.latency().total_delay(), microseconds(8 * 5000));
  std::vector<nanoseconds> expected(8, microseconds(5000));
  EXPECT_EQ(clock.sleeps(), expected);
  // The calls reached the inner table, each once.
  EXPECT_EQ(delayed.stats().requests, inner->stats().requests);
  EXPECT_EQ(inner->stats().writes, 5);
  EXPECT_FALSE(inner->Get({"p", "a"}).ok());  // batch-deleted
}

TEST(DelayingTableTest, JitterIsBoundedAndTheSeedsSequence) {
  auto sleeps_with_seed = [](uint64_t seed) {
    test::FakeClock clock;
    table::DelayingTable delayed(
        std::shared_ptr<table::Table>(table::NewMemoryTable()),
        {.rtt = microseconds(2000), .jitter = microseconds(1000), .seed = seed, .clock = &clock});
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(delayed.Get({"p", std::to_string(i)}).ok());
    EXPECT_EQ(delayed.latency().delayed(), 50);
    return clock.sleeps();
  };
  const std::vector<nanoseconds> a = sleeps_with_seed(7);
  ASSERT_EQ(a.size(), 50u);
  bool varies = false;
  for (nanoseconds d : a) {
    EXPECT_GE(d, microseconds(2000));
    EXPECT_LT(d, microseconds(3000));
    varies = varies || d != a.front();
  }
  EXPECT_TRUE(varies);
  EXPECT_EQ(sleeps_with_seed(7), a);
  EXPECT_NE(sleeps_with_seed(8), a);
}

TEST(DelayingTableTest, ZeroRttNeverSleeps) {
  test::FakeClock clock;
  table::DelayingTable delayed(std::shared_ptr<table::Table>(table::NewMemoryTable()),
                               {.rtt = microseconds(0), .clock = &clock});
  ASSERT_TRUE(delayed.Put(KeyItem("p", "a")).ok());
  EXPECT_EQ(delayed.latency().delayed(), 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(DelayingTableTest, ConcurrentCallsAreEachDelayedOnce) {
  test::FakeClock clock;
  table::DelayingTable delayed(std::shared_ptr<table::Table>(table::NewMemoryTable()),
                               {.rtt = microseconds(100), .clock = &clock});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_TRUE(delayed.Put(KeyItem("p", std::to_string(t * 100 + i))).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(delayed.latency().delayed(), 100);
  EXPECT_EQ(clock.sleeps().size(), 100u);
  EXPECT_EQ(delayed.stats().writes, 100);
}

TEST(DelayingTransportTest, EveryHttpRequestWaitsBeforeItIsSent) {
  test::FakeClock clock;
  auto target = std::make_shared<test::FaultTransport>();
  target->PushResponses(3, 200, "{}");
  dynamodb::DelayingTransport transport(target, {.rtt = microseconds(10000), .clock = &clock});
  dynamodb::HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:1/";
  for (int i = 0; i < 3; ++i) {
    auto r = transport.Send(request, {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(target->request_count(), 3u);
  EXPECT_EQ(transport.latency().delayed(), 3);
  EXPECT_EQ(clock.total_slept(), microseconds(30000));
}

}  // namespace
}  // namespace dynaflow
