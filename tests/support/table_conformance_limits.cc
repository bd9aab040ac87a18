// Conformance suite, part 3: DynamoDB's limits and concurrent conditional writers.
// See table_conformance.h.
#include <atomic>
#include <functional>
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"

namespace dynaflow::test {

using table::Condition;
using table::WriteOptions;
using V = AttributeValue;

namespace {

// An item of exactly `size` bytes (as DynamoDB counts): keys plus one string attribute "data".
Item ItemOfSize(const std::string& pk, const std::string& sk, size_t size) {
  size_t fixed = 2 + pk.size() + 2 + sk.size() + 4;
  Item item{{table::kPk, V::S(pk)}, {table::kSk, V::S(sk)}};
  item["data"] = V::S(std::string(size - fixed, 'x'));
  return item;
}

// How `threads` concurrent calls of write(t), t = 0..threads-1, ended: OK, ConditionFailed, or
// any other status.
struct RaceOutcome {
  int wins = 0;
  int losses = 0;
  int errors = 0;
};
RaceOutcome Race(int threads, const std::function<Status(int)>& write) {
  std::atomic<int> wins{0}, losses{0}, errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Status s = write(t);
      if (s.ok()) {
        ++wins;
      } else if (s.Is(StatusCode::kConditionFailed)) {
        ++losses;
      } else {
        ++errors;
      }
    });
  }
  for (auto& th : pool) th.join();
  return {wins.load(), losses.load(), errors.load()};
}

}  // namespace

TEST_P(TableConformanceTest, ItemSizeLimit) {
  std::string p = Partition("size");
  Item exact = ItemOfSize(p, "exact", table::kMaxItemBytes);
  ASSERT_EQ(ItemSizeBytes(exact), 409600u);
  Status s = table_->Put(exact);
  EXPECT_OK(s) << "exactly 400 KB is allowed";
  EXPECT_EQ(table_->Get({p, "exact"}).value(), exact);

  Item over = ItemOfSize(p, "over", table::kMaxItemBytes + 1);
  s = table_->Put(over);
  EXPECT_STATUS(s, StatusCode::kLimitExceeded) << s;
  EXPECT_NE(s.message().find("409601"), std::string::npos) << s;
  EXPECT_STATUS(table_->Get({p, "over"}).status(), StatusCode::kNotFound);

  // An update that would grow the stored item past the limit is rejected and changes nothing.
  table::Update grow;
  grow.Set("more", V::S("12345"));
  EXPECT_STATUS(table_->Update({p, "exact"}, grow).status(), StatusCode::kLimitExceeded);
  EXPECT_EQ(table_->Get({p, "exact"}).value(), exact);

  std::vector<table::WriteOp> tx = {table::PutOp{over}};
  EXPECT_STATUS(table_->TransactWrite(tx), StatusCode::kLimitExceeded);
}

TEST_P(TableConformanceTest, KeySizeLimits) {
  std::string p = Partition("keys");
  std::string long_pk = p + std::string(table::kMaxPartitionKeyBytes - p.size(), 'k');
  EXPECT_OK(table_->Put(MakeItem(long_pk, "a"))) << "2048-byte partition key";
  EXPECT_OK(table_->Get({long_pk, "a"}));
  EXPECT_STATUS(table_->Put(MakeItem(long_pk + "k", "a")), StatusCode::kLimitExceeded);
  EXPECT_STATUS(table_->Get({long_pk + "k", "a"}).status(), StatusCode::kLimitExceeded);

  std::string long_sk(table::kMaxSortKeyBytes, 's');
  EXPECT_OK(table_->Put(MakeItem(p, long_sk))) << "1024-byte sort key";
  EXPECT_STATUS(table_->Put(MakeItem(p, long_sk + "s")), StatusCode::kLimitExceeded);
  EXPECT_STATUS(table_->Delete({p, long_sk + "s"}), StatusCode::kLimitExceeded);

  EXPECT_STATUS(table_->Put(MakeItem(
                    p, "g", {{table::kGsi1Pk, V::S(long_pk + "k")}, {table::kGsi1Sk, V::S("x")}})),
                StatusCode::kLimitExceeded);
  EXPECT_STATUS(table_->Put(MakeItem(
                    p, "g", {{table::kGsi2Pk, V::S(p)}, {table::kGsi2Sk, V::S(long_sk + "s")}})),
                StatusCode::kLimitExceeded);
  table::QueryRequest q;
  q.partition = long_pk + "k";
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kLimitExceeded);
}

