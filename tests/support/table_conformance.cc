// Conformance suite, part 1: the fixture, single-item operations, conditions, updates,
// transactions, batches and TTL. See table_conformance.h.
#include "tests/support/table_conformance.h"

#include <cstdio>

#include "dynaflow/model/clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {

using table::Condition;
using table::Key;
using table::WriteOptions;
using V = AttributeValue;

void TableConformanceTest::SetUp() {
  table::TableOptions options;
  options.clock = &clock_;
  options.cursor_secret = "conformance-suite-secret";
  table_ = GetParam().make(options);
  if (table_ == nullptr) GTEST_SKIP() << "backend " << GetParam().name << " is not available";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "T%016llx",
                static_cast<unsigned long long>(Random::Real()->Next64()));
  run_prefix_ = buf;
}

std::string TableConformanceTest::Partition(std::string_view name) const {
  return run_prefix_ + "#" + std::string(name);
}

Item TableConformanceTest::MakeItem(const std::string& pk, const std::string& sk, Item attrs) {
  attrs[table::kPk] = V::S(pk);
  attrs[table::kSk] = V::S(sk);
  return attrs;
}

std::vector<Item> TableConformanceTest::QueryAll(table::QueryRequest request, int* pages) {
  std::vector<Item> all;
  int n = 0;
  request.cursor.clear();
  for (;;) {
    auto page = table_->Query(request);
    EXPECT_OK(page);
    if (!page.ok()) break;
    ++n;
    EXPECT_LE(static_cast<int>(page->items.size()), request.limit);
    size_t bytes = 0;
    for (const Item& item : page->items) bytes += ItemSizeBytes(item);
    EXPECT_LE(bytes, table::kMaxPageBytes);
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) break;
    // Cursors are URL-safe.
    EXPECT_EQ(page->next_cursor.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    request.cursor = page->next_cursor;
    if (n > 10000) {
      ADD_FAILURE() << "query does not terminate";
      break;
    }
  }
  if (pages) *pages = n;
  return all;
}

std::string AttrS(const Item& item, std::string_view name) {
  const V* v = FindAttribute(item, name);
  return v && v->is_s() ? *v->AsS() : "";
}

WriteOptions When(Condition c, std::optional<Item>* old) {
  WriteOptions o;
  o.condition = std::move(c);
  o.old_item_on_condition_failure = old;
  return o;
}

std::string BackendFactoryName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

// ---- Single-item operations ----------------------------------------------------------------

TEST_P(TableConformanceTest, PutGetDelete) {
  std::string p = Partition("crud");
  Item item = MakeItem(p, "A",
                       {{"s", V::S("x")},
                        {"n", V::N("42")},
                        {"b", V::B(std::string("\0\1", 2))},
                        {"m", V::M({{"k", V::L({V::Bool(true), V::Null()})}})},
                        {"ss", V::SS({"a", "b"})}});
  ASSERT_OK(table_->Put(item));
  auto got = table_->Get({p, "A"});
  ASSERT_OK(got);
  EXPECT_EQ(*got, item);

  Item replacement = MakeItem(p, "A", {{"s", V::S("y")}});
  ASSERT_OK(table_->Put(replacement));
  EXPECT_EQ(table_->Get({p, "A"}).value(), replacement);  // put replaces the whole item

  ASSERT_OK(table_->Delete({p, "A"}));
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound);
  EXPECT_OK(table_->Delete({p, "A"})) << "deleting an absent item is not an error";
  EXPECT_STATUS(table_->Get({p, "never"}).status(), StatusCode::kNotFound);
}

TEST_P(TableConformanceTest, RejectsBadItemsAndKeys) {
  std::string p = Partition("bad");
  Item no_sk{{table::kPk, V::S(p)}};
  EXPECT_STATUS(table_->Put(no_sk), StatusCode::kInvalidArgument);
  Item numeric_sk{{table::kPk, V::S(p)}, {table::kSk, V::N("1")}};
  EXPECT_STATUS(table_->Put(numeric_sk), StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Put(MakeItem(p, "")), StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Put(MakeItem(p, "A", {{table::kGsi1Pk, V::N("3")}})),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Put(MakeItem(p, "A", {{table::kGsi2Sk, V::S("")}})),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Put(MakeItem(p, "A", {{table::kTtl, V::S("tomorrow")}})),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Put(MakeItem(p, "A", {{"n", V::N("12abc")}})),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Get({p, ""}).status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound) << "nothing written";
}

