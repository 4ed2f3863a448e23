#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this).
#   - unit tests (parsing, resolution, hand-computed pricing) and CLI tests (insta snapshots);
#   - the generator ground-truth test needs python3 and ../shared/tools/gen_invocation_logs.py;
#   - the collector integration tests run the real binary against a local AWS emulator (moto
#     server, installed from PyPI into target/emulator-venv on first use, started here on a free
#     127.0.0.1 port and stopped on exit, also when tests fail);
#   - the Athena query test renders the aggregation query for DuckDB and checks it against
#     bedrock-lens on the demo's logs (duckdb and sqlglot from PyPI into target/athena-venv);
#   - the browser test renders the demo's review in headless Chromium (Debian's package,
#     installed with apt-get when missing and running as root) through playwright-core (npm,
#     into target/browser-test); its screenshot stays at target/review-screenshot.png.
# With CI=true, anything missing fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "error: cargo not found (install Rust from rustup.rs)" >&2; exit 2; }
if [ "${CI:-}" = true ]; then
  command -v python3 >/dev/null || { echo "error: CI=true needs python3 (generator test, AWS emulator)" >&2; exit 1; }
  [ -f ../shared/tools/gen_invocation_logs.py ] || { echo "error: CI=true needs ../shared/tools/gen_invocation_logs.py" >&2; exit 1; }
fi
cargo fmt --all -- --check
# shellcheck source=scripts/emulator.sh
source scripts/emulator.sh
trap emulator_stop EXIT
if ! emulator_start; then
  if [ "${CI:-}" = true ]; then
    echo "error: CI=true and the AWS emulator could not start: the integration tests cannot run" >&2
    exit 1
  fi
  echo "warning: no AWS emulator; the collector integration test will be skipped" >&2
fi
# INSTA_UPDATE=no: a snapshot that differs fails; nothing is rewritten behind your back.
INSTA_UPDATE=no cargo test --locked --all-targets "$@"
bash scripts/athena-test.sh "${CARGO_TARGET_DIR:-target}/debug/bedrock-lens"
bash scripts/browser-test.sh "${CARGO_TARGET_DIR:-target}/debug/bedrock-lens"
