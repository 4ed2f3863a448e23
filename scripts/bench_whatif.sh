#!/usr/bin/env bash
# What-if benchmark: the cost of `whatif` (per-request scenarios, the prompt-prefix caching
# estimator, everything) against a plain `report` on the same generated invocation logs.
# Prints wall time, throughput (MB/s of uncompressed input) and peak RSS, best of RUNS.
#
#   scripts/bench_whatif.sh [SIZE]      SIZE as the generator takes it (default 1G)
#
# Env: FILES (default 16), DATA (default /tmp/bedrock-lens-bench, shared with bench_ingest.sh),
#      RUNS (default 3), GEN (generator path). Builds bedrock-lens --release.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
size=${1:-1G}
FILES=${FILES:-16}
DATA=${DATA:-/tmp/bedrock-lens-bench}
RUNS=${RUNS:-3}
GEN=${GEN:-$root/../shared/tools/gen_invocation_logs.py}
data="$DATA/$size"
[ "$FILES" = 16 ] || data="$DATA/$size-$FILES-files"
if [ ! -f "$data/truth.json" ]; then
  echo "generating $size of logs in $data (plain and gzip, $FILES files each)..." >&2
  python3 "$GEN" --seed 42 --files "$FILES" --bytes "$size" --out "$data/plain" --summary "$data/truth.json" -q
  python3 "$GEN" --seed 42 --files "$FILES" --bytes "$size" --gzip --out "$data/gz" -q
fi
(cd "$root" && cargo build --release -q)
bin="$root/target/release/bedrock-lens"
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/bedrock-lens"
bytes=$(du -sb "$data/plain" | cut -f1)
records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$data/truth.json")

run() { # label, then bedrock-lens arguments
  local label=$1; shift
  local best="" rss="" out="$data/whatif.out"
  for _ in $(seq "$RUNS"); do
    m=$(python3 "$here/measure.py" "$out" -- "$bin" -q "$@" 2>/dev/null)
    t=${m% *}; r=${m#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$r; fi
  done
  printf '| %s | %s | %s | %s |\n' "$label" "$best" "$(awk "BEGIN{printf \"%.0f\", $bytes/1e6/$best}")" "$rss"
}

summary() { # what the caching estimator found, from a whatif JSON
  python3 - "$1" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
for s in w["scenarios"]:
    a = s["assumptions"]
    print("%s: %s applications cached (%s too sparse), %s requests read / %s write the cache, change %s USD on a %s USD baseline"
          % (s["name"], a["repeated_prefixes"], a["unprofitable_prefixes"], a["cache_reads"], a["cache_writes"],
             s["delta_usd"], w["baseline"]["total_usd"]))
PY
}

echo "input: $((bytes / 1000000)) MB plain in $FILES files, $records records; best of $RUNS"
printf '| command | seconds | MB/s | peak RSS (MB) |\n|---|---|---|---|\n'
run "report --by model (baseline only)" report --logs "$data/plain" --by model --format json
run "whatif -s batch,flex,priority,global (per request)" whatif --logs "$data/plain" -s batch,flex,priority,global --format json
run "whatif -s caching (prefix estimator)" whatif --logs "$data/plain" -s caching --format json
run "whatif (all defaults, provisioned sized)" whatif --logs "$data/plain" --tpm-per-unit 20000 --format json
run "whatif (all defaults), gzip input" whatif --logs "$data/gz" --tpm-per-unit 20000 --format json
"$bin" -q whatif --logs "$data/plain" -s caching --format json > "$data/whatif.json"
summary "$data/whatif.json"

# The estimator under heavy repetition (every request has a cacheable prefix):
# REP_RECORDS records from scripts/gen_repeated_prompts.py (default 1,000,000, ~2.9 GB).
REP_RECORDS=${REP_RECORDS:-1000000}
rep="$DATA/repeated-$REP_RECORDS.jsonl"
[ -f "$rep" ] || python3 "$here/gen_repeated_prompts.py" "$rep" "$REP_RECORDS"
bytes=$(stat -c %s "$rep")
echo
echo "input: $((bytes / 1000000)) MB, $REP_RECORDS records, every one with a cacheable prompt prefix; best of $RUNS"
printf '| command | seconds | MB/s | peak RSS (MB) |\n|---|---|---|---|\n'
run "report --by model" report --logs "$rep" --by model --format json
run "whatif -s caching" whatif --logs "$rep" -s caching --format json
"$bin" -q whatif --logs "$rep" -s caching --format json > "$data/whatif-rep.json"
summary "$data/whatif-rep.json"
