#!/usr/bin/env bash
# The REST API fuzzed by schemathesis against its own OpenAPI document: the release build on a
# fresh SQLite database with the demo data and an API token, every operation, examples and
# generated requests (valid and not), and stateful sequences along the document's links. It
# fails on any 5xx answer, an answer whose body does not match the document, an undocumented
# status or content type. Run by scripts/test.sh after the release build; ST_MAX_EXAMPLES
# (default 50) bounds the generated requests per operation.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ST="${SCHEMATHESIS:-$HOME/.cache/bulk-import-tools/test-venv/bin/st}"
PORT="${API_FUZZ_PORT:-3200}"
WORK="$(mktemp -d)"
export API_TOKEN_FILE="$WORK/token"
# The per-token limit (60 a minute by default) would answer most generated requests 429.
export API_REQUESTS_PER_MINUTE=1000000
bash "$ROOT/scripts/e2e-server.sh" "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
stop() {
  pkill -P "$SERVER" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap stop EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && [[ -s "$API_TOKEN_FILE" ]]; then
    break
  fi
  if ! kill -0 "$SERVER" 2>/dev/null; then
    cat "$WORK/server.log" >&2
    echo "the server for the API fuzzing did not start" >&2
    exit 1
  fi
  sleep 0.5
done
TOKEN="$(tail -n 1 "$API_TOKEN_FILE")"
# schemathesis keeps its example database in the working folder: a temporary one.
cd "$WORK"
"$ST" run "http://127.0.0.1:$PORT/ws/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-50}" \
  --workers 1 \
  --request-timeout 90 \
  --no-color 2>&1 | grep -Ev '^\s*$'
exit "${PIPESTATUS[0]}"
