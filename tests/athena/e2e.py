"""`collect logs --athena` end to end against the emulator (moto), and the exactness invariant.

moto's Athena does not run SQL: it answers each query with the result a test queues. So the
aggregation query is rendered for DuckDB, run over the same logs (the demo's October, in
Bedrock's S3 layout), and its rows queued in moto as Athena's answer; the logs are uploaded to
moto's S3, where the collector lists them (the scan estimate), reads the busiest hour back (the
runtime check) and records the objects. Then, for several --by sets, `report --logs L --format
json` must equal `report --snapshot S --format json` byte for byte. Also: the busiest-hour check
refusing sums that differ from the objects (nothing written, exit 1), and the scan-cost refusal.

Usage: e2e.py BEDROCK_LENS DEMO_LOGS EMULATOR_URL (DEMO_LOGS: `demo --out DIR`, re-filed here by hour)
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import duckdb

from fixtures import bad_lines, rec

exe, demo, emu = sys.argv[1], sys.argv[2], sys.argv[3]


def hourly(src):
    """The demo's logs (one object per day) as Bedrock delivers them: one object per hour folder,
    the folder of the records' own hour."""
    dst = tempfile.mkdtemp()
    for dirpath, _, files in os.walk(src):
        for f in files:
            p = os.path.join(dirpath, f)
            by_hour = {}
            for line in gzip.open(p, "rt"):
                hour = json.loads(line)["timestamp"][11:13]
                by_hour.setdefault(hour, []).append(line)
            day_dir = os.path.dirname(os.path.dirname(os.path.relpath(p, src)))
            for hour, lines in by_hour.items():
                out = os.path.join(dst, day_dir, hour, f.replace(".json.gz", f"-{hour}.json.gz"))
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with gzip.open(out, "wt") as g:
                    g.writelines(lines)
    return dst


root = hourly(demo)
env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
for k in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]:
    env.pop(k, None)
