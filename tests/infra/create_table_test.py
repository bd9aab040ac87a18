"""infra/aws/create-table.sh against a real endpoint, run twice to show it is idempotent, with the
table checked after each run by the code's own VerifySeedTable (dynaflow_verify_seed_table).

  create_table_test.py ... --target moto            (ctest infra.create_table_on_moto)
      moto_server on a free loopback port: PROVISIONED 3/4, --pitr, --deletion-protection and
      two --tag; checks capacities of the table and its indexes, PITR, protection and tags.
  create_table_test.py ... --target dynamodb-local  (ctest infra.create_table_on_dynamodb_local)
      the DynamoDB Local of DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/test.sh starts it; missing
      is a failure, as for every integration test): the defaults and --deletion-protection
      (DynamoDB Local supports neither PITR nor tags).
Both then show that the script refuses a table of another layout (exit status 1, naming the
differences) and that VerifySeedTable refuses it too.
Needs the AWS CLI and boto3 (and moto_server for moto); skipped without them.
"""

import contextlib
import os
import re
import sys
import tempfile

import infra_support as t


def create_table(script, endpoint, table, options, expect=0):
    done = t.run([script, "--endpoint-url", endpoint, "--region", t.REGION, "--table-name", table]
                 + options, env=t.aws_env(), expect=expect, timeout=600)
    print(done.stderr.strip())
    return done


def check_runs(args, endpoint, table, options, ddb):
    """create-table.sh twice: the first creates, the second only checks; VerifySeedTable after
    each. Returns the table description."""
    script = os.path.join(args.repo, "infra/aws/create-table.sh")
    first = create_table(script, endpoint, table, options)
    t.check(f"created table {table}" in first.stderr, "the first run creates the table")
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    t.check_equal(first.stdout.strip().splitlines()[-1], f"TABLE_ARN={arn}", "last stdout line")
    t.verify_table(args.verify, endpoint, table)
    second = create_table(script, endpoint, table, options)
    t.check(f"table {table} exists and matches the seed layout" in second.stderr and
            "TTL on ttl: already ENABLED" in second.stderr and "created" not in second.stderr,
            "the second run only checks the table")
    if "--deletion-protection" in options:
        t.check("deletion protection: already enabled" in second.stderr,
                "the second run keeps deletion protection")
    t.check_equal(second.stdout, first.stdout, "stdout of both runs")
    t.verify_table(args.verify, endpoint, table)
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    t.check_equal((ttl["TimeToLiveStatus"], ttl["AttributeName"]), ("ENABLED", "ttl"), "TTL")
    return ddb.describe_table(TableName=table)["Table"]


def check_refuses_other_layout(args, endpoint, table, ddb):
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                           {"AttributeName": "SK", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                {"AttributeName": "SK", "KeyType": "RANGE"}])
    script = os.path.join(args.repo, "infra/aws/create-table.sh")
    done = create_table(script, endpoint, table, [], expect=1)
    for difference in ("does not match the dynaflow seed layout", "type of SK is N, expected S",
                       "index GSI1 key schema is (none), expected GSI1PK=HASH GSI1SK=RANGE",
                       "index GSI2 projection is (none), expected ALL"):
        t.check(difference in done.stderr, f"create-table.sh names '{difference}'")
    out = t.verify_table(args.verify, endpoint, table, expect=1)
    t.check("SK is N, expected S" in out and "missing index GSI2" in out,
            "VerifySeedTable names the differences")
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    t.check_equal(ttl["TimeToLiveStatus"], "DISABLED", "TTL of the refused table (untouched)")


def on_moto(args, work):
    with t.MotoServer(work) as moto:
        ddb = moto.client("dynamodb")
        table = check_runs(args, moto.endpoint, "cli_dynaflow",
                           ["--billing-mode", "PROVISIONED", "--read-capacity", "3",
                            "--write-capacity", "4", "--pitr", "--deletion-protection",
                            "--tag", "application=dynaflow", "--tag", "team=workflow platform"],
                           ddb)
        t.check_equal(table["BillingModeSummary"]["BillingMode"], "PROVISIONED", "billing")
        capacities = [(x["ProvisionedThroughput"]["ReadCapacityUnits"],
                       x["ProvisionedThroughput"]["WriteCapacityUnits"])
                      for x in [table] + table["GlobalSecondaryIndexes"]]
        t.check_equal(capacities, [(3, 4)] * 3, "capacities of the table and its indexes")
        t.check_protection_and_tags(ddb, table,
                                    [("application", "dynaflow"), ("team", "workflow platform")])
        check_refuses_other_layout(args, moto.endpoint, "cli_other_layout", ddb)


def on_dynamodb_local(args):
    endpoint = os.environ.get("DYNAFLOW_TEST_DYNAMODB_ENDPOINT", "")
    if not re.match(r"^http://127\.0\.0\.1:\d+$", endpoint):
        t.fail("DYNAFLOW_TEST_DYNAMODB_ENDPOINT is not set: start DynamoDB Local with "
               "`infra/dynamodb-local.sh start` and export the endpoint it prints "
               "(infra/test.sh does both)")
    import boto3
    env = t.aws_env()
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=t.REGION,
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    suffix = os.getpid()
    table, other = f"cli_dynaflow_{suffix}", f"cli_other_layout_{suffix}"
    try:
        described = check_runs(args, endpoint, table, ["--deletion-protection"], ddb)
        t.check(described["DeletionProtectionEnabled"] is True, "deletion protection")
        check_refuses_other_layout(args, endpoint, other, ddb)
    finally:
        with contextlib.suppress(Exception):
            ddb.update_table(TableName=table, DeletionProtectionEnabled=False)
        for name in (table, other):
            with contextlib.suppress(Exception):
                ddb.delete_table(TableName=name)


def main():
    args = t.arguments("--target")
    t.require_modules("boto3")
    t.require_tools("aws", *(["moto_server"] if args.target == "moto" else []))
    if args.target == "moto":
        with tempfile.TemporaryDirectory(prefix="dynaflow-cli-moto.") as work:
            on_moto(args, work)
    else:
        on_dynamodb_local(args)
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
