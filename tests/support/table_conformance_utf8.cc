// Conformance suite, part 4: strings must be valid UTF-8 (DynamoDB's rule), enforced identically
// on every backend with the same message, before anything is stored or sent.
// See table_conformance.h and dynaflow/store/table/internal/validation.h.
#include <functional>

#include "dynaflow/model/utf8.h"
#include "tests/support/status_matchers.h"
#include "tests/support/table_conformance.h"

namespace dynaflow::test {

using table::Condition;
using table::Key;
using table::SortKeyCondition;
using table::WriteOptions;
using V = AttributeValue;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";  // U+FFFD as messages show a bad byte

}  // namespace

// Every place a string goes: the call fails with kInvalidArgument and exactly the message of the
// shared validation, the backend does no work at all (no request counted, so DynamoDB receives
// nothing), and nothing is written.
TEST_P(TableConformanceTest, RejectsInvalidUtf8Everywhere) {
  const std::string p = Partition("utf8");
  const Item existing = MakeItem(p, "E", {{"name", V::S("caf\xC3\xA9")}});
  ASSERT_OK(table_->Put(existing));
  const std::string item_a = "item " + p + "/A: ";
  const std::string update_e = "update of " + p + "/E: ";

  struct Case {
    const char* what;
    std::function<Status()> call;
    std::string message;
  };
  auto put = [&](Item attrs, WriteOptions o = {}) {
    return [this, p, attrs, o] { return table_->Put(MakeItem(p, "A", attrs), o); };
  };
  auto update = [&](table::Update u) {
    return [this, p, u] { return table_->Update({p, "E"}, u).status(); };
  };
  auto query = [&](table::QueryRequest q) {
    return [this, q] { return table_->Query(q).status(); };
  };
  table::QueryRequest bad_partition;
  bad_partition.index = table::Index::kGsi1;
  bad_partition.partition = "WORKFLOW#\xC3";
  table::QueryRequest bad_sort;
  bad_sort.partition = p;
  bad_sort.sort = SortKeyCondition::BeginsWith("STEP#\xE2\x82");
  table::QueryRequest bad_upper;
  bad_upper.partition = p;
  bad_upper.sort = SortKeyCondition::Between("A", "Z\xFF");
  const std::vector<Key> batch_keys = {{p, "A"}, {p, "B\x80"}};
  std::vector<table::WriteOp> tx = {
      table::PutOp{MakeItem(p, "A")},
      table::UpdateOp{{p, "E"}, table::Update().Set("tags", V::SS({"ok", "\xF0\x9F\x98"}))}};

  const Case cases[] = {
      {"S in a map", put({{"tags", V::M({{"team", V::S("ab\xFFz")}})}}),
       item_a + "attribute \"tags.team\": string is not valid UTF-8 (byte 2)"},
      {"SS element", put({{"labels", V::SS({"ok", "b\xC3"})}}),
       item_a + "attribute \"labels\": string set element 1 is not valid UTF-8 (byte 1)"},
      {"attribute name", put({{"n\xFFm", V::S("x")}}),
       item_a + "attribute name \"n" + kFffd + "m\" is not valid UTF-8 (byte 1)"},
      {"nested map key",
       put({{"payload", V::M({{"list", V::L({V::N(1), V::M({{"k\xED\xA0\x80", V::Null()}})})}})}}),
       item_a + "attribute \"payload.list[1]\": map key \"k" + kFffd + kFffd + kFffd +
           "\" is not valid UTF-8 (byte 1)"},
      {"GSI key", put({{table::kGsi1Pk, V::S("W#\xFE")}, {table::kGsi1Sk, V::S("x")}}),
       item_a + "attribute \"GSI1PK\": string is not valid UTF-8 (byte 2)"},
      {"partition key", [&] { return table_->Put(MakeItem(p + "\xC0\xAF", "A")); },
       "key " + p + kFffd + kFffd + "/A: attribute \"PK\": string is not valid UTF-8 (byte " +
           std::to_string(p.size()) + ")"},
      {"sort key of a get", [&] { return table_->Get({p, "\xFF"}).status(); },
       "key " + p + "/" + kFffd + ": attribute \"SK\": string is not valid UTF-8 (byte 0)"},
      {"sort key of a delete", [&] { return table_->Delete({p, "E\xF4\x90\x80\x80"}); },
       "key " + p + "/E" + kFffd + kFffd + kFffd + kFffd +
           ": attribute \"SK\": string is not valid UTF-8 (byte 1)"},
      {"batch get", [&] { return table_->BatchGet(batch_keys).status(); },
       "key " + p + "/B" + kFffd + ": attribute \"SK\": string is not valid UTF-8 (byte 1)"},
      {"batch delete", [&] { return table_->BatchDelete(batch_keys); },
       "key " + p + "/B" + kFffd + ": attribute \"SK\": string is not valid UTF-8 (byte 1)"},
      {"condition operand", put({}, When(Condition::Eq("owner", V::S("w\xFF")))),
       "condition owner = S:w" + kFffd +
           ": attribute \"owner\": string is not valid UTF-8 (byte 1)"},
      {"condition attribute", put({}, When(Condition::NotExists("o\xFF"))),
       "condition attribute_not_exists(o" + kFffd + "): attribute name \"o" + kFffd +
           "\" is not valid UTF-8 (byte 1)"},
      {"begins_with prefix", put({}, When(Condition::BeginsWith("name", "ca\xC3"))),
       "condition begins_with(name, S:ca" + kFffd +
           "): attribute \"name\": string is not valid UTF-8 (byte 2)"},
      {"update value", update(table::Update().Set("name", V::S("\xF4\x90\x80\x80"))),
       update_e + "attribute \"name\": string is not valid UTF-8 (byte 0)"},
      {"update attribute name", update(table::Update().Remove("n\xFF")),
       update_e + "attribute name \"n" + kFffd + "\" is not valid UTF-8 (byte 1)"},
      {"transaction", [&] { return table_->TransactWrite(tx); },
       "transaction op 1: " + update_e +
           "attribute \"tags\": string set element 1 is not valid UTF-8 (byte 0)"},
      {"query partition", query(bad_partition),
       "query on GSI1: attribute \"GSI1PK\": string is not valid UTF-8 (byte 9)"},
      {"query sort key", query(bad_sort),
       "query on primary: attribute \"SK\": string is not valid UTF-8 (byte 5)"},
      {"query between upper", query(bad_upper),
       "query on primary: attribute \"SK\": upper bound is not valid UTF-8 (byte 1)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const table::TableStats before = table_->stats();
    Status s = c.call();
    EXPECT_STATUS(s, StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(FindInvalidUtf8(s.message()), std::string::npos) << "the message itself is UTF-8";
    const table::TableStats after = table_->stats();
    EXPECT_EQ(after.requests, before.requests) << "the backend did no work";
    EXPECT_EQ(after.writes, before.writes);
  }
  // Nothing was written: no new item, the existing one unchanged.
  EXPECT_STATUS(table_->Get({p, "A"}).status(), StatusCode::kNotFound);
  EXPECT_EQ(table_->Get({p, "E"}).value(), existing);
  table::QueryRequest all;
  all.partition = p;
  EXPECT_EQ(QueryAll(all).size(), 1u);
}

// Valid non-ASCII text is stored and read back byte for byte everywhere a string can go.
TEST_P(TableConformanceTest, StoresValidNonAsciiText) {
  const std::string p = Partition("utf8ok") + "#\xC3\xA9";
  const std::string text =
      std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF") +
      std::string("\0nul", 4);
  Item item = MakeItem(p, "\xE2\x82\xAC#1",
                       {{"n\xC3\xA4me", V::S(text)},
                        {"labels", V::SS({"\xE6\x97\xA5\xE6\x9C\xAC"})},  // one: sets are unordered
                        {"m", V::M({{"k\xF0\x9F\x98\x80", V::L({V::S(text)})}})},
                        {table::kGsi1Pk, V::S(p + "#\xE6\x97\xA5")},
                        {table::kGsi1Sk, V::S("\xE2\x82\xAC")}});
  ASSERT_OK(table_->Put(item, When(Condition::NotExists("n\xC3\xA4me"))));
  EXPECT_EQ(table_->Get({p, "\xE2\x82\xAC#1"}).value(), item);
  auto updated = table_->Update({p, "\xE2\x82\xAC#1"}, table::Update().Set("\xC3\xBC", V::S(text)),
                                When(Condition::BeginsWith("n\xC3\xA4me", "caf\xC3\xA9")));
  ASSERT_OK(updated);
  EXPECT_EQ(AttrS(*updated, "\xC3\xBC"), text);
  table::QueryRequest q;
  q.partition = p;
  q.sort = SortKeyCondition::BeginsWith("\xE2\x82\xAC");
  EXPECT_EQ(QueryAll(q).size(), 1u);
  table::QueryRequest g;
  g.index = table::Index::kGsi1;
  g.partition = p + "#\xE6\x97\xA5";
  g.sort = SortKeyCondition::Eq("\xE2\x82\xAC");
  EXPECT_EQ(QueryAll(g).size(), 1u);
}

}  // namespace dynaflow::test
