// Conformance suite, part 2: queries on the base table and both GSIs, pagination, cursors.
// See table_conformance.h.
#include <algorithm>
#include <cstdio>
#include <set>

#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"

namespace dynaflow::test {

using table::Index;
using table::QueryRequest;
using table::SortKeyCondition;
using V = AttributeValue;

namespace {

std::string Num(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%03d", prefix, i);
  return buf;
}

// An independent statement of the sort-key conditions over byte-ordered strings.
bool Matches(const std::optional<SortKeyCondition>& c, const std::string& sk) {
  if (!c) return true;
  using Op = SortKeyCondition::Op;
  switch (c->op) {
    case Op::kEq:
      return sk == c->value;
    case Op::kBeginsWith:
      return sk.rfind(c->value, 0) == 0;
    case Op::kBetween:
      return c->value <= sk && sk <= c->upper;
    case Op::kLt:
      return sk < c->value;
    case Op::kLe:
      return sk <= c->value;
    case Op::kGt:
      return sk > c->value;
    case Op::kGe:
      return sk >= c->value;
  }
  return false;
}

std::string Describe(const std::optional<SortKeyCondition>& c, bool forward) {
  std::string s = forward ? "forward " : "backward ";
  if (!c) return s + "(no sort condition)";
  s += std::string(table::SortKeyOpName(c->op)) + " " + c->value;
  if (c->op == SortKeyCondition::Op::kBetween) s += " and " + c->upper;
  return s;
}

}  // namespace

// 45 items plus decoys in the same partition and in a partition whose name extends this one.
TEST_P(TableConformanceTest, PaginatesPrimaryIndexWithEverySortCondition) {
  std::string p = Partition("q");
  std::vector<std::string> sks;
  for (int i = 0; i < 45; ++i) sks.push_back(Num("ITEM#", i));
  for (std::string extra : {"A#1", "A#2", "ITEM", "ITEM#0", "Z#1", "ITEM#020x"}) {
    sks.push_back(extra);
  }
  for (const auto& sk : sks) {
    ASSERT_OK(table_->Put(MakeItem(p, sk, {{"sk_copy", V::S(sk)}})));
  }
  // A partition whose name starts with p, and one that sorts right before it.
  ASSERT_OK(table_->Put(MakeItem(p + "0", "ITEM#001")));
  ASSERT_OK(table_->Put(MakeItem(p.substr(0, p.size() - 1), "ITEM#001")));
  std::sort(sks.begin(), sks.end());

  std::vector<std::optional<SortKeyCondition>> conditions = {
      std::nullopt,
      SortKeyCondition::Eq("ITEM#010"),
      SortKeyCondition::Eq("ITEM#999"),
      SortKeyCondition::BeginsWith("ITEM#"),
      SortKeyCondition::BeginsWith("ITEM#02"),
      SortKeyCondition::Between("ITEM#005", "ITEM#030"),
      SortKeyCondition::Between("A", "ITEM#0"),
      SortKeyCondition::Lt("ITEM#020"),
      SortKeyCondition::Le("ITEM#020"),
      SortKeyCondition::Gt("ITEM#020"),
      SortKeyCondition::Ge("ITEM#020"),
  };
  for (const auto& cond : conditions) {
    for (bool forward : {true, false}) {
      for (int limit : {10, 7, 1000}) {
        QueryRequest q;
        q.partition = p;
        q.sort = cond;
        q.forward = forward;
        q.limit = limit;
        q.consistent = true;
        std::vector<std::string> want;
        for (const auto& sk : sks) {
          if (Matches(cond, sk)) want.push_back(sk);
        }
        if (!forward) std::reverse(want.begin(), want.end());
        int pages = 0;
        std::vector<std::string> got;
        for (const Item& item : QueryAll(q, &pages)) {
          EXPECT_EQ(AttrS(item, table::kPk), p);
          EXPECT_EQ(AttrS(item, "sk_copy"), AttrS(item, table::kSk));
          got.push_back(AttrS(item, table::kSk));
        }
        std::string what = Describe(cond, forward) + " limit " + std::to_string(limit);
        EXPECT_EQ(got, want) << what;
        int full_pages = (static_cast<int>(want.size()) + limit - 1) / limit;
        EXPECT_GE(pages, std::max(full_pages, 1)) << what;
        EXPECT_LE(pages, full_pages + 1) << what << ": at most one trailing empty page";
      }
    }
  }
}

// GSI1 with ties in the index sort key; GSI2 sparse (some items lack one or both keys).
TEST_P(TableConformanceTest, PaginatesBothGsisInBothDirections) {
  std::string base = Partition("gsi");
  std::string g1 = Partition("G1"), g2 = Partition("G2");
  std::set<std::string> in_gsi2;
  for (int i = 0; i < 45; ++i) {
    // Items live in three base partitions; GSI1SK has ties (three items per value).
    Item item = MakeItem(base + std::to_string(i % 3), Num("S#", i),
                         {{table::kGsi1Pk, V::S(g1)}, {table::kGsi1Sk, V::S(Num("T#", i / 3))}});
    if (i % 5 != 0) {
      item[table::kGsi2Pk] = V::S(g2);
      if (i % 7 != 0) {
        item[table::kGsi2Sk] = V::S(Num("U#", 100 - i));
        in_gsi2.insert(Num("S#", i));
      }
    }
    ASSERT_OK(table_->Put(item));
  }
  ASSERT_OK(table_->Put(MakeItem(
      base + "x", "decoy", {{table::kGsi1Pk, V::S(g1 + "0")}, {table::kGsi1Sk, V::S("T#001")}})));

  struct Case {
    Index index;
    std::string partition;
    std::string sort_attr;
    std::vector<std::optional<SortKeyCondition>> conditions;
  };
  std::vector<Case> cases = {
      {Index::kGsi1,
       g1,
       table::kGsi1Sk,
       {std::nullopt, SortKeyCondition::Eq("T#004"), SortKeyCondition::BeginsWith("T#01"),
        SortKeyCondition::Between("T#002", "T#009"), SortKeyCondition::Lt("T#005"),
        SortKeyCondition::Le("T#005"), SortKeyCondition::Gt("T#005"),
        SortKeyCondition::Ge("T#005")}},
      {Index::kGsi2,
       g2,
       table::kGsi2Sk,
       {std::nullopt, SortKeyCondition::Eq("U#090"), SortKeyCondition::BeginsWith("U#07"),
        SortKeyCondition::Between("U#060", "U#080"), SortKeyCondition::Lt("U#070"),
        SortKeyCondition::Le("U#070"), SortKeyCondition::Gt("U#070"),
        SortKeyCondition::Ge("U#070")}},
  };
  for (const Case& c : cases) {
    for (const auto& cond : c.conditions) {
      for (bool forward : {true, false}) {
        std::string what = std::string(table::IndexName(c.index)) + " " + Describe(cond, forward);
        QueryRequest q;
        q.index = c.index;
        q.partition = c.partition;
        q.sort = cond;
        q.forward = forward;
        q.limit = 4;  // pages end inside runs of equal GSI1SK values
        // Expected: every indexed item whose index sort key matches, each exactly once.
        std::multiset<std::string> want;
        for (int i = 0; i < 45; ++i) {
          std::string isk = c.index == Index::kGsi1 ? Num("T#", i / 3) : Num("U#", 100 - i);
          bool indexed = c.index == Index::kGsi1 || in_gsi2.count(Num("S#", i)) > 0;
          if (indexed && Matches(cond, isk)) want.insert(Num("S#", i));
        }
        std::multiset<std::string> got;
        std::string previous;
        for (const Item& item : QueryAll(q)) {
          EXPECT_EQ(AttrS(item, table::IndexPartitionAttribute(c.index)), c.partition) << what;
          std::string isk = AttrS(item, c.sort_attr);
          if (!previous.empty()) {
            EXPECT_TRUE(forward ? previous <= isk : previous >= isk)
                << what << ": " << previous << " then " << isk;
          }
          previous = isk;
          got.insert(AttrS(item, table::kSk));
        }
        EXPECT_EQ(got, want) << what;
      }
    }
  }
}

TEST_P(TableConformanceTest, GsiIsSparseAndFollowsUpdates) {
  std::string p = Partition("sparse");
  std::string g = Partition("sparseG");
  ASSERT_OK(
      table_->Put(MakeItem(p, "both", {{table::kGsi1Pk, V::S(g)}, {table::kGsi1Sk, V::S("1")}})));
  ASSERT_OK(table_->Put(MakeItem(p, "pk-only", {{table::kGsi1Pk, V::S(g)}})));
  ASSERT_OK(table_->Put(MakeItem(p, "none")));
  QueryRequest q;
  q.index = Index::kGsi1;
  q.partition = g;
  auto names = [&] {
    std::vector<std::string> out;
    for (const Item& item : QueryAll(q)) out.push_back(AttrS(item, table::kSk));
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(), (Names{"both"}));

  table::Update add_sk;
  add_sk.Set(table::kGsi1Sk, V::S("0"));
  ASSERT_OK(table_->Update({p, "pk-only"}, add_sk));
  EXPECT_EQ(names(), (Names{"pk-only", "both"}));

  table::Update move;
  move.Set(table::kGsi1Sk, V::S("9"));
  ASSERT_OK(table_->Update({p, "pk-only"}, move));
  EXPECT_EQ(names(), (Names{"both", "pk-only"}));

  table::Update drop;
  drop.Remove(table::kGsi1Pk);
  ASSERT_OK(table_->Update({p, "both"}, drop));
  EXPECT_EQ(names(), (Names{"pk-only"}));
  ASSERT_OK(table_->Delete({p, "pk-only"}));
  EXPECT_EQ(names(), Names{});
}

TEST_P(TableConformanceTest, CursorsAreBoundToTheirQuery) {
  std::string p = Partition("cur");
  std::string other = Partition("cur2");
  for (int i = 0; i < 5; ++i) {
    for (const std::string& part : {p, other}) {
      ASSERT_OK(table_->Put(MakeItem(part, Num("K", i),
                                     {{table::kGsi1Pk, V::S(part)},
                                      {table::kGsi1Sk, V::S(Num("K", i))},
                                      {table::kGsi2Pk, V::S(part)},
                                      {table::kGsi2Sk, V::S(Num("K", i))}})));
    }
  }
  QueryRequest q;
  q.partition = p;
  q.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto first, table_->Query(q));
  ASSERT_EQ(first.items.size(), 2u);
  ASSERT_FALSE(first.next_cursor.empty());
  const std::string cursor = first.next_cursor;