TEST_P(TableConformanceTest, TransactionSizeLimit) {
  std::string p = Partition("txsize");
  std::vector<table::WriteOp> ops;
  for (int i = 0; i < 11; ++i) {  // 11 x 390 KB > 4 MB
    ops.push_back(table::PutOp{ItemOfSize(p, "I" + std::to_string(i), 390 * 1024)});
  }
  Status s = table_->TransactWrite(ops);
  EXPECT_STATUS(s, StatusCode::kLimitExceeded) << s;
  EXPECT_STATUS(table_->Get({p, "I0"}).status(), StatusCode::kNotFound);
  ops.resize(10);  // 3.8 MB
  s = table_->TransactWrite(ops);
  EXPECT_OK(s);
}

TEST_P(TableConformanceTest, PagesNeverExceedOneMegabyte) {
  std::string p = Partition("bigpage");
  for (int i = 0; i < 30; ++i) {
    char sk[16];
    std::snprintf(sk, sizeof(sk), "I%02d", i);
    ASSERT_OK(table_->Put(ItemOfSize(p, sk, 100 * 1024)));
  }
  for (bool forward : {true, false}) {
    table::QueryRequest q;
    q.partition = p;
    q.forward = forward;
    q.limit = 100;
    int pages = 0;
    std::vector<Item> all = QueryAll(q, &pages);  // checks every page is <= 1 MB
    ASSERT_EQ(all.size(), 30u);
    EXPECT_GE(pages, 3) << "30 items of 100 KB need at least 3 pages of <= 10 items";
    for (size_t i = 0; i < all.size(); ++i) {
      char sk[16];
      std::snprintf(sk, sizeof(sk), "I%02d",
                    forward ? static_cast<int>(i) : 29 - static_cast<int>(i));
      EXPECT_EQ(AttrS(all[i], table::kSk), sk);
    }
  }
}

TEST_P(TableConformanceTest, ConcurrentCreatesExactlyOneWins) {
  std::string p = Partition("race");
  constexpr int kThreads = 8;
  const RaceOutcome race = Race(kThreads, [&](int t) {
    return table_->Put(MakeItem(p, "one", {{"writer", V::N(int64_t{t})}}),
                       When(Condition::NotExists(table::kPk)));
  });
  EXPECT_EQ(race.wins, 1);
  EXPECT_EQ(race.losses, kThreads - 1);
  EXPECT_EQ(race.errors, 0);
  EXPECT_OK(table_->Get({p, "one"}));
}

TEST_P(TableConformanceTest, ConcurrentTransactionsExactlyOneWins) {
  std::string p = Partition("txrace");
  constexpr int kThreads = 8;
  const RaceOutcome race = Race(kThreads, [&](int t) {
    std::vector<table::WriteOp> ops = {
        table::PutOp{MakeItem(p, "claim", {{"owner", V::N(int64_t{t})}}),
                     Condition::NotExists(table::kPk)},
        table::PutOp{MakeItem(p, "side#" + std::to_string(t))},
    };
    for (;;) {
      Status s = table_->TransactWrite(ops);
      if (!s.Is(StatusCode::kTransactionCanceled)) return s;  // a conflict is retried
    }
  });
  EXPECT_EQ(race.wins, 1);
  EXPECT_EQ(race.losses, kThreads - 1);
  EXPECT_EQ(race.errors, 0);
  auto claim = table_->Get({p, "claim"});
  ASSERT_OK(claim);
  // Exactly the winner's side item exists: the losers' transactions applied nothing.
  int owner = static_cast<int>(FindAttribute(*claim, "owner")->AsInt64().value());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(table_->Get({p, "side#" + std::to_string(t)}).ok(), t == owner) << t;
  }
}

TEST_P(TableConformanceTest, ConcurrentCompareAndSetCountsExactly) {
  std::string p = Partition("cas");
  ASSERT_OK(table_->Put(MakeItem(p, "counter", {{"version", V::N("0")}})));
  constexpr int kThreads = 8, kIncrements = 20;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          auto item = table_->Get({p, "counter"});
          if (!item.ok()) {
            ++errors;
            return;
          }
          int64_t v = FindAttribute(*item, "version")->AsInt64().value();
          table::Update u;
          u.Set("version", V::N(v + 1));
          auto r = table_->Update({p, "counter"}, u, When(Condition::Eq("version", V::N(v))));
          if (r.ok()) break;
          if (!r.status().Is(StatusCode::kConditionFailed)) {
            ++errors;
            return;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto item = table_->Get({p, "counter"});
  ASSERT_OK(item);
  EXPECT_EQ(*FindAttribute(*item, "version"), V::N(int64_t{kThreads * kIncrements}));
}

}  // namespace dynaflow::test
