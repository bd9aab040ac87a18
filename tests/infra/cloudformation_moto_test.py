"""infra.cloudformation_on_moto: infra/aws/cloudformation.yaml deployed on moto's CloudFormation
(moto_server on a free loopback port), then the resulting table checked by the code's own
VerifySeedTable (dynaflow_verify_seed_table) and the two managed policies read back from IAM.

Two stacks: the defaults plus a stream (PAY_PER_REQUEST, PITR and deletion protection on), and
PROVISIONED with 3/4 capacity units, deletion protection off, no stream.

moto's CloudFormation does not apply TimeToLiveSpecification nor
PointInTimeRecoverySpecification (moto 5.2.1, dynamodb/models/table.py
create_from_cloudformation_json), so TTL is left out of VerifySeedTable here; the template's TTL
is checked by infra.files_match_layout and cfn-lint, and applied for real by
infra.terraform_on_moto and infra.create_table_* (same layout, same generator).
Needs boto3 and moto_server (skipped without them).
"""

import sys
import tempfile

import infra_support as t


def deploy(cfn, name, template, parameters):
    cfn.create_stack(StackName=name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                 for k, v in parameters.items()])
    cfn.get_waiter("stack_create_complete").wait(StackName=name,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    t.check_equal(stack["StackStatus"], "CREATE_COMPLETE", f"stack {name}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    print(f"stack {name}: {stack['StackStatus']}, outputs {sorted(outputs)}")
    return outputs


def check_policies(iam, outputs, layout):
    t.check_managed_policies(iam, outputs, ("RuntimePolicyArn", "ProvisioningPolicyArn"), layout,
                             outputs["TableArn"])
    print("the managed policies are the layout's runtime and provisioning policies on the table")


def main():
    args = t.arguments()
    t.require_modules("boto3")
    t.require_tools("moto_server")
    layout = t.code_layout(args.gen)
    with open(f"{args.repo}/infra/aws/cloudformation.yaml") as f:
        template = f.read()
    with tempfile.TemporaryDirectory(prefix="dynaflow-cfn-moto.") as work, \
            t.MotoServer(work) as moto:
        cfn, ddb, iam = moto.client("cloudformation"), moto.client("dynamodb"), moto.client("iam")

        outputs = deploy(cfn, "dynaflow-defaults", template,
                         {"TableName": "cfn_defaults", "StreamViewType": "NEW_AND_OLD_IMAGES"})
        t.check_equal(set(outputs), {"TableName", "TableArn", "StreamArn", "RuntimePolicyArn",
                                     "ProvisioningPolicyArn"}, "outputs with a stream")
        t.check_equal(outputs["TableName"], "cfn_defaults", "TableName output")
        t.verify_table(args.verify, moto.endpoint, "cfn_defaults", ttl=False)
        table = ddb.describe_table(TableName="cfn_defaults")["Table"]
        t.check_equal(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST", "billing")
        t.check_equal(table["TableArn"], outputs["TableArn"], "TableArn output")
        t.check_equal(str(table["DeletionProtectionEnabled"]).lower(), "true",
                      "deletion protection")
        t.check_equal(table["StreamSpecification"],
                      {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}, "stream")
        t.check_equal(outputs["StreamArn"], table["LatestStreamArn"], "StreamArn output")
        tags = ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
        t.check({"Key": "application", "Value": "dynaflow"} in tags, f"tags {tags}")
        check_policies(iam, outputs, layout)

        outputs = deploy(cfn, "dynaflow-provisioned", template,
                         {"TableName": "cfn_provisioned", "BillingMode": "PROVISIONED",
                          "ReadCapacityUnits": "3", "WriteCapacityUnits": "4",
                          "DeletionProtection": "false"})
        t.check("StreamArn" not in outputs, "no StreamArn output without a stream")
        t.verify_table(args.verify, moto.endpoint, "cfn_provisioned", ttl=False)
        table = ddb.describe_table(TableName="cfn_provisioned")["Table"]
        capacities = [(x["ProvisionedThroughput"]["ReadCapacityUnits"],
                       x["ProvisionedThroughput"]["WriteCapacityUnits"])
                      for x in [table] + table["GlobalSecondaryIndexes"]]
        t.check_equal(capacities, [(3, 4)] * (1 + len(layout["indexes"])),
                      "capacities of the table and its indexes")
        t.check_equal(str(table.get("DeletionProtectionEnabled")).lower(), "false",
                      "deletion protection off")
        check_policies(iam, outputs, layout)

        # The check can fail: a table of another layout on the same server is refused.
        ddb.create_table(TableName="not_seed", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])
        out = t.verify_table(args.verify, moto.endpoint, "not_seed", ttl=False, expect=1)
        t.check("missing index GSI1" in out, "VerifySeedTable names the missing index")
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
