"""Helpers of the table-as-code tests (tests/infra/*_test.py), which ctest runs.

Every test exits 0 when it passed, 1 when it failed and 77 when it was skipped because a tool
or Python module it needs is missing (ctest's SKIP_RETURN_CODE; the reason is printed).
"""

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

SKIP = 77
REGION = "eu-central-1"


def skip(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP)


def fail(message):
    print(f"FAILED: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def check_equal(actual, expected, what):
    if actual != expected:
        fail(f"{what}: got {actual!r}, expected {expected!r}")


def require_modules(*names):
    for name in names:
        try:
            __import__(name)
        except ImportError:
            skip(f"the Python module {name} is not installed")


def require_tools(*names):
    for name in names:
        if shutil.which(name) is None:
            skip(f"{name} is not on PATH")


def arguments(*extra):
    """Parses --repo, --gen, --verify (and any `extra` option names) from the command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True, help="the repository root")
    parser.add_argument("--gen", help="the dynaflow_infra_gen binary")
    parser.add_argument("--verify", help="the dynaflow_verify_seed_table binary")
    for name in extra:
        parser.add_argument(name)
    # ctest ends a test with SIGTERM on timeout: exit through the context managers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    return parser.parse_args()


def aws_env(**overrides):
    """The environment for AWS tools talking to an emulator: fixed dummy credentials, no
    profile, no instance metadata, no endpoint taken from the caller's environment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") or k in ("AWS_CA_BUNDLE",)}
    env.update(AWS_ACCESS_KEY_ID="dynaflowtest", AWS_SECRET_ACCESS_KEY="dynaflowtestsecret",
               AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    env.update(overrides)
    return env


def run(command, *, env=None, expect=0, timeout=300, cwd=None):
    """Runs `command`; fails the test when its exit status is not `expect` (None: any).
    Returns the CompletedProcess (text stdout and stderr)."""
    start = time.monotonic()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    took = time.monotonic() - start
    print(f"$ {' '.join(command)}  (exit {done.returncode}, {took:.1f} s)", flush=True)
    if expect is not None and done.returncode != expect:
        fail(f"exit status {done.returncode}, expected {expect}\n--- stdout\n{done.stdout}"
             f"--- stderr\n{done.stderr}")
    return done


def code_layout(gen):
    """The layout of the code, as dynaflow_infra_gen --layout-json prints it."""
    return json.loads(run([gen, "--layout-json"]).stdout)


def verify_table(verify, endpoint, table, *, ttl=True, expect=0, env=None):
    """Runs VerifySeedTable (dynaflow_verify_seed_table) on `table`; returns its output."""
    command = [verify, "--endpoint", endpoint, "--region", REGION, "--table", table]
    if not ttl:
        command.append("--no-ttl-check")
    done = run(command, env=env or aws_env(), expect=expect)
    print(done.stdout.strip(), flush=True)
    return done.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # Linux PR_SET_PDEATHSIG: the server gets SIGTERM when this test process dies, even by
    # SIGKILL, so no emulator outlives its test.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class MotoServer:
    """moto's server on a free loopback port, for the duration of a `with` block.

    Its log goes to moto_server.log in `log_dir` (printed when starting fails)."""

    def __init__(self, log_dir, start_timeout=30):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(log_dir, "moto_server.log")
        self.start_timeout = start_timeout
        self.process = None

    def __enter__(self):
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    with open(self.log_path) as f:
                        fail(f"moto_server did not start on {self.endpoint}:\n{f.read()}")
                time.sleep(0.1)
        print(f"moto_server pid {self.process.pid} at {self.endpoint}", flush=True)
        return self

    def __exit__(self, *_):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="dynaflowtest",
                            aws_secret_access_key="dynaflowtestsecret")


def policy_document(statements, table_arn):
    """The IAM policy document of the layout's `statements` on table `table_arn`."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": s["sid"], "Effect": "Allow",
         "Action": s["actions"][0] if len(s["actions"]) == 1 else s["actions"],
         "Resource": table_arn if s["resource"] == "table" else table_arn + "/index/*"}
        for s in statements]}


def check_policy(document, statements, table_arn, what):
    """Fails unless `document` (a dict or JSON text) is the layout's policy on `table_arn`."""
    if isinstance(document, str):
        document = json.loads(document)
    check_equal(document, policy_document(statements, table_arn), what)


def check_managed_policies(iam, outputs, output_names, layout, table_arn):
    """Fails unless the IAM managed policies whose ARNs are `outputs`[name] for the two
    `output_names` (runtime, provisioning) hold the layout's runtime and provisioning policies
    on `table_arn`."""
    for output, statements in zip(output_names,
                                  (layout["runtime_policy"], layout["provisioning_policy"])):
        policy = iam.get_policy(PolicyArn=outputs[output])["Policy"]
        version = iam.get_policy_version(PolicyArn=policy["Arn"],
                                         VersionId=policy["DefaultVersionId"])
        check_policy(version["PolicyVersion"]["Document"], statements, table_arn, output)


def check_protection_and_tags(ddb, table, tags):
    """Fails unless `table` (DescribeTable's "Table") has deletion protection and point-in-time
    recovery on and exactly the tags `tags` ((key, value) pairs, sorted)."""
    check(table["DeletionProtectionEnabled"] is True, "deletion protection")
    pitr = ddb.describe_continuous_backups(TableName=table["TableName"])
    check_equal(pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
                ["PointInTimeRecoveryStatus"], "ENABLED", "point-in-time recovery")
    actual = ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    check_equal(sorted((x["Key"], x["Value"]) for x in actual), tags, "tags")


def terraform_mirror():
    """A filesystem mirror holding the hashicorp/aws provider (DYNAFLOW_TF_PLUGIN_MIRROR,
    default /opt/tf-plugins), or None: `terraform init` cannot download it without network."""
    mirror = os.environ.get("DYNAFLOW_TF_PLUGIN_MIRROR", "/opt/tf-plugins")
    return mirror if os.path.isdir(os.path.join(mirror, "registry.terraform.io/hashicorp/aws")) \
        else None


def terraform_env(work, mirror):
    """Environment for terraform: its own CLI configuration (installing hashicorp/aws from
    `mirror`, nothing from the network), no checkpoint calls, data under `work`."""
    rc = os.path.join(work, "terraformrc")
    with open(rc, "w") as f:
        f.write('provider_installation {\n  filesystem_mirror {\n'
                f'    path    = "{mirror}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n'
                '  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
    return aws_env(TF_CLI_CONFIG_FILE=rc, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
                   TF_DATA_DIR=os.path.join(work, ".terraform"))
