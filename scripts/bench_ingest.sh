#!/usr/bin/env bash
# Ingest benchmark: bedrock-lens vs DuckDB on the same generated invocation logs (plain NDJSON and
# gzip), token sums by model and day. Prints wall time, throughput (MB/s of uncompressed input)
# and peak RSS, and checks every engine's sums against the generator's ground truth.
#
#   scripts/bench_ingest.sh [SIZE]      SIZE as the generator takes it (default 1G)
#
# Env: FILES (default 16; e.g. FILES=4000 for a month of small hourly S3 objects),
#      DATA (default /tmp/bedrock-lens-bench), RUNS (default 3, best run reported),
#      GEN (generator path, default ../shared/tools/gen_invocation_logs.py).
# Needs python3; installs duckdb into $DATA/venv on first use. Builds bedrock-lens --release.
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
if [ ! -x "$DATA/venv/bin/python" ]; then
  python3 -m venv "$DATA/venv"
  "$DATA/venv/bin/pip" install -q duckdb
fi
(cd "$root" && cargo build --release -q)
bin="$root/target/release/bedrock-lens"
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/bedrock-lens"
py="$DATA/venv/bin/python"
bytes=$(du -sb "$data/plain" | cut -f1)
duck=$("$py" -c 'import duckdb; print(duckdb.__version__)')

# The generator's (model, day) truth as the same TSV both engines are turned into.
python3 - "$data/truth.json" > "$data/truth.tsv" <<'PY'
import json, sys
for m, day, *v in sorted(json.load(open(sys.argv[1]))["by_model_day"]):
    print("\t".join([m, day] + [str(x) for x in v]))
PY

lens_tsv() { # report CSV (model_id,day,...) -> truth TSV columns
  python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in sorted(rows, key=lambda r: (r["model_id"], r["day"])):
    print("\t".join([r["model_id"], r["day"], r["invocations"], r["input_tokens"], r["output_tokens"], r["cache_read_tokens"], r["cache_write_tokens"]]))' "$1"
}

printf '| engine | input | best of %s (s) | MB/s (uncompressed) | peak RSS (MB) | sums = truth |\n|---|---|---|---|---|---|\n' "$RUNS"
for kind in plain gz; do
  ext=json; [ "$kind" = gz ] && ext=json.gz
  for engine in bedrock-lens "duckdb $duck"; do
    best=""; rss=""
    for _ in $(seq "$RUNS"); do
      sync; out="$data/out.$kind"
      if [ "$engine" = bedrock-lens ]; then
        m=$(python3 "$here/measure.py" "$out" -- "$bin" report -q --logs "$data/$kind" --by model_id,day --format csv 2>/dev/null)
        lens_tsv "$out" > "$out.tsv"
      else
        m=$(python3 "$here/measure.py" "$out.tsv" -- "$py" "$here/duckdb_model_day.py" "$data/$kind/*.$ext")
      fi
      t=${m% *}; r=${m#* }
      if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$r; fi
    done
    ok=no; cmp -s "$out.tsv" "$data/truth.tsv" && ok=yes
    mbs=$(awk "BEGIN{printf \"%.0f\", $bytes/1e6/$best}")
    printf '| %s | %s (%s MB, %s files) | %s | %s | %s | %s |\n' "$engine" "$kind" "$((bytes / 1000000))" "$FILES" "$best" "$mbs" "$rss" "$ok"
  done
done
