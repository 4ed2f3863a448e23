#!/usr/bin/env bash
# `collect all` end to end on this machine, without AWS: starts the local emulator (moto, as the
# tests do), seeds one day three days ago (AWS/Bedrock metrics, an invocation log group, Cost
# Explorer pages; CloudWatch Logs refuses events older than 14 days), then runs `collect all
# --month` (that day's month) and `reconcile` on what it collected.
# This is where the README's `collect all` output comes from. Usage:
#   bash scripts/collect-all-example.sh [BINARY]   (default: target/debug/bedrock-lens)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$root/target/debug/bedrock-lens}
[ -f "$bin" ] && [ -x "$bin" ] || { echo "error: $bin is not an executable file (cargo build first, or give the bedrock-lens binary)" >&2; exit 1; }
# shellcheck source=scripts/emulator.sh
source "$root/scripts/emulator.sh"
trap emulator_stop EXIT
emulator_start
out=$(mktemp -d)
venv=${EMULATOR_VENV:-$root/target/emulator-venv}
month=$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
  "$venv/bin/python" - "$BEDROCK_LENS_EMULATOR" <<'PY'
import datetime as dt, json, sys, urllib.request
import boto3
ep = sys.argv[1]
cw = boto3.client("cloudwatch", endpoint_url=ep)
logs = boto3.client("logs", endpoint_url=ep)
d = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)).date()
t0 = dt.datetime(d.year, d.month, d.day, 9, 0, tzinfo=dt.timezone.utc)
# Metrics: Nova Micro at 09:00 and 10:00 (5 calls), Haiku 4.5 on a global profile (40 calls).
for model, metric, values in [
    ("amazon.nova-micro-v1:0", "Invocations", [3, 2]),
    ("amazon.nova-micro-v1:0", "InputTokenCount", [1200, 800]),
    ("amazon.nova-micro-v1:0", "OutputTokenCount", [300, 200]),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "Invocations", [40, 0]),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "InputTokenCount", [1_000_000, 0]),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "OutputTokenCount", [100_000, 0]),
]:
    for h, v in enumerate(values):
        h += 5 if model.startswith("global.") else 0  # Haiku 4.5 at 14:00, in no logged hour
        cw.put_metric_data(Namespace="AWS/Bedrock", MetricData=[{
            "MetricName": metric, "Dimensions": [{"Name": "ModelId", "Value": model}],
            "Timestamp": t0 + dt.timedelta(hours=h, minutes=1), "Value": float(v)}])
# Invocation logs: Nova Micro's 5 calls; Haiku 4.5's are not logged (a logging gap).
logs.create_log_group(logGroupName="/bedrock/invocations")
logs.create_log_stream(logGroupName="/bedrock/invocations", logStreamName="aws/bedrock/modelinvocations")
events = []
for i, (h, inp, out) in enumerate([(0, 400, 100), (0, 400, 100), (0, 400, 100), (1, 400, 100), (1, 400, 100)]):
    t = t0 + dt.timedelta(hours=h, minutes=5 + i)
    events.append({"timestamp": int(t.timestamp() * 1000), "message": json.dumps({
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
        "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "accountId": "123456789012",
        "region": "us-east-1", "requestId": f"req-{i}", "operation": "Converse",
        "modelId": "amazon.nova-micro-v1:0",
        "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/app/s"},
        "input": {"inputContentType": "application/json", "inputTokenCount": inp},
        "output": {"outputContentType": "application/json", "outputTokenCount": out}})})
logs.put_log_events(logGroupName="/bedrock/invocations", logStreamName="aws/bedrock/modelinvocations", logEvents=events)
# Cost Explorer: the usage charges (Haiku 4.5 billed 7% above its catalog price), then the
# record types (a credit).
def group(keys, **metrics):
    return {"Keys": keys, "Metrics": {k: {"Amount": v, "Unit": "USD" if k != "UsageQuantity" else "N/A"} for k, v in metrics.items()}}
day = {"Start": d.isoformat(), "End": (d + dt.timedelta(days=1)).isoformat()}
usage = {"ResultsByTime": [{"TimePeriod": day, "Estimated": False, "Groups": [
    group(["Amazon Bedrock", "USE1-NovaMicro-input-tokens"], UnblendedCost="0.00007", UsageQuantity="2000"),
    group(["Amazon Bedrock", "USE1-NovaMicro-output-tokens"], UnblendedCost="0.00007", UsageQuantity="500"),
    group(["Claude Haiku 4.5 (Amazon Bedrock Edition)", "USE1-MP:USE1_InputTokenCount-Units_Global"], UnblendedCost="1.075", UsageQuantity="1"),
    group(["Claude Haiku 4.5 (Amazon Bedrock Edition)", "USE1-MP:USE1_OutputTokenCount-Units_Global"], UnblendedCost="0.5375", UsageQuantity="0.1"),
]}], "DimensionValueAttributes": [], "GroupDefinitions": []}
types = {"ResultsByTime": [{"TimePeriod": day, "Estimated": False, "Groups": [
    group(["Amazon Bedrock", "Usage"], UnblendedCost="0.00014", NetUnblendedCost="0.00014"),
    group(["Claude Haiku 4.5 (Amazon Bedrock Edition)", "Usage"], UnblendedCost="1.6125", NetUnblendedCost="1.6125"),
    group(["Claude Haiku 4.5 (Amazon Bedrock Edition)", "Credit"], UnblendedCost="-0.50", NetUnblendedCost="-0.50"),
]}], "DimensionValueAttributes": [], "GroupDefinitions": []}
req = urllib.request.Request(ep + "/moto-api/static/ce/cost-and-usage-results", method="POST",
    data=json.dumps({"account_id": "123456789012", "results": [usage, types]}).encode())
urllib.request.urlopen(req).read()
print(d.strftime("%Y-%m"))
PY
)
run() {
  printf '$ bedrock-lens'; printf ' %q' "$@"; echo
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/nonexistent \
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true \
    "$bin" "$@" --endpoint-url "$BEDROCK_LENS_EMULATOR" 2>&1 | sed "s|$out|oct|g"
}
cd "$out"
run collect all --month "$month" --region us-east-1 --sources metrics,logs,costs \
  --log-group /bedrock/invocations --service "Amazon Bedrock" \
  --service "Claude Haiku 4.5 (Amazon Bedrock Edition)" --out oct
echo
echo "\$ bedrock-lens reconcile --snapshot oct --min-gap-usd 0.05"
"$bin" reconcile --snapshot oct --min-gap-usd 0.05 2>&1