// ---- Conditions ------------------------------------------------------------------------------

TEST_P(TableConformanceTest, ConditionsOfEveryKind) {
  std::string p = Partition("cond");
  const Item base = MakeItem(p, "A",
                             {{"s", V::S("m")},
                              {"n", V::N("10")},
                              {"neg", V::N("-2.5")},
                              {"b", V::B(std::string("\x01\x02", 2))},
                              {"flag", V::Bool(true)}});
  ASSERT_OK(table_->Put(base));
  struct Case {
    Condition c;
    bool expect;
  };
  const std::string b12("\x01\x02", 2), b13("\x01\x03", 2), b01("\x01", 1), b02("\x02", 1);
  std::vector<Case> cases = {
      {Condition::Exists("s"), true},
      {Condition::Exists("missing"), false},
      {Condition::NotExists("missing"), true},
      {Condition::NotExists("s"), false},
      // S: byte order.
      {Condition::Eq("s", V::S("m")), true},
      {Condition::Eq("s", V::S("n")), false},
      {Condition::Ne("s", V::S("n")), true},
      {Condition::Ne("s", V::S("m")), false},
      {Condition::Lt("s", V::S("n")), true},
      {Condition::Lt("s", V::S("m")), false},
      {Condition::Le("s", V::S("m")), true},
      {Condition::Le("s", V::S("l")), false},
      {Condition::Gt("s", V::S("l")), true},
      {Condition::Gt("s", V::S("m")), false},
      {Condition::Ge("s", V::S("m")), true},
      {Condition::Ge("s", V::S("mm")), false},
      // N: numeric order, not text order.
      {Condition::Eq("n", V::N("10")), true},
      {Condition::Eq("n", V::N("10.0")), true},
      {Condition::Eq("n", V::N("1e1")), true},
      {Condition::Eq("n", V::N("11")), false},
      {Condition::Ne("n", V::N("11")), true},
      {Condition::Gt("n", V::N("9")), true},
      {Condition::Lt("n", V::N("9")), false},
      {Condition::Lt("n", V::N("100")), true},
      {Condition::Le("n", V::N("9.99")), false},
      {Condition::Ge("n", V::N("10")), true},
      {Condition::Gt("neg", V::N("-3")), true},
      {Condition::Lt("neg", V::N("-2.4")), true},
      {Condition::Lt("neg", V::N("-2.5")), false},
      {Condition::Le("neg", V::N("-25e-1")), true},
      // B: byte order.
      {Condition::Eq("b", V::B(b12)), true},
      {Condition::Lt("b", V::B(b13)), true},
      {Condition::Gt("b", V::B(b01)), true},
      {Condition::Gt("b", V::B(b02)), false},
      {Condition::Ge("b", V::B(b12)), true},
      {Condition::Le("b", V::B(b01)), false},
      // Type mismatches: ordering is false, = is false, <> is true.
      {Condition::Lt("s", V::N("5")), false},
      {Condition::Gt("n", V::S("1")), false},
      {Condition::Eq("n", V::S("10")), false},
      {Condition::Ne("n", V::S("10")), true},
      {Condition::Eq("flag", V::Bool(true)), true},
      {Condition::Eq("flag", V::Bool(false)), false},
      // Missing attributes: comparisons false except <>.
      {Condition::Eq("missing", V::S("m")), false},
      {Condition::Ne("missing", V::S("m")), true},
      {Condition::Lt("missing", V::N("1")), false},
      {Condition::Ge("missing", V::N("1")), false},
      // begins_with.
      {Condition::BeginsWith("s", "m"), true},
      {Condition::BeginsWith("s", "mm"), false},
      {Condition::BeginsWith("s", "x"), false},
      {Condition::BeginsWith("n", "1"), false},
      {Condition::BeginsWith("missing", "m"), false},
      {Condition::BeginsWithBytes("b", b01), true},
      {Condition::BeginsWithBytes("b", b02), false},
      // Combinations.
      {Condition::Exists("s") && Condition::Eq("n", V::N("10")), true},
      {Condition::Exists("s") && Condition::Eq("n", V::N("11")), false},
      {Condition::Exists("missing") || Condition::Eq("n", V::N("10")), true},
      {Condition::Exists("missing") || Condition::Eq("n", V::N("11")), false},
      {!Condition::Exists("missing"), true},
      {!Condition::Exists("s"), false},
      {!(Condition::Eq("s", V::S("m")) && Condition::NotExists("missing")), false},
      {(Condition::NotExists("PK") || Condition::Eq("n", V::N("10"))) &&
           !Condition::BeginsWith("s", "z"),
       true},
  };
  for (const Case& tc : cases) {
    std::optional<Item> old;
    Status s = table_->Put(base, When(tc.c, &old));
    if (tc.expect) {
      EXPECT_OK(s) << tc.c.DebugString();
    } else {
      EXPECT_STATUS(s, StatusCode::kConditionFailed) << tc.c.DebugString() << ": " << s;
      EXPECT_EQ(old, std::optional<Item>(base)) << tc.c.DebugString();
    }
  }
  EXPECT_EQ(table_->Get({p, "A"}).value(), base);
}

