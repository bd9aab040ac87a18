"""infra.files_match_layout: every file of infra/aws/ and infra/docker-compose.yml parses, and the
table and IAM policies in each are the ones of the code (dynaflow_infra_gen --layout-json, i.e.
dynaflow/store/table/seed_layout.h and the generator's policies).

Independent of the generator's text: it reads each file as its own tool would (JSON, YAML with
CloudFormation's tags, the HCL blocks of the Terraform module, the AWS CLI calls of the script).
Needs PyYAML (skipped without it).
"""

import json
import os
import re
import sys

import infra_support as t

ARN = "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE_NAME"


def key_schema(hash_key, range_key):
    return [{"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"}]


def expected_attributes(layout):
    return [{"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in layout["attributes"]]


def check_iam_files(repo, layout):
    for name, statements in (("iam-runtime.json", layout["runtime_policy"]),
                             ("iam-provisioning.json", layout["provisioning_policy"])):
        with open(os.path.join(repo, "infra/aws", name)) as f:
            t.check_policy(json.load(f), statements, ARN, name)
    print("iam-runtime.json, iam-provisioning.json: the layout's policies")


def cfn_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(name):
        def construct(loader, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            return {"Ref" if name == "Ref" else "Fn::" + name: value}
        return construct

    for name in ("Ref", "GetAtt", "Sub", "If", "Equals", "Not", "Join", "Select"):
        Loader.add_constructor("!" + name, tag(name))
    return Loader


def check_cloudformation(repo, layout):
    import yaml
    with open(os.path.join(repo, "infra/aws/cloudformation.yaml")) as f:
        template = yaml.load(f, Loader=cfn_loader())
    resources = template["Resources"]
    table = resources["Table"]
    t.check_equal(table["Type"], "AWS::DynamoDB::Table", "Table type")
    props = table["Properties"]
    t.check_equal(props["AttributeDefinitions"], expected_attributes(layout),
                  "CloudFormation attribute definitions")
    t.check_equal(props["KeySchema"], key_schema(layout["hash_key"], layout["range_key"]),
                  "CloudFormation key schema")
    indexes = [{"IndexName": i["IndexName"], "KeySchema": i["KeySchema"],
                "Projection": i["Projection"]} for i in props["GlobalSecondaryIndexes"]]
    t.check_equal(indexes, [{"IndexName": i["name"],
                             "KeySchema": key_schema(i["hash_key"], i["range_key"]),
                             "Projection": {"ProjectionType": i["projection"]}}
                            for i in layout["indexes"]], "CloudFormation indexes")
    t.check_equal(props["TimeToLiveSpecification"],
                  {"AttributeName": layout["ttl_attribute"], "Enabled": True}, "CloudFormation TTL")
    t.check_equal(props["PointInTimeRecoverySpecification"],
                  {"PointInTimeRecoveryEnabled": {"Ref": "PointInTimeRecovery"}},
                  "CloudFormation PITR")
    t.check_equal(props["DeletionProtectionEnabled"], {"Ref": "DeletionProtection"},
                  "CloudFormation deletion protection")
    t.check("StreamSpecification" in props and "Tags" in props, "stream and tags of the table")
    t.check_equal(template["Parameters"]["TableName"]["Default"], layout["default_table_name"],
                  "default table name")
    t.check_equal(template["Parameters"]["BillingMode"]["Default"],
                  layout["default_billing_mode"], "default billing mode")
    arn = {"Fn::GetAtt": ["Table", "Arn"]}
    for name, statements in (("RuntimePolicy", layout["runtime_policy"]),
                             ("ProvisioningPolicy", layout["provisioning_policy"])):
        t.check_equal(resources[name]["Type"], "AWS::IAM::ManagedPolicy", name)
        document = resources[name]["Properties"]["PolicyDocument"]
        expected = t.policy_document(statements, "ARN")
        for statement in expected["Statement"]:
            statement["Resource"] = (arn if statement["Resource"] == "ARN"
                                     else {"Fn::Sub": "${Table.Arn}/index/*"})
        t.check_equal(document, expected, f"CloudFormation {name}")
    t.check_equal(sorted(template["Outputs"]),
                  sorted(["TableName", "TableArn", "StreamArn", "RuntimePolicyArn",
                          "ProvisioningPolicyArn"]), "CloudFormation outputs")
    print("cloudformation.yaml: the layout's table (keys, indexes, TTL), PITR, deletion "
          "protection, stream, tags, both policies, outputs")


def hcl_blocks(text, name):
    """The bodies of the HCL blocks `name { ... }` in `text` (nested braces matched)."""
    bodies = []
    for match in re.finditer(r"^\s*" + re.escape(name) + r"\s*\{", text, re.M):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies.append(text[match.end():i - 1])
    return bodies


def hcl_attributes(body):
    """The `key = "string"` and `key = bare` attributes directly in `body`."""
    return {m.group(1): m.group(2) or m.group(3)
            for m in re.finditer(r'^\s*(\w+)\s*=\s*(?:"([^"]*)"|(\S+))\s*$', body, re.M)}


def check_terraform(repo, layout):
    with open(os.path.join(repo, "infra/aws/terraform/main.tf")) as f:
        main = f.read()
    (table,) = hcl_blocks(main, 'resource "aws_dynamodb_table" "this"')
    top = hcl_attributes(table.split("attribute {")[0])
    t.check_equal((top["hash_key"], top["range_key"]), (layout["hash_key"], layout["range_key"]),
                  "Terraform keys")
    t.check_equal([hcl_attributes(b) for b in hcl_blocks(table, "attribute")],
                  [{"name": a["name"], "type": a["type"]} for a in layout["attributes"]],
                  "Terraform attributes")
    indexes = [hcl_attributes(b) for b in hcl_blocks(table, "global_secondary_index")]
    t.check_equal([(i["name"], i["hash_key"], i["range_key"], i["projection_type"])
                   for i in indexes],
                  [(i["name"], i["hash_key"], i["range_key"], i["projection"])
                   for i in layout["indexes"]], "Terraform indexes")
    (ttl,) = hcl_blocks(table, "ttl")
    t.check_equal(hcl_attributes(ttl), {"attribute_name": layout["ttl_attribute"],
                                        "enabled": "true"}, "Terraform TTL")
    t.check(len(hcl_blocks(table, "point_in_time_recovery")) == 1, "Terraform PITR block")
    for policy, statements in (("runtime", layout["runtime_policy"]),
                               ("provisioning", layout["provisioning_policy"])):
        (body,) = hcl_blocks(main, f'resource "aws_iam_policy" "{policy}"')
        actions = re.findall(r'"(dynamodb:\w+)"', body)
        t.check_equal(actions, [a for s in statements for a in s["actions"]],
                      f"Terraform {policy} policy actions")
    with open(os.path.join(repo, "infra/aws/terraform/variables.tf")) as f:
        variables = f.read()
    (name,) = hcl_blocks(variables, 'variable "table_name"')
    t.check_equal(hcl_attributes(name)["default"], layout["default_table_name"],
                  "Terraform default table name")
    with open(os.path.join(repo, "infra/aws/terraform/outputs.tf")) as f:
        outputs = re.findall(r'^output "(\w+)"', f.read(), re.M)
    t.check_equal(outputs, ["table_name", "table_arn", "stream_arn", "runtime_policy_arn",
                            "provisioning_policy_arn"], "Terraform outputs")
    print("terraform/: the layout's table (keys, attributes, indexes, TTL), PITR, both policies' "
          "actions, variables, outputs (terraform fmt/validate/apply: the other infra tests)")


def check_script(repo, layout):
    with open(os.path.join(repo, "infra/aws/create-table.sh")) as f:
        script = f.read()
    definitions = re.search(r"--attribute-definitions ((?:AttributeName=\S+ \\\n\s*)*"
                            r"AttributeName=\S+) \\", script).group(1)
    t.check_equal(re.findall(r"AttributeName=(\w+),AttributeType=(\w)", definitions),
                  [(a["name"], a["type"]) for a in layout["attributes"]],
                  "create-table.sh attribute definitions")
    keys = re.search(r"--key-schema (.*) \\", script).group(1)
    t.check_equal(keys, f"AttributeName={layout['hash_key']},KeyType=HASH "
                        f"AttributeName={layout['range_key']},KeyType=RANGE",
                  "create-table.sh key schema")
    gsi = re.search(r"cat <<JSON\n(.*?)\nJSON", script, re.S).group(1)
    for throughput in ("", ', "ProvisionedThroughput": {"ReadCapacityUnits": 1, '
                           '"WriteCapacityUnits": 1}'):
        indexes = json.loads(gsi.replace("$throughput", throughput))
        t.check_equal([(i["IndexName"], i["KeySchema"], i["Projection"]["ProjectionType"])
                       for i in indexes],
                      [(i["name"], key_schema(i["hash_key"], i["range_key"]), i["projection"])
                       for i in layout["indexes"]], "create-table.sh indexes")
    ttl = re.search(r'--time-to-live-specification "Enabled=true,AttributeName=(\w+)"', script)
    t.check_equal(ttl.group(1), layout["ttl_attribute"], "create-table.sh TTL attribute")
    expected = re.search(r"LAYOUT_EXPECTED=\((.*?)\)", script, re.S).group(1)
    wanted = [f"{layout['hash_key']}=HASH {layout['range_key']}=RANGE"]
    wanted += [a["type"] for a in layout["attributes"]]
    for i in layout["indexes"]:
        wanted += [f"{i['hash_key']}=HASH {i['range_key']}=RANGE", i["projection"]]
    t.check_equal(re.findall(r'"([^"]*)"', expected), wanted, "create-table.sh layout check")
    # Every DynamoDB call of the script is allowed by the provisioning policy.
    allowed = {a for s in layout["provisioning_policy"] for a in s["actions"]}
    calls = set(re.findall(r"\bddb ([a-z-]+)", script)) - {"wait"}
    calls |= {"describe-table"} if "ddb wait table-exists" in script else set()
    t.check(len(calls) >= 7, f"found only these AWS CLI calls: {sorted(calls)}")
    for call in sorted(calls):
        action = "dynamodb:" + "".join(part.title() for part in call.split("-"))
        t.check(action in allowed, f"create-table.sh calls {call}, but the provisioning policy "
                                   f"lacks {action}")
    print(f"create-table.sh: the layout's table, TTL and check; its {len(calls)} DynamoDB calls "
          "are all in iam-provisioning.json")


def check_compose(repo, layout):
    import yaml
    with open(os.path.join(repo, "infra/docker-compose.yml")) as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    version = layout["dynamodb_local_version"]
    t.check_equal(services["dynamodb-local"]["image"], f"amazon/dynamodb-local:{version}",
                  "docker-compose DynamoDB Local image")
    with open(os.path.join(repo, "infra/dynamodb-local.sh")) as f:
        t.check(f"ships DynamoDB Local {version}" in f.read(),
                f"infra/dynamodb-local.sh does not pin DynamoDB Local {version}")
    command = " ".join(services["create-table"]["command"])
    t.check("/dynaflow/aws/create-table.sh" in command and
            "./aws:/dynaflow/aws:ro" in services["create-table"]["volumes"],
            "docker-compose runs infra/aws/create-table.sh")
    print(f"docker-compose.yml: DynamoDB Local {version} (the version infra/dynamodb-local.sh "
          "runs) and create-table.sh")


def main():
    args = t.arguments()
    t.require_modules("yaml")
    layout = t.code_layout(args.gen)
    check_iam_files(args.repo, layout)
    check_cloudformation(args.repo, layout)
    check_terraform(args.repo, layout)
    check_script(args.repo, layout)
    check_compose(args.repo, layout)
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
