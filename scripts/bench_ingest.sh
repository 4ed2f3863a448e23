#!/usr/bin/env bash
# Ingest benchmark: bedrock-lens, chDB (embedded ClickHouse) and DuckDB side by side on the same
# generated invocation logs (plain NDJSON and gzip), token sums by model and day. The engines run
# alternately, RUNS times each, in one sitting; prints the best wall time, throughput (MB/s of
# uncompressed input) and peak RSS, checks every engine's sums against the generator's ground
# truth, and prints each engine's time over bedrock-lens's (the ratios are what a shared machine
# reproduces, not the seconds).
#
#   scripts/bench_ingest.sh [SIZE]      SIZE as the generator takes it (default 2G: the anchor set)
#
# Env: FILES (default 64, as ../shared/bench/make_data.sh; e.g. FILES=4000 for a month of small
#      hourly S3 objects), DATA (default /tmp/bedrock-lens-bench), RUNS (default 5),
#      GEN (generator path, default ../shared/tools/gen_invocation_logs.py),
#      CHDB (default ../shared/bench/agg_chdb.py).
# Needs python3; installs duckdb and chdb into $DATA/venv on first use. Builds bedrock-lens --release.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
size=${1:-2G}
FILES=${FILES:-64}
DATA=${DATA:-/tmp/bedrock-lens-bench}
RUNS=${RUNS:-5}
GEN=${GEN:-$root/../shared/tools/gen_invocation_logs.py}
CHDB=${CHDB:-$root/../shared/bench/agg_chdb.py}
data="$DATA/$size-$FILES-files"

if [ ! -f "$data/truth.json" ]; then
  echo "generating $size of logs in $data (plain and gzip, $FILES files each)..." >&2
  python3 "$GEN" --seed 42 --files "$FILES" --bytes "$size" --out "$data/plain" --summary "$data/truth.json" -q
  python3 "$GEN" --seed 42 --files "$FILES" --bytes "$size" --gzip --out "$data/gz" -q
fi
if ! "$DATA/venv/bin/python" -c 'import duckdb, chdb' 2>/dev/null; then
  python3 -m venv "$DATA/venv"
  "$DATA/venv/bin/pip" install -q duckdb chdb
fi
(cd "$root" && cargo build --release -q)
bin="$root/target/release/bedrock-lens"
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/bedrock-lens"
py="$DATA/venv/bin/python"
bytes=$(du -sb "$data/plain" | cut -f1)
duck=$("$py" -c 'import duckdb; print(duckdb.__version__)')
chv=$("$py" -c 'import chdb; print(chdb.__version__)')

# The generator's (model, day) truth as the same TSV both engines are turned into.
python3 - "$data/truth.json" > "$data/truth.tsv" <<'PY'
import json, sys
for m, day, *v in sorted(json.load(open(sys.argv[1]))["by_model_day"]):
    print("\t".join([m, day] + [str(x) for x in v]))
PY

lens_tsv() { # report CSV (model_id,day,...) -> truth TSV columns
  python3 -c '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))  # caveat lines
for r in sorted(rows, key=lambda r: (r["model_id"], r["day"])):
    print("\t".join([r["model_id"], r["day"], r["invocations"], r["input_tokens"], r["output_tokens"], r["cache_read_tokens"], r["cache_write_tokens"]]))' "$1"
}

printf '| engine | input | best of %s (s) | MB/s (uncompressed) | peak RSS (MB) | sums = truth | time / bedrock-lens |\n|---|---|---|---|---|---|---|\n' "$RUNS"
engines=(bedrock-lens "chdb $chv" "duckdb $duck")
for kind in plain gz; do
  ext=json; [ "$kind" = gz ] && ext=json.gz
  declare -A best=() rss=() ok=()
  # Alternating runs: each engine once per round, RUNS rounds.
  for _ in $(seq "$RUNS"); do
    for engine in "${engines[@]}"; do
      sync; out="$data/out.$kind.${engine%% *}"
      case "$engine" in
        bedrock-lens)
          m=$(python3 "$here/measure.py" "$out" -- "$bin" report -q --logs "$data/$kind" --by model_id,day --format csv 2>/dev/null)
          lens_tsv "$out" > "$out.tsv" ;;
        chdb*)
          m=$(python3 "$here/measure.py" "$out" -- "$py" "$CHDB" "$data/$kind/*.$ext")
          grep '^M' "$out" | cut -f2- | sort > "$out.tsv" ;;
        *)
          m=$(python3 "$here/measure.py" "$out.tsv" -- "$py" "$here/duckdb_model_day.py" "$data/$kind/*.$ext") ;;
      esac
      t=${m% *}; r=${m#* }
      b=${best[$engine]:-}
      if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then best[$engine]=$t; rss[$engine]=$r; fi
      if cmp -s <(sort "$out.tsv") <(sort "$data/truth.tsv"); then ok[$engine]=${ok[$engine]:-yes}; else ok[$engine]=no; fi
    done
  done
  for engine in "${engines[@]}"; do
    mbs=$(awk "BEGIN{printf \"%.0f\", $bytes/1e6/${best[$engine]}}")
    ratio=$(awk "BEGIN{printf \"%.2fx\", ${best[$engine]}/${best[bedrock-lens]}}")
    printf '| %s | %s (%s MB, %s files) | %s | %s | %s | %s | %s |\n' "$engine" "$kind" "$((bytes / 1000000))" "$FILES" "${best[$engine]}" "$mbs" "${rss[$engine]}" "${ok[$engine]}" "$ratio"
  done
  unset best rss ok
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
