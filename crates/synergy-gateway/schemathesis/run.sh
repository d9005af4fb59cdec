#!/usr/bin/env bash
# Fuzzes the gateway against its own /openapi.json with schemathesis: no 5xx, no response
# that contradicts the document. Starts the `serve` example on a free port over a fresh data
# directory (with the demo partnership, so requests get past the authorization checks) and
# runs every check once as the manufacturer and once as the distributor.
#
#   crates/synergy-gateway/schemathesis/run.sh [extra schemathesis args]
#
# Env: SCHEMATHESIS_VERSION (pinned below), MAX_EXAMPLES (default 30), VENV (default
# ~/.cache/synergy/schemathesis-VERSION).
set -euo pipefail

VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
MAX_EXAMPLES="${MAX_EXAMPLES:-30}"
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
VENV="${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/synergy/schemathesis-$VERSION}"

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$VERSION"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "schemathesis==$VERSION"
fi

cargo build --quiet -p synergy-gateway --example serve
DATA="$(mktemp -d)"
OUT="$DATA/serve.out"
"$ROOT/target/debug/examples/serve" --data "$DATA/data" --addr 127.0.0.1:0 --demo >"$OUT" 2>"$DATA/serve.err" &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    grep -q '^admin_token=' "$OUT" && break
    sleep 0.1
done
ADDR="$(sed -n 's/^addr=//p' "$OUT")"
[ -n "$ADDR" ] || { echo "the gateway did not start:"; cat "$DATA/serve.err"; exit 1; }
BASE="http://$ADDR"

status=0
for who in manufacturer distributor; do
    TOKEN="$(sed -n "s/^${who}_token=//p" "$OUT")"
    echo "== schemathesis as the $who against $BASE"
    "$VENV/bin/schemathesis" run "$BASE/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $TOKEN" \
        --max-examples "$MAX_EXAMPLES" \
        "$@" || status=$?
done
if grep -q 'panicked' "$DATA/serve.err"; then
    echo "the gateway panicked:"; cat "$DATA/serve.err"; status=1
fi
exit "$status"