  // The cursor resumes its own query, repeatably.
  q.cursor = cursor;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSERT_OK_AND_ASSIGN(auto second, table_->Query(q));
    ASSERT_EQ(second.items.size(), 2u);
    EXPECT_EQ(AttrS(second.items[0], table::kSk), "K002");
  }

  auto rejected = [&](QueryRequest r, const std::string& what) {
    auto page = table_->Query(r);
    EXPECT_STATUS(page.status(), StatusCode::kInvalidArgument) << what;
    EXPECT_FALSE(page.ok() && !page->items.empty()) << what << " returned items";
  };
  QueryRequest wrong = q;
  wrong.partition = other;
  rejected(wrong, "cursor used on another partition");
  wrong = q;
  wrong.partition = p + "0";
  rejected(wrong, "cursor used on a partition extending its own");
  wrong = q;
  wrong.index = Index::kGsi1;
  wrong.consistent = false;
  rejected(wrong, "primary cursor used on GSI1");
  wrong = q;
  wrong.forward = false;
  rejected(wrong, "cursor used in the other direction");
  wrong = q;
  wrong.sort = SortKeyCondition::BeginsWith("K");
  rejected(wrong, "cursor used with another sort condition");

  QueryRequest g1 = q;
  g1.index = Index::kGsi1;
  g1.cursor.clear();
  ASSERT_OK_AND_ASSIGN(auto g1_page, table_->Query(g1));
  ASSERT_FALSE(g1_page.next_cursor.empty());
  QueryRequest g2 = g1;
  g2.index = Index::kGsi2;
  g2.cursor = g1_page.next_cursor;
  rejected(g2, "GSI1 cursor used on GSI2");
  g1.cursor = g1_page.next_cursor;
  EXPECT_OK(table_->Query(g1));

  // Tampering: any single changed character, truncation, extension or garbage.
  for (size_t i = 0; i < cursor.size(); ++i) {
    QueryRequest t = q;
    t.cursor[i] = t.cursor[i] == 'A' ? 'B' : 'A';
    rejected(t, "cursor with character " + std::to_string(i) + " changed");
  }
  for (std::string bad :
       {cursor.substr(0, cursor.size() - 1), cursor.substr(0, 10), cursor + "A", cursor + "AAAA",
        std::string("not a cursor!"), std::string("AAAA"), cursor + "="}) {
    QueryRequest t = q;
    t.cursor = bad;
    rejected(t, "cursor '" + bad + "'");
  }
}

TEST_P(TableConformanceTest, QueryRejectsBadRequests) {
  QueryRequest q;
  q.partition = Partition("qbad");
  q.limit = 0;
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kInvalidArgument);
  q.limit = 1001;
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kInvalidArgument);
  q.limit = 1000;
  EXPECT_OK(table_->Query(q));
  q.partition.clear();
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kInvalidArgument);
  q.partition = Partition("qbad");
  q.sort = SortKeyCondition::Between("b", "a");
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kInvalidArgument);
  q.sort.reset();
  q.index = Index::kGsi1;
  q.consistent = true;
  EXPECT_STATUS(table_->Query(q).status(), StatusCode::kInvalidArgument);
}

}  // namespace dynaflow::test
