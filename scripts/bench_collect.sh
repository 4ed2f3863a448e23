#!/usr/bin/env bash
# Times a full `collect` of the demo-sized month against the local AWS emulator (moto):
#   - S3: the demo month's 155 delivery files (.json.gz, 12,382 records) as Bedrock writes them;
#   - CloudWatch Logs: the same records as log events (re-timed into the last 12 days: CloudWatch
#     and the emulator refuse events older than 14 days; tokens and cost are unchanged);
#   - metrics: hourly token sums per model for the last 14 days put with PutMetricData.
# Prints wall time, peak RSS, API calls (from the snapshot manifest) and checks that the
# snapshot's report equals the report on the files. Usage: scripts/bench_collect.sh [BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/bedrock-lens}
[ -x "$BIN" ] || { echo "error: $BIN not built (cargo build)" >&2; exit 2; }
# shellcheck source=scripts/emulator.sh
source scripts/emulator.sh
trap emulator_stop EXIT
emulator_start
PY=${EMULATOR_VENV:-target/emulator-venv}/bin/python
work=$(mktemp -d)
trap 'emulator_stop; rm -rf "$work"' EXIT
"$BIN" demo --out "$work/demo" > /dev/null 2>&1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
"$PY" - "$BEDROCK_LENS_EMULATOR" "$work/demo" <<'PY'
import boto3, gzip, json, os, sys, time, datetime as dt
ep, root = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=ep, region_name="us-east-1")
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="demo-logs")
records = []
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        s3.upload_file(p, "demo-logs", "bedrock/" + os.path.relpath(p, root))
        with gzip.open(p, "rt") as fh:
            records += [json.loads(l) for l in fh if l.strip()]
# Re-time October into the last 12 days, keeping order.
t0 = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc).timestamp()
now = time.time()
base = now - 12.5 * 86400
events = []
for r in records:
    t = dt.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).timestamp()
    nt = base + (t - t0) * (12 / 31)
    r["timestamp"] = dt.datetime.fromtimestamp(nt, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    events.append({"timestamp": int(nt * 1000), "message": json.dumps(r, separators=(",", ":"))})
events.sort(key=lambda e: e["timestamp"])
logs = boto3.client("logs", **kw)
logs.create_log_group(logGroupName="/bedrock/demo")
logs.create_log_stream(logGroupName="/bedrock/demo", logStreamName="s")
for i in range(0, len(events), 500):
    logs.put_log_events(logGroupName="/bedrock/demo", logStreamName="s", logEvents=events[i:i+500])
cw = boto3.client("cloudwatch", **kw)
models = sorted({r["modelId"] for r in records})
hour0 = int(now // 3600 * 3600) - 14 * 86400
for m in models:
    data = []
    for h in range(14 * 24):
        for name, v in (("Invocations", 3), ("InputTokenCount", 1500), ("OutputTokenCount", 400)):
            data.append({"MetricName": name, "Dimensions": [{"Name": "ModelId", "Value": m}],
                         "Timestamp": hour0 + h * 3600 + 60, "Value": v})
    for i in range(0, len(data), 1000):
        cw.put_metric_data(Namespace="AWS/Bedrock", MetricData=data[i:i+1000])
print(f"seeded {len(records)} records (S3 + CloudWatch Logs), {len(models)} models x 14 days of hourly metrics", file=sys.stderr)
PY
timed() {
  local label=$1; shift
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$BIN" "$@" --endpoint-url "$BEDROCK_LENS_EMULATOR" --quiet > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  e=$(date +%s.%N)
  printf '%-34s %6.2f s  peak RSS %5.1f MB\n' "$label" "$(echo "$e - $s" | bc)" "$(echo "$(cat "$work/rss") / 1024" | bc -l)"
}
start14=$(date -u -d '-14 days' +%Y-%m-%dT%H:00:00Z)
timed "collect logs --s3 (155 objects)" collect logs --s3 s3://demo-logs/bedrock --region us-east-1 --start 2026-10 --end 2026-10 --out "$work/s3"
timed "collect logs --log-group (12,382 ev)" collect logs --log-group /bedrock/demo --region us-east-1 --start "$start14" --out "$work/cwl"
timed "collect metrics (14 days, 1h)" collect metrics --region us-east-1 --start "$start14" --out "$work/cwl"
# 1-minute data over one day (the emulator computes GetMetricData slowly: 14 days at 1 minute
# times out there, not against CloudWatch).
timed "collect metrics (1 day, 1m)" collect metrics --region us-east-1 --start "$(date -u -d '-1 day' +%Y-%m-%dT%H:00:00Z)" --period 1m --out "$work/m1"
"$PY" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for snap in ("s3", "cwl", "m1"):
    m = json.load(open(f"{w}/{snap}/manifest.json"))
    for name, e in m["sources"].items():
        print(f"  {snap}/{name}: {e['rows']} rows, calls {e['api_calls']}, cost {e['api_cost_usd']}")
PY
a=$("$BIN" report --logs "$work/demo" --format json --by model 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["totals"])')
b=$("$BIN" report --snapshot "$work/s3" --format json --by model 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["totals"])')
c=$("$BIN" report --snapshot "$work/cwl" --format json --by model 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["totals"])')
[ "$a" = "$b" ] && echo "S3 snapshot report == report on the demo files" || { echo "MISMATCH (S3): $a vs $b" >&2; exit 1; }
[ "$a" = "$c" ] && echo "CloudWatch Logs snapshot report == report on the demo files" || { echo "MISMATCH (CWL): $a vs $c" >&2; exit 1; }
