"""The Athena query, run in DuckDB over logs in Bedrock's S3 layout, against bedrock-lens's own
engine on the same files: every (model id, region, day) group's invocations, errors and token
sums must be equal, and on a folder of bad records the records priced and the problem rows must
match report's (every record it skips or drops as a duplicate is a problem row; a line that is
not JSON reads as an empty record, as Athena's SerDe does with ignore.malformed.json). Also parses the Athena DDL and query with
sqlglot (Athena and Trino dialects) and checks the table declares no body column.

Usage: check.py BEDROCK_LENS LOG_ROOT (LOG_ROOT holds AWSLogs/; October 2026, as `demo --out`).
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

import duckdb
import sqlglot

from fixtures import bad_lines

exe, root = sys.argv[1], sys.argv[2]


def run(*args):
    out = subprocess.run([exe, *args], check=True, capture_output=True, text=True)
    return out.stdout


period = ["--start", "2026-10", "--end", "2026-10"]
duck_sql = run("athena", "query", "--engine", "duckdb", "--root", root, *period, "--by", "day")
athena_sql = run("athena", "query", "--account", "111122223333", "--log-region", "us-east-1,us-west-2", *period, "--by", "day,identity_arn,operation,meta:team")
ddl = run("athena", "ddl", "--s3", "s3://my-log-bucket/bedrock")

# The SQL parses in the dialects it is written for.
for stmt in sqlglot.parse(ddl, read="athena"):
    assert stmt is not None
sqlglot.parse_one(athena_sql, read="athena")
sqlglot.parse_one(athena_sql, read="trino")
sqlglot.parse_one(duck_sql, read="duckdb")
lower = ddl.lower()
assert "body" not in lower and "inputbodyjson" not in lower, "the table declares a body column"

# DuckDB's groups, summed over the rate-selecting columns to (model id, region, day).
con = duckdb.connect()
cur = con.execute(duck_sql)
cols = [d[0] for d in cur.description]
duck = defaultdict(lambda: defaultdict(int))
problems = 0
for row in cur.fetchall():
    r = dict(zip(cols, row))
    if r["problem"]:
        problems += r["invocations"]
        continue
    k = (r["model_id"], r["region"], r["day"])
    for c in ["invocations", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"]:
        duck[k][c] += r[c]

report = json.loads(run("report", "--logs", root, *period, "--by", "model_id,region,day", "--format", "json", "-q"))
ours = {}
for r in report["rows"]:
    ours[(r["model_id"], r["region"], r["day"])] = {
        "invocations": r["invocations"],
        "errors": r["errors"],
        "input_tokens": r["input_tokens"],
        "output_tokens": r["output_tokens"],
        "cache_read_tokens": r["cache_read_tokens"],
        "cache_write_tokens": r["cache_write_tokens"],
    }
duck = {k: dict(v) for k, v in duck.items()}
missing = sorted(set(ours) ^ set(duck))
assert not missing, f"groups in one engine only: {missing[:5]}"
diff = [(k, ours[k], duck[k]) for k in sorted(ours) if ours[k] != duck[k]]
assert not diff, f"{len(diff)} group(s) differ, first: {diff[0]}"
total = sum(v["invocations"] for v in ours.values())
assert total == report["totals"]["invocations"], (total, report["totals"]["invocations"])
print(f"athena check: {len(ours)} (model id, region, day) groups, {total} invocations equal in DuckDB and bedrock-lens; {problems} diagnostic; DDL and queries parse (sqlglot {sqlglot.__version__}, duckdb {duckdb.__version__})")


# Bad records (tests/athena/fixtures.py).
bad = tempfile.mkdtemp()
d = os.path.join(bad, "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/05/10")
os.makedirs(d)
lines = bad_lines()
with open(os.path.join(d, "x.json"), "w") as f:
    f.write("\n".join(lines) + "\n")
period = ["--start", "2026-10", "--end", "2026-10"]
sql = run("athena", "query", "--engine", "duckdb", "--root", bad, *period)
cur = con.execute(sql)
cols = [c[0] for c in cur.description]
ok = problems = 0
reasons = defaultdict(int)
for row in cur.fetchall():
    r = dict(zip(cols, row))
    if r["problem"]:
        problems += r["invocations"]
        reasons[r["problem"]] += r["invocations"]
    else:
        ok += r["invocations"]
rep = json.loads(run("report", "--logs", bad, *period, "--format", "json", "-q"))
inp = rep["input"]
assert ok == rep["totals"]["invocations"], (ok, rep["totals"]["invocations"], dict(reasons))
assert problems == inp["skipped_lines"] + inp["duplicates_dropped"], (problems, inp, dict(reasons))
print(f"athena check, bad records: {ok} priced in both; {problems} problem rows ({', '.join(sorted(reasons))}) = report's {inp['skipped_lines']} skipped + {inp['duplicates_dropped']} duplicate")
