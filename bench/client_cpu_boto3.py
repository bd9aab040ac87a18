#!/usr/bin/env python3
"""boto3's CPU per conditional 1 KB PutItem: the same requests as bench/client_cpu_bench.cc.

One thread sends conditional PutItems (attribute_not_exists(PK), ReturnConsumedCapacity=INDEXES,
a new key each, the same six attributes) through a boto3 low-level client and prints the process
CPU time (user + system, getrusage RUSAGE_SELF) per request and the requests per second.

  client_cpu_boto3.py --endpoint http://127.0.0.1:PORT [--ops 3000] [--warmup 300]

Output (stdout, one line): "boto3 ops=N cpu_us_per_op=X user_us_per_op=U sys_us_per_op=S
ops_per_s=R". Exit status: 0 after printing, 1 when a request failed.
"""
import argparse
import os
import resource
import sys
import time

import boto3


def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime * 1e6, ru.ru_stime * 1e6


def put(client, table, pk, output):
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": pk},
            "SK": {"S": "STEP#step-3"},
            "status": {"S": "COMPLETED"},
            "attempt": {"N": "1"},
            "finishedAt": {"N": "1732190000456"},
            "output": {"S": output},
        },
        ConditionExpression="attribute_not_exists(PK)",
        ReturnConsumedCapacity="INDEXES",
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default=os.environ.get("DYNAFLOW_TEST_DYNAMODB_ENDPOINT"))
    p.add_argument("--ops", type=int, default=3000)
    p.add_argument("--warmup", type=int, default=300)
    a = p.parse_args()
    if not a.endpoint:
        p.error("--endpoint (or DYNAFLOW_TEST_DYNAMODB_ENDPOINT) is required")
    client = boto3.client(
        "dynamodb",
        endpoint_url=a.endpoint,
        region_name="us-east-1",
        aws_access_key_id="dynaflowbench",
        aws_secret_access_key="dynaflowbenchsecret",
    )
    table = "dynaflow_cpu_boto3_%d" % os.getpid()
    client.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    output = "x" * 1000
    prefix = "RUN#0192f0c4-7a8e-7cc1-b1f1-6f6f0a1d2e3f-"
    try:
        for i in range(a.warmup):
            put(client, table, "W" + prefix + str(i), output)
        u0, s0 = cpu()
        t0 = time.monotonic()
        for i in range(a.ops):
            put(client, table, prefix + str(i), output)
        seconds = time.monotonic() - t0
        u1, s1 = cpu()
    except Exception as e:  # noqa: BLE001 - any failure ends the bench
        print("client_cpu_boto3: %s" % e, file=sys.stderr)
        return 1
    finally:
        try:
            client.delete_table(TableName=table)
        except Exception:  # noqa: BLE001
            pass
    user, sys_ = (u1 - u0) / a.ops, (s1 - s0) / a.ops
    print("boto3 ops=%d cpu_us_per_op=%.1f user_us_per_op=%.1f sys_us_per_op=%.1f ops_per_s=%.0f"
          % (a.ops, user + sys_, user, sys_, a.ops / seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