TEST_P(TableConformanceTest, ConditionsOnAbsentItem) {
  std::string p = Partition("absent");
  Item item = MakeItem(p, "A", {{"v", V::N("1")}});
  std::optional<Item> old = Item{};  // must be reset to nullopt on failure
  EXPECT_STATUS(table_->Put(item, When(Condition::Exists(table::kPk), &old)),
                StatusCode::kConditionFailed);
  EXPECT_EQ(old, std::nullopt);
  EXPECT_STATUS(table_->Put(item, When(Condition::Eq("v", V::N("1")))),
                StatusCode::kConditionFailed);
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound);
  EXPECT_OK(table_->Put(item, When(Condition::Ne("v", V::N("1")))));
  EXPECT_OK(table_->Delete({p, "A"}));
  EXPECT_OK(table_->Put(item, When(Condition::NotExists(table::kPk))));
  // Now it exists: a second create fails and returns the stored item.
  Item other = MakeItem(p, "A", {{"v", V::N("2")}});
  EXPECT_STATUS(table_->Put(other, When(Condition::NotExists(table::kPk), &old)),
                StatusCode::kConditionFailed);
  EXPECT_EQ(old, std::optional<Item>(item));
  EXPECT_EQ(table_->Get({p, "A"}).value(), item);
}

TEST_P(TableConformanceTest, ConditionalDelete) {
  std::string p = Partition("cdel");
  Item item = MakeItem(p, "A", {{"version", V::N("3")}});
  ASSERT_OK(table_->Put(item));
  std::optional<Item> old;
  EXPECT_STATUS(table_->Delete({p, "A"}, When(Condition::Eq("version", V::N("2")), &old)),
                StatusCode::kConditionFailed);
  EXPECT_EQ(old, std::optional<Item>(item));
  EXPECT_OK(table_->Get({p, "A"}));
  EXPECT_OK(table_->Delete({p, "A"}, When(Condition::Eq("version", V::N("3")))));
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound);
  EXPECT_STATUS(table_->Delete({p, "A"}, When(Condition::Exists(table::kPk))),
                StatusCode::kConditionFailed);
}

// ---- Updates ---------------------------------------------------------------------------------

TEST_P(TableConformanceTest, UpdateSetRemoveAddReturnsAllNew) {
  std::string p = Partition("upd");
  ASSERT_OK(table_->Put(MakeItem(
      p, "A",
      {{"keep", V::S("k")}, {"gone", V::S("g")}, {"count", V::N("5")}, {"frac", V::N("1.25")}})));
  table::Update u;
  u.Set("status", V::S("DONE")).Remove("gone").Add("count", 3).Add("fresh", -2).Add("frac", 2);
  auto r = table_->Update({p, "A"}, u);
  ASSERT_OK(r);
  Item want = MakeItem(p, "A",
                       {{"keep", V::S("k")},
                        {"status", V::S("DONE")},
                        {"count", V::N("8")},
                        {"fresh", V::N("-2")},
                        {"frac", V::N("3.25")}});
  EXPECT_EQ(*r, want) << "ALL_NEW: the whole item as written";
  EXPECT_EQ(table_->Get({p, "A"}).value(), want);
}

