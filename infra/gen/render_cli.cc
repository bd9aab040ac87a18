// infra/aws/create-table.sh: the table with the AWS CLI.
#include "infra/gen/render.h"
#include "infra/gen/text.h"

namespace dynaflow::infra {
namespace {

constexpr char kScript[] = R"sh(#!/usr/bin/env bash
@NOTICE@
#
# Creates dynaflow's DynamoDB table with the AWS CLI, or checks and completes an existing one.
#
#   infra/aws/create-table.sh [--table-name NAME] [--region REGION] [--billing-mode MODE]
#       [--read-capacity N] [--write-capacity N] [--pitr] [--deletion-protection]
#       [--tag KEY=VALUE]... [--endpoint-url URL]
#
# Options, each with the environment variable it overrides:
#   --table-name NAME      DYNAFLOW_TABLE_NAME      table name (default @DEFAULT_TABLE@)
#   --region REGION        AWS_REGION, AWS_DEFAULT_REGION, else the profile's region
#   --billing-mode MODE    DYNAFLOW_BILLING_MODE    PAY_PER_REQUEST (default) or PROVISIONED
#   --read-capacity N      DYNAFLOW_READ_CAPACITY   PROVISIONED: read units of the table and of
#                                                   each index (default 5)
#   --write-capacity N     DYNAFLOW_WRITE_CAPACITY  PROVISIONED: write units (default 5)
#   --pitr                 DYNAFLOW_PITR=true       enable point-in-time recovery
#   --deletion-protection  DYNAFLOW_DELETION_PROTECTION=true  enable deletion protection
#   --tag KEY=VALUE        DYNAFLOW_TAGS="K=V ..."  tag the table (repeatable; letters, digits,
#                                                   spaces and _ . : / = + - @; the variable
#                                                   separates tags by spaces)
#   --endpoint-url URL     AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL (read by the CLI):
#                                                   another endpoint, e.g. DynamoDB Local
# Credentials and profile come from wherever the AWS CLI finds them (AWS_PROFILE, ...).
#
# Steps; each is idempotent, so a second run changes nothing and succeeds:
#   1. create the table with the seed layout:
#        @LAYOUT_SUMMARY@
#      When it exists already, check its keys, key types and indexes as VerifySeedTable does
#      (the billing mode and extra indexes are not checked) and stop, listing every difference;
#   2. wait until the table is ACTIVE;
#   3. enable TTL on `@TTL@` unless it is enabled (TTL on another attribute is an error);
#   4. with --pitr, --deletion-protection or --tag: enable point-in-time recovery, enable
#      deletion protection, set the tags. Nothing is ever disabled or removed.
# Progress goes to stderr; the last line on stdout is TABLE_ARN=<arn>. Needs bash and the AWS
# CLI (v1 or v2), with the permissions of infra/aws/iam-provisioning.json.
#
# Exit status: 0 = the table has the layout and what was asked for; 1 = an AWS error or an
# existing table with another layout; 2 = bad usage.
set -euo pipefail

TABLE=${DYNAFLOW_TABLE_NAME:-@DEFAULT_TABLE@}
BILLING_MODE=${DYNAFLOW_BILLING_MODE:-@DEFAULT_BILLING@}
READ_CAPACITY=${DYNAFLOW_READ_CAPACITY:-5}
WRITE_CAPACITY=${DYNAFLOW_WRITE_CAPACITY:-5}
PITR=${DYNAFLOW_PITR:-false}
DELETION_PROTECTION=${DYNAFLOW_DELETION_PROTECTION:-false}
read -r -a TAGS <<<"${DYNAFLOW_TAGS:-}"
AWS_ARGS=() # --region and --endpoint-url for every call

log() { echo "create-table: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() {
  sed -n '/^# Creates/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit "$1"
}
usage_error() {
  log "$*"
  usage 2
}
# A failed AWS CLI call (which printed its error) ends the script with status 1, like die.
on_exit() {
  local rc=$?
  if ((rc != 0 && rc != 1 && rc != 2)); then
    log "error: an AWS CLI call failed (status $rc)"
    exit 1
  fi
}
trap on_exit EXIT

while (($# > 0)); do
  case "$1" in
    --pitr) PITR=true ;;
    --deletion-protection) DELETION_PROTECTION=true ;;
    -h | --help) usage 0 ;;
    --table-name | --region | --billing-mode | --read-capacity | --write-capacity | --tag | \
      --endpoint-url)
      (($# >= 2)) || usage_error "$1 needs a value"
      case "$1" in
        --table-name) TABLE=$2 ;;
        --region | --endpoint-url) AWS_ARGS+=("$1" "$2") ;;
        --billing-mode) BILLING_MODE=$2 ;;
        --read-capacity) READ_CAPACITY=$2 ;;
        --write-capacity) WRITE_CAPACITY=$2 ;;
        --tag) TAGS+=("$2") ;;
      esac
      shift
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
  shift
