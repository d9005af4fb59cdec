#!/usr/bin/env bash
# Fuzzes the gateway against its own /openapi.json with schemathesis, every check on
# (`--checks all`): no 5xx, no response that contradicts the document, schema-valid requests
# accepted or refused only by a named domain rule, schema-invalid ones rejected.
#
# Starts the `serve` example on a free port (127.0.0.1:0) over a fresh data directory, with
# the demo partnership so requests get past the authorization checks, and runs schemathesis
# once as the manufacturer and once as the distributor. The server is stopped on exit.
# Installs the pinned schemathesis into a venv on first use. Exits non-zero on any failure.
#
#   crates/synergy-gateway/schemathesis/run.sh [extra schemathesis run args]
#
# Env: SCHEMATHESIS_VERSION (pinned below), MAX_EXAMPLES (default 20), MAX_TIME (seconds
# per run, default 80), VENV (default ~/.cache/synergy/schemathesis-VERSION), SEED,
# SERVE_BIN (skip building the example).
# Expected time on 2 cores: about 2 minutes once the venv and the example are built.
set -euo pipefail

VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
MAX_TIME="${MAX_TIME:-80}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/synergy/schemathesis-$VERSION}"

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$VERSION"; then
    echo "== installing schemathesis $VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

# SERVE_BIN: an already built `serve` example (the Rust test passes the one cargo built).
if [ -z "${SERVE_BIN:-}" ]; then
    cargo build --quiet -p synergy-gateway --example serve
    SERVE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/serve"
fi
DATA="$(mktemp -d)"
OUT="$DATA/serve.out"
"$SERVE_BIN" --data "$DATA/data" --addr 127.0.0.1:0 --demo >"$OUT" 2>"$DATA/serve.err" &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT

for _ in $(seq 1 200); do
    grep -q '^admin_token=' "$OUT" && break
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
done
ADDR="$(sed -n 's/^addr=//p' "$OUT")"
[ -n "$ADDR" ] || { echo "the gateway did not start:"; cat "$DATA/serve.err"; exit 1; }
BASE="http://$ADDR"

# The hook module adds the check `valid_data_refused_only_by_a_rule` (see schemathesis.toml).
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=synergy_hooks

status=0
for who in manufacturer distributor; do
    TOKEN="$(sed -n "s/^${who}_token=//p" "$OUT")"
    echo "== schemathesis $VERSION as the $who against $BASE (max $MAX_EXAMPLES examples, $MAX_TIME s)"
    seed=()
    [ -n "${SEED:-}" ] && seed=(--seed "$SEED")
    "$VENV/bin/schemathesis" --no-color --config-file "$HERE/schemathesis.toml" run "$BASE/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $TOKEN" \
        --max-examples "$MAX_EXAMPLES" \
        --max-time "$MAX_TIME" \
        --request-timeout 10 \
        "${seed[@]}" \
        "$@" || status=$?
done
if grep -q 'panicked' "$DATA/serve.err"; then
    echo "the gateway panicked:"; cat "$DATA/serve.err"; status=1
fi
exit "$status"
