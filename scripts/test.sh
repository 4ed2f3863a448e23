#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this). Installs nothing system-wide.
#   - unit tests (parsing, resolution, hand-computed pricing) and CLI tests (insta snapshots);
#   - the generator ground-truth test needs python3 and ../shared/tools/gen_invocation_logs.py:
#     with CI=true, a missing one fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "error: cargo not found (install Rust from rustup.rs)" >&2; exit 2; }
if [ "${CI:-}" = true ]; then
  command -v python3 >/dev/null || { echo "error: CI=true needs python3 for the generator test" >&2; exit 1; }
  [ -f ../shared/tools/gen_invocation_logs.py ] || { echo "error: CI=true needs ../shared/tools/gen_invocation_logs.py" >&2; exit 1; }
fi
cargo fmt --all -- --check
# INSTA_UPDATE=no: a snapshot that differs fails; nothing is rewritten behind your back.
INSTA_UPDATE=no cargo test --locked --all-targets "$@"
