"""infra.terraform_on_moto: the Terraform module (infra/aws/terraform) applied with the real AWS
provider against moto_server on a free loopback port, then the table checked by the code's own
VerifySeedTable (dynaflow_verify_seed_table, TTL included), its PITR, deletion protection,
stream and tags read back, and the two IAM policies compared with the layout's.

The provider comes from a local mirror (see infra_support.terraform_mirror; no network here).
Needs terraform, the mirror, boto3 and moto_server (skipped without them).
"""

import json
import os
import shutil
import sys
import tempfile

import infra_support as t

ROOT_MODULE = """
variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "%(region)s"
  access_key                  = "dynaflowtest"
  secret_key                  = "dynaflowtestsecret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    dynamodb = var.endpoint
    iam      = var.endpoint
    sts      = var.endpoint
  }
}

module "dynaflow" {
  source           = "./module"
  table_name       = "tf_dynaflow"
  stream_view_type = "NEW_IMAGE"
  tags             = { application = "dynaflow", environment = "test" }
}

output "all" {
  value = module.dynaflow
}
""" % {"region": t.REGION}


def main():
    args = t.arguments()
    t.require_modules("boto3")
    t.require_tools("terraform", "moto_server")
    mirror = t.terraform_mirror()
    if mirror is None:
        t.skip("no AWS provider mirror for terraform (set DYNAFLOW_TF_PLUGIN_MIRROR)")
    layout = t.code_layout(args.gen)
    with tempfile.TemporaryDirectory(prefix="dynaflow-tf-moto.") as work, \
            t.MotoServer(work) as moto:
        root = os.path.join(work, "root")
        shutil.copytree(os.path.join(args.repo, "infra/aws/terraform"),
                        os.path.join(root, "module"))
        with open(os.path.join(root, "main.tf"), "w") as f:
            f.write(ROOT_MODULE)
        env = t.terraform_env(work, mirror)
        t.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], env=env,
              cwd=root)
        t.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color",
               f"-var=endpoint={moto.endpoint}"], env=env, cwd=root, timeout=600)
        outputs = json.loads(t.run(["terraform", "output", "-json", "all"], env=env,
                                   cwd=root).stdout)
        print(f"module outputs: {sorted(outputs)}")

        t.verify_table(args.verify, moto.endpoint, "tf_dynaflow")
        ddb, iam = moto.client("dynamodb"), moto.client("iam")
        table = ddb.describe_table(TableName="tf_dynaflow")["Table"]
        t.check_equal(outputs["table_name"], "tf_dynaflow", "table_name output")
        t.check_equal(outputs["table_arn"], table["TableArn"], "table_arn output")
        t.check_equal(outputs["stream_arn"], table["LatestStreamArn"], "stream_arn output")
        t.check_equal(table["BillingModeSummary"]["BillingMode"], layout["default_billing_mode"],
                      "billing mode")
        t.check_equal(table["StreamSpecification"]["StreamViewType"], "NEW_IMAGE", "stream")
        t.check_protection_and_tags(ddb, table,
                                    [("application", "dynaflow"), ("environment", "test")])
        t.check_managed_policies(iam, outputs, ("runtime_policy_arn", "provisioning_policy_arn"),
                                 layout, table["TableArn"])
        print("table: TTL, PITR, deletion protection, stream and tags as configured; both "
              "policies are the layout's")
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
