// A test fixture for engine tests on DynamoDB Local: one seed-layout table per test suite
// (created in SetUpTestSuite, deleted in TearDownTestSuite) and engines opened on it.
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::engine {

class EngineOnDynamoDbLocal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto client = test::NewDynamoDbLocalClient();
    if (!client) return;
    client_ = std::shared_ptr<dynamodb::Client>(std::move(client));
    table_name_ = test::UniqueTableName("engine");
    if (Status s = table::EnsureSeedTable(*client_, table_name_); !s.ok()) {
      ADD_FAILURE() << s;
      return;
    }
    auto t = table::OpenDynamoDbTable(client_, table_name_);
    if (!t.ok()) {
      ADD_FAILURE() << t.error();
      return;
    }
    table_ = std::shared_ptr<table::Table>(std::move(t).value());
  }
  static void TearDownTestSuite() {
    if (client_ && !table_name_.empty()) (void)client_->DeleteTable({table_name_});
    table_.reset();
    client_.reset();
    table_name_.clear();
  }
  void SetUp() override { ASSERT_NE(table_, nullptr) << "no DynamoDB Local table"; }

  // An engine on the suite's table (default options otherwise).
  std::unique_ptr<Engine> Open() {
    EngineOptions o;
    o.table = table_;
    auto e = Engine::Open(o);
    EXPECT_OK(e);
    return e.ok() ? std::move(e).value() : nullptr;
  }

  static inline std::shared_ptr<dynamodb::Client> client_;
  static inline std::shared_ptr<table::Table> table_;
  static inline std::string table_name_;
};

}  // namespace dynaflow::engine