TEST_P(TableConformanceTest, UpdateCreatesItemAndChecksConditions) {
  std::string p = Partition("updc");
  table::Update u;
  u.Set("status", V::S("NEW")).Add("version", 1);
  std::optional<Item> old = Item{};
  EXPECT_STATUS(table_->Update({p, "A"}, u, When(Condition::Exists(table::kPk), &old)).status(),
                StatusCode::kConditionFailed);
  EXPECT_EQ(old, std::nullopt);
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound) << "not created";

  auto created = table_->Update({p, "A"}, u, When(Condition::NotExists(table::kPk)));
  ASSERT_OK(created);
  Item want = MakeItem(p, "A", {{"status", V::S("NEW")}, {"version", V::N("1")}});
  EXPECT_EQ(*created, want);

  table::Update bump;
  bump.Add("version", 1);
  EXPECT_STATUS(
      table_->Update({p, "A"}, bump, When(Condition::Eq("version", V::N("7")), &old)).status(),
      StatusCode::kConditionFailed);
  EXPECT_EQ(old, std::optional<Item>(want));
  auto bumped = table_->Update({p, "A"}, bump, When(Condition::Eq("version", V::N("1"))));
  ASSERT_OK(bumped);
  EXPECT_EQ(*FindAttribute(*bumped, "version"), V::N("2"));
}

