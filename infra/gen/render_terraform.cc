// infra/aws/terraform/: a module with the table and its two IAM policies.
#include "infra/gen/render.h"
#include "infra/gen/text.h"

namespace dynaflow::infra {
namespace {

constexpr char kMain[] = R"hcl(@NOTICE@
#
# dynaflow's DynamoDB table with the seed layout, and two IAM policies on it: runtime (engines
# and workers) and provisioning. The caller configures the AWS provider:
#
#   module "dynaflow_table" {
#     source     = "<path to dynaflow>/infra/aws/terraform"
#     table_name = "@DEFAULT_TABLE@"
#     tags       = { application = "dynaflow", environment = "production" }
#   }
#
# Inputs: variables.tf. Outputs: outputs.tf.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

locals {
  provisioned = var.billing_mode == "PROVISIONED"
}

resource "aws_dynamodb_table" "this" {
  name                        = var.table_name
  billing_mode                = var.billing_mode
  read_capacity               = local.provisioned ? var.read_capacity : null
  write_capacity              = local.provisioned ? var.write_capacity : null
  hash_key                    = "@HASH@"
  range_key                   = "@RANGE@"
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type
  tags                        = var.tags
@ATTRIBUTES@
@INDEXES@

  ttl {
    attribute_name = "@TTL@"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }
}

resource "aws_iam_policy" "runtime" {
  count       = var.create_iam_policies ? 1 : 0
  name        = "${var.table_name}-dynaflow-runtime"
  description = "dynaflow runtime (engines and workers) on table ${var.table_name}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
@RUNTIME_STATEMENTS@
    ]
  })
}

resource "aws_iam_policy" "provisioning" {
  count       = var.create_iam_policies ? 1 : 0
  name        = "${var.table_name}-dynaflow-provisioning"
  description = "dynaflow provisioning (create, check, configure) of table ${var.table_name}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
@PROVISIONING_STATEMENTS@
    ]
  })
}
)hcl";

constexpr char kVariables[] = R"hcl(@NOTICE@

variable "table_name" {
  description = "DynamoDB table name ([store] table in dynaflow's configuration)"
  type        = string
  default     = "@DEFAULT_TABLE@"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "The table name must be 3-255 characters of A-Z a-z 0-9 _ - ."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on demand) or PROVISIONED"
  type        = string
  default     = "@DEFAULT_BILLING@"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "The billing mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "PROVISIONED only: read capacity units of the table and of each index"
  type        = number
  default     = 5
}

variable "write_capacity" {
  description = "PROVISIONED only: write capacity units of the table and of each index"
  type        = number
  default     = 5
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery"
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Enable deletion protection"
  type        = bool
  default     = true
}

variable "stream_view_type" {
  description = "DynamoDB stream of the table: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or null (no stream)"
  type        = string
  default     = null

  validation {
    condition     = var.stream_view_type == null ? true : contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "The stream view type must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or null."
  }
}

variable "tags" {
  description = "Tags of the table"
  type        = map(string)
  default     = { application = "dynaflow" }
}

variable "create_iam_policies" {
  description = "Create the runtime and provisioning IAM policies (named <table_name>-dynaflow-runtime and -provisioning)"
  type        = bool
  default     = true
}
)hcl";

constexpr char kOutputs[] = R"hcl(@NOTICE@

output "table_name" {
  description = "Name of the table ([store] table)"
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table"
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the table's stream (empty without a stream)"
  value       = aws_dynamodb_table.this.stream_arn
}

output "runtime_policy_arn" {
  description = "IAM policy for engines and workers (null when create_iam_policies is false)"
  value       = one(aws_iam_policy.runtime[*].arn)
}

output "provisioning_policy_arn" {
  description = "IAM policy for provisioning the table (null when create_iam_policies is false)"
  value       = one(aws_iam_policy.provisioning[*].arn)
}
)hcl";

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string Statements(const std::vector<PolicyStatement>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) {
    std::vector<std::string> actions;
    for (const auto& a : s.actions) actions.push_back(Quoted(a));
    std::string action = actions.size() == 1
                             ? actions[0]
                             : "[\n          " + Join(actions, ",\n          ") + ",\n        ]";
    // terraform fmt aligns the `=` of consecutive one-line attributes; a multi-line value ends
    // the group, so Resource then stands alone.
    const bool one_line = actions.size() == 1;
    const std::string pad = one_line ? "  " : "";
    out.push_back(Fill(R"(      {
        Sid@PAD@    = "@SID@"
        Effect@PAD@ = "Allow"
        Action@PAD@ = @ACTION@
        Resource = @RESOURCE@
      },)",
                       {{"SID", s.sid},
                        {"PAD", pad},
                        {"ACTION", action},
                        {"RESOURCE", s.resource == PolicyStatement::Resource::kTable
                                         ? "aws_dynamodb_table.this.arn"
                                         : "\"${aws_dynamodb_table.this.arn}/index/*\""}}));
  }
  return Join(out, "\n");
}

}  // namespace

std::string RenderTerraformMain(const TableLayout& layout) {
  std::string attributes, indexes;
  for (const auto& a : layout.attributes) {
    attributes += Fill(R"(
  attribute {
    name = "@NAME@"
    type = "@TYPE@"
  }
)",
                       {{"NAME", a.name}, {"TYPE", a.type}});
  }
  for (const auto& i : layout.indexes) {
    indexes += Fill(R"(
  global_secondary_index {
    name            = "@NAME@"
    hash_key        = "@HASH@"
    range_key       = "@RANGE@"
    projection_type = "@PROJECTION@"
    read_capacity   = local.provisioned ? var.read_capacity : null
    write_capacity  = local.provisioned ? var.write_capacity : null
  }
)",
                    {{"NAME", i.name},
                     {"HASH", i.hash_key},
                     {"RANGE", i.range_key},
                     {"PROJECTION", i.projection}});
  }
  // The blocks above start with a blank line and end with a newline; the template supplies the
  // line break after the last one.
  attributes.pop_back();
  indexes.pop_back();
  return Fill(kMain, {{"NOTICE", GeneratedNotice("# ")},
                      {"DEFAULT_TABLE", layout.default_table_name},
                      {"HASH", layout.hash_key},
                      {"RANGE", layout.range_key},
                      {"ATTRIBUTES", attributes},
                      {"INDEXES", indexes},
                      {"TTL", layout.ttl_attribute},
                      {"RUNTIME_STATEMENTS", Statements(layout.runtime_policy)},
                      {"PROVISIONING_STATEMENTS", Statements(layout.provisioning_policy)}});
}

std::string RenderTerraformVariables(const TableLayout& layout) {
  return Fill(kVariables, {{"NOTICE", GeneratedNotice("# ")},
                           {"DEFAULT_TABLE", layout.default_table_name},
                           {"DEFAULT_BILLING", layout.default_billing_mode}});
}

std::string RenderTerraformOutputs(const TableLayout&) {
  return Fill(kOutputs, {{"NOTICE", GeneratedNotice("# ")}});
}

}  // namespace dynaflow::infra