accounts = sorted(os.listdir(os.path.join(root, "AWSLogs")))
period = ["--start", "2026-10", "--end", "2026-10"]


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(emu + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def place(files, local, s3_prefix):
    """Writes each (hour folder/name: lines) of account 111122223333 in us-east-1 under `local`
    and uploads it under `s3_prefix` (bucket/prefix in the emulator's S3)."""
    for rel, lines in files.items():
        key = f"AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/{rel}"
        os.makedirs(os.path.dirname(os.path.join(local, key)), exist_ok=True)
        body = ("\n".join(lines) + "\n").encode()
        open(os.path.join(local, key), "wb").write(body)
        http("PUT", f"{s3_prefix}/{key}", body, {"Content-Type": "application/octet-stream"})


def run(*args, check=True):
    out = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    if check and out.returncode != 0:
        sys.exit(f"bedrock-lens {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out


# The logs in moto's S3, under s3://e2e-logs/bedrock/AWSLogs/...
http("PUT", "/e2e-logs")
http("PUT", "/e2e-results")
uploaded = 0
for dirpath, _, files in os.walk(root):
    for f in files:
        p = os.path.join(dirpath, f)
        key = "bedrock/" + os.path.relpath(p, root)
        with open(p, "rb") as fh:
            http("PUT", f"/e2e-logs/{key}", fh.read(), {"Content-Type": "application/octet-stream"})
        uploaded += 1


def duck_result(by, tamper=False, root=root, period=period):
    """The aggregation's rows computed by DuckDB, as Athena returns them (text, NULL as absent)."""
    sql = run("athena", "query", "--engine", "duckdb", "--root", root, *period, "--by", by).stdout
    cur = duckdb.connect().execute(sql)
    cols = [d[0] for d in cur.description]
    rows = [{"Data": [{"VarCharValue": c} for c in cols]}]
    values = cur.fetchall()
    if tamper:
        # One more input token in the busiest hour's first priced group.
        hours = {}
        for v in values:
            r = dict(zip(cols, v))
            if not r["problem"]:
                hours[r["hour"]] = hours.get(r["hour"], 0) + r["invocations"]
        busiest = max(hours, key=lambda h: (hours[h], h))
        i = next(i for i, v in enumerate(values) if dict(zip(cols, v))["hour"] == busiest and not dict(zip(cols, v))["problem"])
        v = list(values[i])
        v[cols.index("input_tokens")] += 1
        values[i] = tuple(v)
    for v in values:
        rows.append({"Data": [{} if x is None else {"VarCharValue": str(x)} for x in v]})
    info = [{"Name": c, "Type": "varchar"} for c in cols]
    return {"rows": rows, "column_info": info}


def queue(*results, region="us-east-1"):
    body = json.dumps({"region": region, "results": list(results)}).encode()
    http("POST", "/moto-api/static/athena/query-results", body, {"Content-Type": "application/json"})


def collect(out, by, *extra, check=True, location="s3://e2e-logs/bedrock", accounts=accounts, period=period):
    return run("collect", "logs", "--athena", location, "--region", "us-east-1",
               "--endpoint-url", emu, *[a for acct in accounts for a in ("--account", acct)], *period,
               "--by", by, "--athena-output", "s3://e2e-results/q/", "--out", out, *extra, check=check)


collected_by = "identity_arn,operation,meta:team"
snap = tempfile.mkdtemp()
# moto hands each query started the next queued result: the two CREATE statements get empty ones.
empty = {"rows": [], "column_info": []}
queue(empty, empty, duck_result(collected_by))
c = collect(snap, collected_by, "--athena-create")
assert "equal Athena's sums" in c.stderr, c.stderr
manifest = json.load(open(os.path.join(snap, "manifest.json")))
entry = manifest["sources"]["log_sums"]
d = entry["details"]["collections"][0]
assert d["objects"] == uploaded, (d["objects"], uploaded)
assert d["query"].startswith("WITH raw AS"), d["query"][:40]
assert d["query_id"] and d["athena_cost_usd"] == "0.0000476837158203125", d
assert entry["details"]["long_context_thresholds"] == [200000, 272000], entry["details"]
calls = entry["api_calls"]
assert calls["StartQueryExecution"] == 3 and calls["GetBucketLocation"] == 1, calls
assert entry["details"]["athena_region"] == "us-east-1", entry["details"]

sets = ["model_id", "model,region", "day,identity", "operation,profile", "hour", "account,meta:team", "model_id,region,day,identity_arn"]
for by in sets:
    a = run("report", "--logs", root, *period, "--by", by, "--format", "json", "-q").stdout
    b = run("report", "--snapshot", snap, *period, "--by", by, "--format", "json", "-q").stdout
    if a != b:
        import difflib
        diff = "\n".join(list(difflib.unified_diff(a.splitlines(), b.splitlines(), "report --logs", "report --snapshot", lineterm=""))[:40])
        sys.exit(f"--by {by}: report --logs and report --snapshot differ:\n{diff}")
rep = json.loads(a)
print(f"athena e2e: {uploaded} objects in moto's S3, {entry['rows']} Athena rows queued from DuckDB; report --logs == report --snapshot byte for byte for --by {' | '.join(sets)} "
      f"({rep['totals']['invocations']} invocations, ${rep['totals']['cost_usd']}, {len(a)} bytes of JSON each)")

# A key the sums were not collected with is a usage error naming it.
r = run("report", "--snapshot", snap, *period, "--by", "meta:project", check=False)
assert r.returncode == 2 and "meta:project" in r.stderr, (r.returncode, r.stderr)

# Sums that differ from the objects: the busiest-hour check refuses them, nothing written.
bad = tempfile.mkdtemp()
queue(duck_result(collected_by, tamper=True))
r = collect(bad, collected_by, check=False)
assert r.returncode == 1 and "differs from Athena's sums" in r.stderr and "nothing was written" in r.stderr, r.stderr
assert not os.path.exists(os.path.join(bad, "log-sums.parquet")), os.listdir(bad)

# The scan-cost refusal: nothing is run.
r = collect(tempfile.mkdtemp(), collected_by, "--max-scan-usd", "0.00001", check=False)
assert r.returncode == 1 and "refused: the scan is estimated" in r.stderr, r.stderr
print("athena e2e: a tampered result is refused by the busiest-hour check (exit 1, nothing written); a scan over --max-scan-usd is refused before any query")

# Bad records, a duplicate across objects and a record outside the period (in an hour folder the
# window reads): the same counts of skipped, duplicate and outside records in both documents.
# ...in a bucket of another region: the query runs there (GetBucketLocation).
# (moto takes the region from the request's credential scope, as AWS does from the endpoint.)
http("PUT", "/e2e-logs-eu", b"<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
     {"Content-Type": "application/xml",
      "Authorization": "AWS4-HMAC-SHA256 Credential=test/20261128/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0"})
bad_root = tempfile.mkdtemp()
files = {
    "2026/10/05/10/a.json": bad_lines(),
    "2026/10/05/11/b.json": [rec("a"), rec("h", timestamp="2026-10-05T11:20:00Z"), rec("i", timestamp="2026-10-05T10:59:00Z")],
    "2026/09/30/23/c.json": [rec("j", timestamp="2026-09-30T23:30:00Z"), rec("k", timestamp="2026-10-01T00:00:00Z")],
}
place(files, bad_root, "/e2e-logs-eu/bad")
snap = tempfile.mkdtemp()
queue(duck_result("operation", root=bad_root), region="eu-west-1")
c = collect(snap, "operation", location="s3://e2e-logs-eu/bad", accounts=["111122223333"])
assert "s3://e2e-logs-eu is in eu-west-1: the query runs there" in c.stderr, c.stderr
eu = json.load(open(os.path.join(snap, "manifest.json")))["sources"]["log_sums"]["details"]
assert eu["athena_region"] == "eu-west-1", eu
for by in ["model_id", "day,operation", "hour"]:
    a = run("report", "--logs", bad_root, *period, "--by", by, "--format", "json", "-q", check=False).stdout
    b = run("report", "--snapshot", snap, *period, "--by", by, "--format", "json", "-q", check=False).stdout
    assert a == b, f"--by {by}, bad records:\n{a}\n---\n{b}"
inp = json.loads(a)["input"]
assert (inp["skipped_lines"], inp["duplicates_dropped"], inp["outside_period"], inp["records"]) == (6, 2, 1, 8), inp
print(f"athena e2e, bad records: byte for byte too ({inp['records']} records, {inp['skipped_lines']} skipped, {inp['duplicates_dropped']} duplicates (one across objects), {inp['outside_period']} outside the period)")

# Two neighbouring days collected into one snapshot: each record once, the objects of both
# listings once each; equal to report --logs over the same objects.
import shutil

snap = tempfile.mkdtemp()
days = [["--start", "2026-10-05", "--end", "2026-10-05"], ["--start", "2026-10-06", "--end", "2026-10-06"]]
for p in days:
    queue(duck_result("operation", period=p))
    collect(snap, "operation", period=p)
both = tempfile.mkdtemp()
for dirpath, _, files in os.walk(root):
    rel = os.path.relpath(dirpath, root)
    parts = rel.split(os.sep)
    if len(parts) < 8:
        continue
    folder = "/".join(parts[4:8])
    if "2026/10/04/23" <= folder <= "2026/10/07/00":
        os.makedirs(os.path.join(both, rel), exist_ok=True)
        for f in files:
            shutil.copy(os.path.join(dirpath, f), os.path.join(both, rel, f))
span = ["--start", "2026-10-05", "--end", "2026-10-06"]
for by in ["model_id", "hour,operation"]:
    a = run("report", "--logs", both, *span, "--by", by, "--format", "json", "-q").stdout
    b = run("report", "--snapshot", snap, *span, "--by", by, "--format", "json", "-q").stdout
    assert a == b, f"two windows, --by {by}:\n{a[-600:]}\n---\n{b[-600:]}"
inp = json.loads(a)["input"]
print(f"athena e2e, two neighbouring days into one snapshot: byte for byte too ({inp['files']} objects, {inp['records']} records, {inp['outside_period']} outside)")
# A period beyond what was collected, or not on whole hours, is refused.
r = run("report", "--snapshot", snap, "--start", "2026-10-05", "--end", "2026-10-07", check=False)
assert r.returncode == 2 and "goes beyond what the snapshot's Athena sums cover" in r.stderr, r.stderr
r = run("report", "--snapshot", snap, "--start", "2026-10-05T10:30:00Z", "--end", "2026-10-06", check=False)
assert r.returncode == 2 and "are per hour" in r.stderr, r.stderr

# A request delivered twice across two days' slack folders, both days collected, then the second
# day collected again: each record still counted once, the duplicate once.
border = tempfile.mkdtemp()
files = {
    "2026/10/05/23/a.json": [rec("x", timestamp="2026-10-05T23:30:00Z"), rec("y", timestamp="2026-10-05T23:40:00Z")],
    "2026/10/06/00/b.json": [rec("x", timestamp="2026-10-05T23:30:00Z"), rec("z", timestamp="2026-10-06T00:10:00Z")],
}
place(files, border, "/e2e-logs/border")
snap = tempfile.mkdtemp()
for p in [days[0], days[1], days[1]]:
    queue(duck_result("operation", root=border, period=p))
    collect(snap, "operation", location="s3://e2e-logs/border", accounts=["111122223333"], period=p)
a = run("report", "--logs", border, *span, "--by", "model_id", "--format", "json", "-q").stdout
b = run("report", "--snapshot", snap, *span, "--by", "model_id", "--format", "json", "-q").stdout
assert a == b, f"border duplicate:\n{a}\n---\n{b}"
inp = json.loads(a)["input"]
assert (inp["records"], inp["duplicates_dropped"], inp["outside_period"]) == (4, 1, 0), inp
print("athena e2e, a duplicate across two days' folders, the second day collected twice: byte for byte too (4 records, 1 duplicate)")
