#!/usr/bin/env bash
# Starts the release build on a fresh SQLite database (or on E2E_DATABASE_URL, an empty
# database the caller made), with one administrator and the demo data, for the browser tests
# (end2end/playwright.config.ts runs it) and the API fuzzing (scripts/api-fuzz.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${1:-3100}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/server"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$DIR/e2e.db}"
# On SQLite the key is made beside the database; elsewhere it would be made in ./data.
if [[ -n "${E2E_DATABASE_URL:-}" && -z "${SECRET_KEY:-}" ]]; then
  SECRET_KEY="$(head -c 32 /dev/urandom | base64)"
  export SECRET_KEY
fi
export PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
# Deliver queued mail to the local mailbox quickly.
export MAIL_POLL_SECONDS=1
# A smaller body limit than the default 20 MB, so the browser test of an over-limit import
# stays quick.
export MAX_BODY_BYTES=4194304
# And a smaller import upload limit than the default 100 MB, for the same reason.
export IMPORT_MAX_UPLOAD_BYTES=4194304
ADMIN_PASSWORD="e2e-admin-password-123" "$BIN" create-admin --email admin@example.com --first-name Ada --last-name Admin
"$BIN" demo-data
# An API token for the API fuzzing (scripts/api-fuzz.sh), when asked for.
if [[ -n "${API_TOKEN_FILE:-}" ]]; then
  "$BIN" create-api-token --email admin@example.com --name "API fuzzing" >"$API_TOKEN_FILE"
fi
export LEPTOS_OUTPUT_NAME=bulk-import LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true
export LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_RELOAD_PORT=$((PORT + 1)) LEPTOS_ENV=PROD
"$BIN"
