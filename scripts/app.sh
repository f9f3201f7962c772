#!/usr/bin/env bash
# Sets up whatever is missing, builds, and runs the app on the embedded default: SQLite at
# data/bulk-import.db, created and migrated on start. Safe to run again.
#
#   bash scripts/app.sh                                     serve at http://127.0.0.1:3000
#   bash scripts/app.sh create-admin --email you@example.com  the first administrator
#   bash scripts/app.sh demo-data                           demo organizations and users
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

build_release
if [[ $# -eq 0 ]]; then
  # What `cargo leptos serve` would set, without its rebuild.
  export LEPTOS_OUTPUT_NAME=bulk-import LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true
  export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}" LEPTOS_RELOAD_PORT=3001 LEPTOS_ENV=PROD
fi
exec "$CARGO_TARGET_DIR/release/server" "$@"
