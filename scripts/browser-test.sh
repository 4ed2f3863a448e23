#!/usr/bin/env bash
# The review in a real browser: Debian's Chromium (installed here when missing, as CI runs as
# root) driven by playwright-core (npm, into target/browser-test), on the demo's review. The
# screenshot is kept at target/review-screenshot.png. With CI=true a missing browser fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/bedrock-lens}
fail() {
  if [ "${CI:-}" = true ]; then echo "error: $1" >&2; exit 1; fi
  echo "warning: $1; the browser test is skipped" >&2; exit 0
}
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser test ..." >&2
    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
      || fail "chromium could not be installed"
  else
    fail "no chromium (apt-get install chromium, as root)"
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null || fail "no node/npm for playwright-core"
dir=target/browser-test
mkdir -p "$dir"
cp tests/browser/package.json tests/browser/review.mjs "$dir/"
if [ ! -d "$dir/node_modules/playwright-core" ]; then
  (cd "$dir" && npm install --no-audit --no-fund --silent >/dev/null 2>&1) || fail "npm could not install playwright-core"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in review.html review.json; do
  "$bin" demo --review "$work/$f" -q >/dev/null 2>"$work/demo.err" || { cat "$work/demo.err" >&2; exit 1; }
done
cp "$work/review.html" target/review-demo.html
node "$dir/review.mjs" "$work/review.html" "$work/review.json" "$PWD/target/review-screenshot.png"
