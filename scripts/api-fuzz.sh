#!/usr/bin/env bash
# The REST API fuzzed by schemathesis against its own OpenAPI document: the release build on a
# fresh SQLite database with the demo data and an API token, every operation, the document's
# examples, generated requests (valid and not), and stateful sequences along the links
# schemathesis infers (an import's id followed to its status and rows; a listed user's id to
# resend). It fails on any 5xx answer, a body that does not match the document, an
# undocumented status or content type. Run by scripts/test.sh after the release build;
# ST_MAX_EXAMPLES (default 50) bounds the generated requests per operation. With
# API_FUZZ_POSTGRES_URL (a PostgreSQL server's URL, as TEST_DATABASE_URL) the server runs on a
# fresh database made there (and dropped after) instead: PostgreSQL refuses some text SQLite
# stores (a NUL), so each database gets its own run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ST="${SCHEMATHESIS:-$HOME/.cache/bulk-import-tools/test-venv/bin/st}"
PORT="${API_FUZZ_PORT:-3200}"
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
  echo "port $PORT is taken: set API_FUZZ_PORT to a free one" >&2
  exit 1
fi
WORK="$(mktemp -d)"
export API_TOKEN_FILE="$WORK/token"
SERVER=""
FUZZ_DB=""
stop() {
  if [[ -n "$SERVER" ]]; then
    pkill -P "$SERVER" 2>/dev/null || true
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  if [[ -n "$FUZZ_DB" ]]; then
    psql -q "$API_FUZZ_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $FUZZ_DB WITH (FORCE)" || true
  fi
  rm -rf "$WORK"
}
trap stop EXIT
if [[ -n "${API_FUZZ_POSTGRES_URL:-}" ]]; then
  if ! command -v psql >/dev/null; then
    echo "the PostgreSQL run needs psql (Debian's postgresql-client) to make its database" >&2
    exit 1
  fi
  FUZZ_DB="api_fuzz_$$"
  psql -q -v ON_ERROR_STOP=1 "$API_FUZZ_POSTGRES_URL" \
    -c "DROP DATABASE IF EXISTS $FUZZ_DB WITH (FORCE)" -c "CREATE DATABASE $FUZZ_DB"
  # The server's URL with the database replaced (as the integration tests do), keeping any
  # ?options.
  base="${API_FUZZ_POSTGRES_URL%%\?*}"
  query="${API_FUZZ_POSTGRES_URL#"$base"}"
  rest="${base#*://}"
  [[ "$rest" == */* ]] && base="${base%/*}"
  export E2E_DATABASE_URL="$base/$FUZZ_DB$query"
fi
# The per-token limit (60 a minute by default) would answer most generated requests 429.
export API_REQUESTS_PER_MINUTE=1000000
bash "$ROOT/scripts/e2e-server.sh" "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
started=""
for _ in $(seq 1 120); do
  if [[ -s "$API_TOKEN_FILE" ]] && curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; then
    started=yes
    break
  fi
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.5
done
if [[ -z "$started" ]]; then
  tail -n 50 "$WORK/server.log" >&2
  echo "the server for the API fuzzing did not start within a minute" >&2
  exit 1
fi
TOKEN="$(tail -n 1 "$API_TOKEN_FILE")"
# schemathesis keeps its example database in the working folder: a temporary one.
cd "$WORK"
status=0
"$ST" run "http://127.0.0.1:$PORT/ws/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-50}" \
  --workers 1 \
  --request-timeout 90 \
  --no-color >"$WORK/report.txt" 2>&1 || status=$?
grep -Ev '^\s*$' "$WORK/report.txt"
if [[ "$status" -ne 0 ]]; then
  echo "--- the server's log, last 80 lines ---" >&2
  tail -n 80 "$WORK/server.log" >&2
fi
exit "$status"