done

[[ "$TABLE" =~ ^[A-Za-z0-9_.-]{3,255}$ ]] ||
  usage_error "table name '$TABLE': expected 3-255 of A-Z a-z 0-9 _ - ."
[[ "$BILLING_MODE" == PAY_PER_REQUEST || "$BILLING_MODE" == PROVISIONED ]] ||
  usage_error "billing mode '$BILLING_MODE': expected PAY_PER_REQUEST or PROVISIONED"
[[ "$READ_CAPACITY" =~ ^[1-9][0-9]*$ && "$WRITE_CAPACITY" =~ ^[1-9][0-9]*$ ]] ||
  usage_error "capacities must be positive integers"
[[ "$PITR" == true || "$PITR" == false ]] || usage_error "DYNAFLOW_PITR: expected true or false"
[[ "$DELETION_PROTECTION" == true || "$DELETION_PROTECTION" == false ]] ||
  usage_error "DYNAFLOW_DELETION_PROTECTION: expected true or false"
for tag in "${TAGS[@]}"; do
  [[ "$tag" =~ ^[A-Za-z0-9\ _.:/+@-]+=[A-Za-z0-9\ _.:/=+@-]*$ ]] ||
    usage_error "tag '$tag': expected KEY=VALUE of letters, digits, spaces and _ . : / = + - @"
done
command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not on PATH"
export AWS_PAGER="" # AWS CLI v2: never page

ddb() { aws dynamodb "$@" "${AWS_ARGS[@]}"; }

# The seed layout as DescribeTable shows it: one fact per entry, the JMESPath expression in
# LAYOUT_QUERY, the expected value in LAYOUT_EXPECTED and its name in LAYOUT_FACT.
# shellcheck disable=SC2016 # backticks are JMESPath literals here, not command substitution
readonly LAYOUT_QUERY='[@LAYOUT_QUERY@]'
readonly LAYOUT_EXPECTED=(
  @LAYOUT_EXPECTED@)
readonly LAYOUT_FACT=(
  @LAYOUT_FACT@)

