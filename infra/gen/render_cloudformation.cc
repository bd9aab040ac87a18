// infra/aws/cloudformation.yaml: the table and its two managed IAM policies.
#include "infra/gen/render.h"
#include "infra/gen/text.h"

namespace dynaflow::infra {
namespace {

constexpr char kTemplate[] = R"yaml(@NOTICE@
#
# dynaflow's DynamoDB table with the seed layout, and two managed IAM policies on it: the
# runtime policy for engines and workers, the provisioning policy for whoever creates or
# updates the table (infra/aws/iam-runtime.json and iam-provisioning.json, on this table).
#
#   aws cloudformation deploy --template-file infra/aws/cloudformation.yaml \
#     --stack-name dynaflow --capabilities CAPABILITY_IAM \
#     --parameter-overrides TableName=@DEFAULT_TABLE@ --tags environment=production
#
# Stack tags (--tags) propagate to the table. The table is retained when the stack is deleted
# or the table would be replaced (DeletionPolicy and UpdateReplacePolicy Retain).
AWSTemplateFormatVersion: "2010-09-09"
Description: dynaflow workflow table (seed layout) and its runtime and provisioning IAM policies

Parameters:
  TableName:
    Type: String
    Default: @DEFAULT_TABLE@
    AllowedPattern: "[a-zA-Z0-9_.-]{3,255}"
    Description: DynamoDB table name ([store] table in dynaflow's configuration)
  BillingMode:
    Type: String
    Default: @DEFAULT_BILLING@
    AllowedValues: [PAY_PER_REQUEST, PROVISIONED]
    Description: PAY_PER_REQUEST (on demand) or PROVISIONED
  ReadCapacityUnits:
    Type: Number
    Default: 5
    MinValue: 1
    Description: PROVISIONED only - read capacity units of the table and of each index
  WriteCapacityUnits:
    Type: Number
    Default: 5
    MinValue: 1
    Description: PROVISIONED only - write capacity units of the table and of each index
  PointInTimeRecovery:
    Type: String
    Default: "true"
    AllowedValues: ["true", "false"]
    Description: Enable point-in-time recovery
  DeletionProtection:
    Type: String
    Default: "true"
    AllowedValues: ["true", "false"]
    Description: Enable deletion protection
  StreamViewType:
    Type: String
    Default: NONE
    AllowedValues: [NONE, KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES]
    Description: DynamoDB stream of the table (NONE - no stream)

Conditions:
  Provisioned: !Equals [!Ref BillingMode, PROVISIONED]
  HasStream: !Not [!Equals [!Ref StreamViewType, NONE]]

Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      TableName: !Ref TableName
      BillingMode: !Ref BillingMode
      ProvisionedThroughput: !If
        - Provisioned
        - ReadCapacityUnits: !Ref ReadCapacityUnits
          WriteCapacityUnits: !Ref WriteCapacityUnits
        - !Ref AWS::NoValue
      AttributeDefinitions:
@ATTRIBUTES@
      KeySchema:
@KEY_SCHEMA@
      GlobalSecondaryIndexes:
@INDEXES@
      TimeToLiveSpecification:
        AttributeName: @TTL@
        Enabled: true
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: !Ref PointInTimeRecovery
      DeletionProtectionEnabled: !Ref DeletionProtection
      StreamSpecification: !If
        - HasStream
        - StreamViewType: !Ref StreamViewType
        - !Ref AWS::NoValue
      Tags:
        - Key: application
          Value: dynaflow

  RuntimePolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: !Sub "dynaflow runtime (engines and workers) on table ${TableName}"
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
@RUNTIME_STATEMENTS@

  ProvisioningPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: !Sub "dynaflow provisioning (create, check, configure) of table ${TableName}"
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
@PROVISIONING_STATEMENTS@

Outputs:
  TableName:
    Description: Name of the table ([store] table)
    Value: !Ref Table
    Export:
      Name: !Sub "${AWS::StackName}-TableName"
  TableArn:
    Description: ARN of the table
    Value: !GetAtt Table.Arn
    Export:
      Name: !Sub "${AWS::StackName}-TableArn"
  StreamArn:
    Condition: HasStream
    Description: ARN of the table's stream
    Value: !GetAtt Table.StreamArn
  RuntimePolicyArn:
    Description: Managed policy for engines and workers (attach it to their role)
    Value: !Ref RuntimePolicy
    Export:
      Name: !Sub "${AWS::StackName}-RuntimePolicyArn"
  ProvisioningPolicyArn:
    Description: Managed policy for provisioning the table
    Value: !Ref ProvisioningPolicy
    Export:
      Name: !Sub "${AWS::StackName}-ProvisioningPolicyArn"
)yaml";

std::string KeySchema(const std::string& indent, const std::string& hash,
                      const std::string& range) {
  return indent + "- AttributeName: " + hash + "\n" + indent + "  KeyType: HASH\n" + indent +
         "- AttributeName: " + range + "\n" + indent + "  KeyType: RANGE";
}

std::string Statements(const std::vector<PolicyStatement>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) {
    std::string text = "          - Sid: " + s.sid + "\n            Effect: Allow\n";
    if (s.actions.size() == 1) {
      text += "            Action: " + s.actions[0] + "\n";
    } else {
      text += "            Action:\n";
      for (const auto& a : s.actions) text += "              - " + a + "\n";
    }
    text += s.resource == PolicyStatement::Resource::kTable
                ? "            Resource: !GetAtt Table.Arn"
                : "            Resource: !Sub \"${Table.Arn}/index/*\"";
    out.push_back(text);
  }
  return Join(out, "\n");
}

}  // namespace

std::string RenderCloudFormation(const TableLayout& layout) {
  std::vector<std::string> attributes, indexes;
  for (const auto& a : layout.attributes) {
    attributes.push_back("        - AttributeName: " + a.name +
                         "\n          AttributeType: " + a.type);
  }
  for (const auto& i : layout.indexes) {
    indexes.push_back(Fill(R"(        - IndexName: @NAME@
          KeySchema:
@KEYS@
          Projection:
            ProjectionType: @PROJECTION@
          ProvisionedThroughput: !If
            - Provisioned
            - ReadCapacityUnits: !Ref ReadCapacityUnits
              WriteCapacityUnits: !Ref WriteCapacityUnits
            - !Ref AWS::NoValue)",
                           {{"NAME", i.name},
                            {"KEYS", KeySchema("            ", i.hash_key, i.range_key)},
                            {"PROJECTION", i.projection}}));
  }
  return Fill(kTemplate, {{"NOTICE", GeneratedNotice("# ")},
                          {"DEFAULT_TABLE", layout.default_table_name},
                          {"DEFAULT_BILLING", layout.default_billing_mode},
                          {"ATTRIBUTES", Join(attributes, "\n")},
                          {"KEY_SCHEMA", KeySchema("        ", layout.hash_key, layout.range_key)},
                          {"INDEXES", Join(indexes, "\n")},
                          {"TTL", layout.ttl_attribute},
                          {"RUNTIME_STATEMENTS", Statements(layout.runtime_policy)},
                          {"PROVISIONING_STATEMENTS", Statements(layout.provisioning_policy)}});
}

}  // namespace dynaflow::infra
