#!/usr/bin/env bash
# The Athena aggregation query, rendered for DuckDB and run over the demo's logs in Bedrock's S3
# layout, against bedrock-lens's own engine on the same files (tests/athena/check.py); the DDL and
# queries parsed with sqlglot; `collect logs --athena` end to end against the emulator with the
# exactness invariant (tests/athena/e2e.py; the emulator of scripts/test.sh, else its own). DuckDB and sqlglot come from PyPI into target/athena-venv on first
# use. With CI=true, a missing piece fails the run instead of skipping.
# Usage: scripts/athena-test.sh [BEDROCK_LENS_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
exe=${1:-target/debug/bedrock-lens}
venv=${ATHENA_VENV:-target/athena-venv}
skip() {
  if [ "${CI:-}" = true ]; then echo "error: CI=true and $1: the Athena query test cannot run" >&2; exit 1; fi
  echo "warning: $1; the Athena query test is skipped" >&2; exit 0
}
command -v python3 >/dev/null || skip "no python3"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import duckdb, sqlglot; assert duckdb.__version__ == "2.0.1" and sqlglot.__version__ == "30.30.0"' 2>/dev/null; then
  echo "installing duckdb and sqlglot into $venv ..." >&2
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'duckdb==2.0.1' 'sqlglot==30.30.0'; } || skip "duckdb/sqlglot could not be installed"
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
"$exe" demo --out "$logs" -q >/dev/null 2>&1
"$venv/bin/python" tests/athena/check.py "$exe" "$logs"
# `collect logs --athena` end to end against the emulator (moto's Athena answers with the DuckDB
# result queued), then report --logs == report --snapshot byte for byte.
if [ -z "${BEDROCK_LENS_EMULATOR:-}" ]; then
  # shellcheck source=scripts/emulator.sh
  source scripts/emulator.sh
  trap 'emulator_stop; rm -rf "$logs"' EXIT
  emulator_start || skip "the AWS emulator could not start"
fi
"$venv/bin/python" tests/athena/e2e.py "$exe" "$logs" "$BEDROCK_LENS_EMULATOR"
