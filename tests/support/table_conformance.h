// The Table conformance suite: one set of GoogleTest cases every backend must pass.
//
// How to run it against a backend (in that backend's test file, e.g.
// tests/unit/memory_table_test.cc):
//
//   #include "tests/support/table_conformance.h"
//   DYNAFLOW_INSTANTIATE_TABLE_CONFORMANCE(Memory,
//       ::dynaflow::test::BackendFactory{"memory", [](const TableOptions& o) {
//         return dynaflow::table::NewMemoryTable(o); }});
//
// The TEST_P bodies live in tests/support/table_conformance*.cc, built as the object library
// dynaflow_table_conformance (tests/CMakeLists.txt): a binary that links it links every case of
// every such file, so a new suite file needs no registration.
//
// Contract for factories: `make` gets TableOptions whose clock is the fixture's FakeClock (TTL
// tests move it) and whose cursor_secret is set; it returns a table, or nullptr to skip the
// suite (e.g. no DynamoDB endpoint configured). Tables may be shared between tests (one real
// DynamoDB table per binary): every test uses partitions with a random per-test prefix, never
// scans, and never assumes the table is empty. Expect GSI queries to be read right after the
// writes (true of DynamoDB Local; real DynamoDB GSIs are eventually consistent).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dynaflow/store/table/table.h"
#include "dynaflow/store/table/table_options.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {

struct BackendFactory {
  std::string name;  // used in test names: letters, digits and '_' only
  std::function<std::unique_ptr<table::Table>(const table::TableOptions&)> make;
};

class TableConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;

  // A partition key unique to this test run: "<random>#<name>".
  std::string Partition(std::string_view name) const;

  // An item with string PK/SK plus `attributes`.
  static Item MakeItem(const std::string& pk, const std::string& sk, Item attributes = {});

  // Runs `request` page by page until the cursor is empty; checks each page's limit and 1 MB
  // bound (failing the test otherwise) and returns every item in order. `pages`: page count.
  std::vector<Item> QueryAll(table::QueryRequest request, int* pages = nullptr);

  FakeClock clock_;
  std::unique_ptr<table::Table> table_;

 private:
  std::string run_prefix_;
};

// The string value of attribute `name` of `item` ("" when absent or not S).
std::string AttrS(const Item& item, std::string_view name);

// Write options with condition `c` (and, when `old` is set, the item as it was when `c` failed).
table::WriteOptions When(table::Condition c, std::optional<Item>* old = nullptr);

// Test-name generator for INSTANTIATE_TEST_SUITE_P: the factory's name.
std::string BackendFactoryName(const ::testing::TestParamInfo<BackendFactory>& info);

// Readable failure output (GoogleTest would otherwise dump bytes).
inline void PrintTo(const BackendFactory& f, std::ostream* os) { *os << f.name; }

}  // namespace dynaflow::test

namespace dynaflow {
inline void PrintTo(const AttributeValue& v, std::ostream* os) { *os << v.DebugString(); }
}  // namespace dynaflow

// Use at namespace scope (it brings TableConformanceTest into that scope: GoogleTest needs the
// suite's unqualified name).
#define DYNAFLOW_INSTANTIATE_TABLE_CONFORMANCE(prefix, ...)                              \
  using ::dynaflow::test::TableConformanceTest;                                          \
  INSTANTIATE_TEST_SUITE_P(prefix, TableConformanceTest, ::testing::Values(__VA_ARGS__), \
                           ::dynaflow::test::BackendFactoryName)