TEST_P(TableConformanceTest, UpdateRejectsKeyChangesAndBadTypes) {
  std::string p = Partition("updbad");
  ASSERT_OK(table_->Put(MakeItem(p, "A", {{"s", V::S("text")}})));
  table::Update pk;
  pk.Set(table::kPk, V::S("other"));
  EXPECT_STATUS(table_->Update({p, "A"}, pk).status(), StatusCode::kInvalidArgument);
  table::Update sk;
  sk.Remove(table::kSk);
  EXPECT_STATUS(table_->Update({p, "A"}, sk).status(), StatusCode::kInvalidArgument);
  table::Update add_to_string;
  add_to_string.Add("s", 1);
  EXPECT_STATUS(table_->Update({p, "A"}, add_to_string).status(), StatusCode::kInvalidArgument);
  table::Update gsi_number;
  gsi_number.Set(table::kGsi1Pk, V::N("1"));
  EXPECT_STATUS(table_->Update({p, "A"}, gsi_number).status(), StatusCode::kInvalidArgument);
  table::Update ttl_string;
  ttl_string.Set(table::kTtl, V::S("soon"));
  EXPECT_STATUS(table_->Update({p, "A"}, ttl_string).status(), StatusCode::kInvalidArgument);
  table::Update twice;
  twice.Set("x", V::S("1")).Remove("x");
  EXPECT_STATUS(table_->Update({p, "A"}, twice).status(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table_->Get({p, "A"}).value(), MakeItem(p, "A", {{"s", V::S("text")}}));
}

// ---- Transactions ----------------------------------------------------------------------------

TEST_P(TableConformanceTest, TransactionAppliesAll) {
  std::string p = Partition("tx");
  ASSERT_OK(table_->Put(MakeItem(p, "U", {{"n", V::N("1")}})));
  ASSERT_OK(table_->Put(MakeItem(p, "D")));
  ASSERT_OK(table_->Put(MakeItem(p, "C", {{"state", V::S("open")}})));
  table::Update u;
  u.Add("n", 10);
  std::vector<table::WriteOp> ops = {
      table::PutOp{MakeItem(p, "P", {{"x", V::S("new")}}), Condition::NotExists(table::kPk)},
      table::UpdateOp{{p, "U"}, u, Condition::Eq("n", V::N("1"))},
      table::DeleteOp{{p, "D"}, Condition::Exists(table::kPk)},
      table::ConditionCheckOp{{p, "C"}, Condition::Eq("state", V::S("open"))},
  };
  table::TransactionFailure failure;
  Status s = table_->TransactWrite(ops, &failure);
  ASSERT_OK(s);
  EXPECT_EQ(failure.failed_index, -1);
  EXPECT_EQ(table_->Get({p, "P"}).value(), MakeItem(p, "P", {{"x", V::S("new")}}));
  EXPECT_EQ(*FindAttribute(table_->Get({p, "U"}).value(), "n"), V::N("11"));
  EXPECT_STATUS(table_->Get({p, "D"}).status(), StatusCode::kNotFound);
  EXPECT_OK(table_->Get({p, "C"}));
}

TEST_P(TableConformanceTest, TransactionFailingPartWayChangesNothing) {
  std::string p = Partition("txfail");
  Item u_item = MakeItem(p, "U", {{"n", V::N("1")}});
  Item d_item = MakeItem(p, "D", {{"v", V::S("keep")}});
  ASSERT_OK(table_->Put(u_item));
  ASSERT_OK(table_->Put(d_item));
  table::Update u;
  u.Add("n", 10);
  // Op 2 fails: its condition is false for the stored item.
  std::vector<table::WriteOp> ops = {
      table::PutOp{MakeItem(p, "P"), std::nullopt},
      table::UpdateOp{{p, "U"}, u, std::nullopt},
      table::DeleteOp{{p, "D"}, Condition::Eq("v", V::S("other"))},
  };
  table::TransactionFailure failure;
  EXPECT_STATUS(table_->TransactWrite(ops, &failure), StatusCode::kConditionFailed);
  EXPECT_EQ(failure.failed_index, 2);
  EXPECT_EQ(failure.old_item, std::optional<Item>(d_item));
  EXPECT_STATUS(table_->Get({p, "P"}).status(), StatusCode::kNotFound);
  EXPECT_EQ(table_->Get({p, "U"}).value(), u_item);
  EXPECT_EQ(table_->Get({p, "D"}).value(), d_item);

  // A failing condition-check op on an absent item: old item nullopt.
  std::vector<table::WriteOp> check = {
      table::PutOp{MakeItem(p, "P"), std::nullopt},
      table::ConditionCheckOp{{p, "nothing"}, Condition::Exists(table::kPk)},
  };
  failure = {};
  EXPECT_STATUS(table_->TransactWrite(check, &failure), StatusCode::kConditionFailed);
  EXPECT_EQ(failure.failed_index, 1);
  EXPECT_EQ(failure.old_item, std::nullopt);
  EXPECT_STATUS(table_->Get({p, "P"}).status(), StatusCode::kNotFound);
}

TEST_P(TableConformanceTest, TransactionLimits) {
  std::string p = Partition("txlim");
  std::vector<table::WriteOp> ops;
  for (int i = 0; i < 101; ++i) ops.push_back(table::PutOp{MakeItem(p, "I" + std::to_string(i))});
  EXPECT_STATUS(table_->TransactWrite(ops), StatusCode::kLimitExceeded);
  EXPECT_STATUS(table_->Get({p, "I0"}).status(), StatusCode::kNotFound);
  ops.pop_back();
  Status s = table_->TransactWrite(ops);
  EXPECT_OK(s) << "100 ops are allowed";
  EXPECT_OK(table_->Get({p, "I99"}));

  std::vector<table::WriteOp> same_key = {
      table::PutOp{MakeItem(p, "X")},
      table::DeleteOp{{p, "X"}, std::nullopt},
  };
  EXPECT_STATUS(table_->TransactWrite(same_key), StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Get({p, "X"}).status(), StatusCode::kNotFound);
  EXPECT_STATUS(table_->TransactWrite({}), StatusCode::kInvalidArgument);

  // An update without actions cannot be expressed in TransactWriteItems: rejected everywhere.
  std::vector<table::WriteOp> empty_update = {
      table::PutOp{MakeItem(p, "Y")},
      table::UpdateOp{{p, "Z"}, table::Update{}, std::nullopt},
  };
  EXPECT_STATUS(table_->TransactWrite(empty_update), StatusCode::kInvalidArgument);
  EXPECT_STATUS(table_->Get({p, "Y"}).status(), StatusCode::kNotFound);
}

// ---- Batches ---------------------------------------------------------------------------------

TEST_P(TableConformanceTest, BatchGetInRequestOrder) {
  std::string p = Partition("bget");
  std::vector<Key> keys;
  for (int i = 0; i < 150; ++i) {
    std::string sk = "K" + std::to_string(i);
    if (i % 3 != 0) {
      ASSERT_OK(table_->Put(MakeItem(p, sk, {{"i", V::N(int64_t{i})}})));
    }
    keys.push_back({p, sk});
  }
  std::reverse(keys.begin(), keys.end());  // the result follows the request, not the storage
  ASSERT_OK_AND_ASSIGN(auto got, table_->BatchGet(keys));
  ASSERT_EQ(got.size(), keys.size());
  for (size_t j = 0; j < keys.size(); ++j) {
    int i = std::stoi(keys[j].sk.substr(1));
    if (i % 3 == 0) {
      EXPECT_EQ((got)[j], std::nullopt) << keys[j].sk;
    } else {
      ASSERT_TRUE((got)[j].has_value()) << keys[j].sk;
      EXPECT_EQ(*FindAttribute(*(got)[j], "i"), V::N(int64_t{i}));
    }
  }
  auto empty = table_->BatchGet({});
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_P(TableConformanceTest, BatchDelete) {
  std::string p = Partition("bdel");
  std::vector<Key> keys;
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(table_->Put(MakeItem(p, "K" + std::to_string(i))));
    if (i % 2 == 0) keys.push_back({p, "K" + std::to_string(i)});
  }
  keys.push_back({p, "absent"});
  ASSERT_OK(table_->BatchDelete(keys));
  for (int i = 0; i < 40; ++i) {
    auto got = table_->Get({p, "K" + std::to_string(i)});
    EXPECT_EQ(got.ok(), i % 2 == 1) << i;
  }
}

// ---- TTL -------------------------------------------------------------------------------------

TEST_P(TableConformanceTest, ExpiredItemsAreInvisible) {
  std::string p = Partition("ttl");
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  auto with_ttl = [&](const std::string& sk, int64_t ttl) {
    return MakeItem(
        p, sk, {{table::kTtl, V::N(ttl)}, {table::kGsi1Pk, V::S(p)}, {table::kGsi1Sk, V::S(sk)}});
  };
  ASSERT_OK(table_->Put(with_ttl("past", now - 3600)));
  ASSERT_OK(table_->Put(with_ttl("now", now)));
  ASSERT_OK(table_->Put(with_ttl("soon", now + 100)));
  ASSERT_OK(table_->Put(with_ttl("later", now + 100000)));
  ASSERT_OK(table_->Put(
      MakeItem(p, "never", {{table::kGsi1Pk, V::S(p)}, {table::kGsi1Sk, V::S("never")}})));

  auto visible = [&](table::Index index) {
    table::QueryRequest q;
    q.index = index;
    q.partition = p;
    std::vector<std::string> sks;
    for (const Item& item : QueryAll(q)) sks.push_back(AttrS(item, table::kSk));
    std::sort(sks.begin(), sks.end());
    return sks;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(visible(table::Index::kPrimary), (Names{"later", "never", "soon"}));
  EXPECT_EQ(visible(table::Index::kGsi1), (Names{"later", "never", "soon"}));
  EXPECT_STATUS(table_->Get({p, "past"}).status(), StatusCode::kNotFound);
  EXPECT_STATUS(table_->Get({p, "now"}).status(), StatusCode::kNotFound) << "ttl <= now";
  EXPECT_OK(table_->Get({p, "soon"}));

  clock_.Advance(std::chrono::seconds(101));
  EXPECT_STATUS(table_->Get({p, "soon"}).status(), StatusCode::kNotFound);
  EXPECT_EQ(visible(table::Index::kPrimary), (Names{"later", "never"}));
  EXPECT_EQ(visible(table::Index::kGsi1), (Names{"later", "never"}));
  std::vector<Key> keys = {{p, "soon"}, {p, "later"}, {p, "past"}, {p, "never"}};
  ASSERT_OK_AND_ASSIGN(auto got, table_->BatchGet(keys));
  EXPECT_FALSE((got)[0].has_value());
  EXPECT_TRUE((got)[1].has_value());
  EXPECT_FALSE((got)[2].has_value());
  EXPECT_TRUE((got)[3].has_value());
}

}  // namespace dynaflow::test