# Prints the differences between table $TABLE and the seed layout, "; "-separated; nothing
# when it matches. Fails when DescribeTable fails.
layout_differences() {
  local described actual=() diffs=() i value joined
  described=$(ddb describe-table --table-name "$TABLE" --output text \
    --query "$LAYOUT_QUERY") || return 1
  mapfile -t actual < <(tr '\t' '\n' <<<"$described")
  for i in "${!LAYOUT_EXPECTED[@]}"; do
    value=${actual[i]:-}
    [[ "$value" == "${LAYOUT_EXPECTED[i]}" ]] && continue
    [[ -z "$value" || "$value" == None ]] && value="(none)"
    diffs+=("${LAYOUT_FACT[i]} is $value, expected ${LAYOUT_EXPECTED[i]}")
  done
  ((${#diffs[@]} > 0)) || return 0
  joined=$(printf '; %s' "${diffs[@]}")
  echo "${joined:2}"
}

# The global secondary indexes as --global-secondary-indexes JSON; $1 is added to each index
# (the ProvisionedThroughput member for PROVISIONED, else empty).
global_secondary_indexes() {
  local throughput=$1
  cat <<JSON
[@GSI_JSON@]
JSON
}

# Creates the table; returns 1 when it exists already (created in between by someone else).
create_table() {
  local throughput=() gsi_throughput="" out
  if [[ "$BILLING_MODE" == PROVISIONED ]]; then
    throughput=(--provisioned-throughput
      "ReadCapacityUnits=$READ_CAPACITY,WriteCapacityUnits=$WRITE_CAPACITY")
    gsi_throughput=", \"ProvisionedThroughput\": {\"ReadCapacityUnits\": $READ_CAPACITY,"
    gsi_throughput+=" \"WriteCapacityUnits\": $WRITE_CAPACITY}"
  fi
  if out=$(ddb create-table --table-name "$TABLE" \
    --attribute-definitions @ATTRIBUTE_DEFINITIONS@ \
    --key-schema @KEY_SCHEMA@ \
    --global-secondary-indexes "$(global_secondary_indexes "$gsi_throughput")" \
    --billing-mode "$BILLING_MODE" "${throughput[@]}" \
    --output text --query TableDescription.TableStatus 2>&1); then
    log "created table $TABLE ($BILLING_MODE, status $out)"
    return 0
  fi
  [[ "$out" == *ResourceInUseException* ]] && return 1
  die "creating table $TABLE: $out"
}

ensure_ttl() {
  local out status attribute
  out=$(ddb describe-time-to-live --table-name "$TABLE" --output text \
    --query '[TimeToLiveDescription.TimeToLiveStatus, TimeToLiveDescription.AttributeName]')
  read -r status attribute <<<"$out"
  case "$status" in
    ENABLED | ENABLING)
      [[ "$attribute" == "@TTL@" ]] ||
        die "TTL of table $TABLE is on $attribute, expected @TTL@ (a table has one TTL attribute)"
      log "TTL on @TTL@: already $status"
      ;;
    *)
      ddb update-time-to-live --table-name "$TABLE" \
        --time-to-live-specification "Enabled=true,AttributeName=@TTL@" >/dev/null
      log "TTL on @TTL@: enabled"
      ;;
  esac
}

ensure_pitr() {
  local status
  [[ "$PITR" == true ]] || return 0
  status=$(ddb describe-continuous-backups --table-name "$TABLE" --output text --query \
    ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus)
  if [[ "$status" == ENABLED ]]; then
    log "point-in-time recovery: already enabled"
    return 0
  fi
  ddb update-continuous-backups --table-name "$TABLE" \
    --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true >/dev/null
  log "point-in-time recovery: enabled"
}

ensure_deletion_protection() {
  local enabled
  [[ "$DELETION_PROTECTION" == true ]] || return 0
  enabled=$(ddb describe-table --table-name "$TABLE" --output text \
    --query Table.DeletionProtectionEnabled)
  if [[ "$enabled" == True ]]; then
    log "deletion protection: already enabled"
    return 0
  fi
  ddb update-table --table-name "$TABLE" --deletion-protection-enabled >/dev/null
  log "deletion protection: enabled"
}

ensure_tags() { # $1 = table ARN
  local current json="" tag missing=()
  ((${#TAGS[@]} > 0)) || return 0
  # shellcheck disable=SC2016 # a JMESPath literal, not command substitution
  current=$(ddb list-tags-of-resource --resource-arn "$1" --output text \
    --query 'Tags[].join(`"="`, [Key, Value])')
  for tag in "${TAGS[@]}"; do
    [[ $'\t'"$current"$'\t' == *$'\t'"$tag"$'\t'* ]] && continue
    missing+=("$tag")
    json+="${json:+,}{\"Key\": \"${tag%%=*}\", \"Value\": \"${tag#*=}\"}"
  done
  if ((${#missing[@]} == 0)); then
    log "tags: already set"
    return 0
  fi
  ddb tag-resource --resource-arn "$1" --tags "[$json]"
  log "tags set: ${missing[*]}"
}

existed=true
if ! out=$(ddb describe-table --table-name "$TABLE" --output text \
  --query Table.TableStatus 2>&1); then
  [[ "$out" == *ResourceNotFoundException* ]] || die "describing table $TABLE: $out"
  create_table && existed=false
fi
if [[ "$existed" == true ]]; then
  differences=$(layout_differences) || die "describing table $TABLE failed"
  [[ -z "$differences" ]] ||
    die "table $TABLE does not match the dynaflow seed layout: $differences"
  log "table $TABLE exists and matches the seed layout"
fi
ddb wait table-exists --table-name "$TABLE" # until ACTIVE
ensure_ttl
ensure_pitr
ensure_deletion_protection
arn=$(ddb describe-table --table-name "$TABLE" --output text --query Table.TableArn)
ensure_tags "$arn"
log "table $TABLE is ACTIVE"
echo "TABLE_ARN=$arn"
)sh";

// JMESPath literal of a JSON string: `"text"`.
std::string Lit(const std::string& text) { return "`\"" + text + "\"`"; }

std::string KeySchemaQuery(const std::string& key_schema) {
  return "join(" + Lit(" ") + ", (" + key_schema + " || `[]`)[].join(" + Lit("=") +
         ", [AttributeName, KeyType]))";
}

std::string KeySchemaText(const std::string& hash, const std::string& range) {
  return hash + "=HASH " + range + "=RANGE";
}

}  // namespace

std::string RenderCreateTableScript(const TableLayout& layout) {
  std::vector<std::string> query, expected, facts, definitions, gsis, summary_indexes;
  query.push_back(KeySchemaQuery("Table.KeySchema"));
  expected.push_back(KeySchemaText(layout.hash_key, layout.range_key));
  facts.push_back("table key schema");
  for (const auto& a : layout.attributes) {
    query.push_back("Table.AttributeDefinitions[?AttributeName==" + Lit(a.name) +
                    "] | [0].AttributeType");
    expected.push_back(a.type);
    facts.push_back("type of " + a.name);
    definitions.push_back("AttributeName=" + a.name + ",AttributeType=" + a.type);
  }
  for (const auto& i : layout.indexes) {
    const std::string index = "Table.GlobalSecondaryIndexes[?IndexName==" + Lit(i.name) + "] | [0]";
    query.push_back(KeySchemaQuery(index + ".KeySchema"));
    expected.push_back(KeySchemaText(i.hash_key, i.range_key));
    facts.push_back("index " + i.name + " key schema");
    query.push_back(index + ".Projection.ProjectionType");
    expected.push_back(i.projection);
    facts.push_back("index " + i.name + " projection");
    gsis.push_back(Fill(R"({"IndexName": "@NAME@",
  "KeySchema": [{"AttributeName": "@HASH@", "KeyType": "HASH"},
                {"AttributeName": "@RANGE@", "KeyType": "RANGE"}],
  "Projection": {"ProjectionType": "@PROJECTION@"}$throughput})",
                        {{"NAME", i.name},
                         {"HASH", i.hash_key},
                         {"RANGE", i.range_key},
                         {"PROJECTION", i.projection}}));
    summary_indexes.push_back("index " + i.name + " on " + i.hash_key + " (HASH) and " +
                              i.range_key + " (RANGE), projecting " + i.projection + ";");
  }
  std::vector<std::string> summary = {"keys " + layout.hash_key + " (HASH) and " +
                                      layout.range_key + " (RANGE);"};
  summary.insert(summary.end(), summary_indexes.begin(), summary_indexes.end());
  summary.push_back("every key attribute of type " + layout.attributes.at(0).type + "; TTL on " +
                    layout.ttl_attribute + ".");
  std::vector<std::string> quoted_expected, quoted_facts;
  for (const auto& e : expected) quoted_expected.push_back("\"" + e + "\"");
  for (const auto& f : facts) quoted_facts.push_back("\"" + f + "\"");
  return Fill(kScript, {{"NOTICE", GeneratedNotice("# ")},
                        {"DEFAULT_TABLE", layout.default_table_name},
                        {"DEFAULT_BILLING", layout.default_billing_mode},
                        {"LAYOUT_SUMMARY", Join(summary, "\n#        ")},
                        {"TTL", layout.ttl_attribute},
                        {"LAYOUT_QUERY", Join(query, ",\n  ")},
                        {"LAYOUT_EXPECTED", Join(quoted_expected, " ")},
                        {"LAYOUT_FACT", Join(quoted_facts, " ")},
                        {"GSI_JSON", Join(gsis, ",\n ")},
                        {"ATTRIBUTE_DEFINITIONS", Join(definitions, " \\\n      ")},
                        {"KEY_SCHEMA", "AttributeName=" + layout.hash_key +
                                           ",KeyType=HASH AttributeName=" + layout.range_key +
                                           ",KeyType=RANGE"}});
}

}  // namespace dynaflow::infra
