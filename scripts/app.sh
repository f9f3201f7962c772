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

if [[ $# -gt 0 ]]; then
  cargo leptos build --release
  exec "$CARGO_TARGET_DIR/release/server" "$@"
fi
exec cargo leptos serve --release
