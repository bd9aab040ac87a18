"""infra.cfn_lint, infra.shellcheck, infra.terraform_validate: each generated file through its
own tool's checker.

  lint_test.py --repo ROOT --tool cfn-lint            cfn-lint on cloudformation.yaml
  lint_test.py --repo ROOT --tool shellcheck          bash -n and shellcheck on create-table.sh
  lint_test.py --repo ROOT --tool terraform           terraform fmt -check, then init + validate
                                                      of the module (offline, see below)

`terraform validate` needs the AWS provider, which `terraform init` downloads; this machine has
no network, so init uses a local provider mirror: DYNAFLOW_TF_PLUGIN_MIRROR (default
/opt/tf-plugins, a filesystem mirror holding registry.terraform.io/hashicorp/aws). Without a
mirror the test is skipped after the fmt check. A missing tool skips the test (exit 77).
"""

import os
import shutil
import sys
import tempfile

import infra_support as t


def cfn_lint(repo):
    t.require_tools("cfn-lint")
    # Exit status 0: no error, warning or informational finding.
    done = t.run(["cfn-lint", "--", os.path.join(repo, "infra/aws/cloudformation.yaml")],
                 expect=None)
    t.check(done.returncode == 0, f"cfn-lint findings:\n{done.stdout}{done.stderr}")
    print("cloudformation.yaml: cfn-lint clean")


def shellcheck(repo):
    t.require_tools("shellcheck")
    script = os.path.join(repo, "infra/aws/create-table.sh")
    t.run(["bash", "-n", script])
    t.run(["shellcheck", script])
    print("create-table.sh: bash -n and shellcheck clean")


def terraform(repo):
    t.require_tools("terraform")
    module = os.path.join(repo, "infra/aws/terraform")
    t.run(["terraform", "fmt", "-check", "-diff", "-recursive", module],
          env=dict(os.environ, CHECKPOINT_DISABLE="1"))
    print("terraform/: terraform fmt clean")
    mirror = t.terraform_mirror()
    if mirror is None:
        t.skip("terraform validate: no AWS provider mirror (set DYNAFLOW_TF_PLUGIN_MIRROR); "
               "only terraform fmt was checked")
    with tempfile.TemporaryDirectory(prefix="dynaflow-tf-validate.") as work:
        copy = os.path.join(work, "module")
        shutil.copytree(module, copy)
        env = t.terraform_env(work, mirror)
        t.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], env=env,
              cwd=copy)
        t.run(["terraform", "validate", "-no-color"], env=env, cwd=copy)
    print(f"terraform/: terraform validate clean (provider from {mirror})")


def main():
    args = t.arguments("--tool")
    {"cfn-lint": cfn_lint, "shellcheck": shellcheck, "terraform": terraform}[args.tool](args.repo)
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
