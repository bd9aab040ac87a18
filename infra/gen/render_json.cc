// The JSON renderers: the IAM policy files and the layout for tests.
#include "infra/gen/render.h"
#include "infra/gen/text.h"

namespace dynaflow::infra {
namespace {

std::string JsonList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(JsonString(item));
  return "[" + Join(quoted, ", ") + "]";
}

std::string ResourceName(PolicyStatement::Resource r) {
  return r == PolicyStatement::Resource::kTable ? "table" : "indexes";
}

std::string StatementsJson(const std::vector<PolicyStatement>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) {
    out.push_back("{\"sid\": " + JsonString(s.sid) + ", \"actions\": " + JsonList(s.actions) +
                  ", \"resource\": " + JsonString(ResourceName(s.resource)) + "}");
  }
  return "[" + Join(out, ", ") + "]";
}

}  // namespace

std::string RenderIamPolicy(const std::vector<PolicyStatement>& statements) {
  std::vector<std::string> rendered;
  for (const auto& s : statements) {
    std::string action;
    if (s.actions.size() == 1) {
      action = JsonString(s.actions[0]);
    } else {
      std::vector<std::string> lines;
      for (const auto& a : s.actions) lines.push_back("        " + JsonString(a));
      action = "[\n" + Join(lines, ",\n") + "\n      ]";
    }
    std::string resource = kTableArnPlaceholder;
    if (s.resource == PolicyStatement::Resource::kIndexes) resource += "/index/*";
    rendered.push_back(
        Fill(R"(    {
      "Sid": @SID@,
      "Effect": "Allow",
      "Action": @ACTION@,
      "Resource": @RESOURCE@
    })",
             {{"SID", JsonString(s.sid)}, {"ACTION", action}, {"RESOURCE", JsonString(resource)}}));
  }
  return "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n" + Join(rendered, ",\n") +
         "\n  ]\n}\n";
}

std::string RenderLayoutJson(const TableLayout& layout) {
  std::vector<std::string> attributes, indexes;
  for (const auto& a : layout.attributes) {
    attributes.push_back("{\"name\": " + JsonString(a.name) + ", \"type\": " + JsonString(a.type) +
                         "}");
  }
  for (const auto& i : layout.indexes) {
    indexes.push_back("{\"name\": " + JsonString(i.name) + ", \"hash_key\": " +
                      JsonString(i.hash_key) + ", \"range_key\": " + JsonString(i.range_key) +
                      ", \"projection\": " + JsonString(i.projection) + "}");
  }
  return "{\n  \"default_table_name\": " + JsonString(layout.default_table_name) +
         ",\n  \"default_billing_mode\": " + JsonString(layout.default_billing_mode) +
         ",\n  \"attributes\": [" + Join(attributes, ", ") + "]" +
         ",\n  \"hash_key\": " + JsonString(layout.hash_key) +
         ",\n  \"range_key\": " + JsonString(layout.range_key) + ",\n  \"indexes\": [" +
         Join(indexes, ", ") + "]" + ",\n  \"ttl_attribute\": " + JsonString(layout.ttl_attribute) +
         ",\n  \"runtime_policy\": " + StatementsJson(layout.runtime_policy) +
         ",\n  \"provisioning_policy\": " + StatementsJson(layout.provisioning_policy) +
         ",\n  \"dynamodb_local_version\": " + JsonString(kDynamoDbLocalVersion) + "\n}\n";
}

}  // namespace dynaflow::infra
