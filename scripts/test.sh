#!/usr/bin/env bash
# Sets up whatever the tests need and runs every test: formatting, clippy (server and wasm),
# unit and integration tests (SQLite always; PostgreSQL when TEST_DATABASE_URL is set,
# otherwise reported as ignored), then the browser tests in Debian's Chromium against a
# release build. Safe to run again; fast when everything is already there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

if ! command -v chromium >/dev/null && [[ ! -x /usr/bin/chromium ]]; then
  say "installing Debian's chromium for the browser tests"
  SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get install -y chromium || { $SUDO apt-get update && $SUDO apt-get install -y chromium; }
fi
if [[ ! -d end2end/node_modules/@playwright/test ]] || [[ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
  say "installing the end2end npm packages"
  # The tests drive Debian's Chromium; Playwright must never download a browser.
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# Python packages the tests talk to, in a venv of our own: aiosmtpd (a real SMTP server for the
# delivery tests), phonenumbers (Google's libphonenumber, the reference for the phone rule,
# pinned to the metadata version the phonenumber crate bundles: see Cargo.lock) and
# schemathesis (the REST API fuzzer, scripts/api-fuzz.sh).
TEST_VENV="$TOOLS_DIR/test-venv"
PHONENUMBERS_VERSION="9.0.33"
SCHEMATHESIS_VERSION="4.32.5"
TEST_PYTHON_PACKAGES=("aiosmtpd==1.4.6" "phonenumbers==$PHONENUMBERS_VERSION" "schemathesis==$SCHEMATHESIS_VERSION")
if ! "$TEST_VENV/bin/python" -c "import aiosmtpd, phonenumbers, sys; sys.exit(phonenumbers.__version__ != '$PHONENUMBERS_VERSION')" 2>/dev/null \
  || [[ "$("$TEST_VENV/bin/st" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  say "installing the tests' Python packages: ${TEST_PYTHON_PACKAGES[*]}"
  python3 -m venv "$TEST_VENV"
  "$TEST_VENV/bin/pip" install --quiet --disable-pip-version-check "${TEST_PYTHON_PACKAGES[@]}"
fi
export SMTP_TEST_PYTHON="$TEST_VENV/bin/python"
export PHONE_REFERENCE_PYTHON="$TEST_VENV/bin/python"

say "formatting"
cargo fmt --all --check

say "clippy: server and wasm"
cargo clippy -p app --features ssr -p server -p integration-tests --all-targets -- -D warnings
cargo clippy -p frontend -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  say "unit and integration tests (SQLite and PostgreSQL at ${TEST_DATABASE_URL%%@*}@...)"
else
  say "unit and integration tests (SQLite; PostgreSQL variants are ignored: TEST_DATABASE_URL is not set)"
fi
cargo test -p app --features ssr -p server -p integration-tests

say "import engine benchmark (native, release)"
export IMPORT_DIGEST_FILE="$CARGO_TARGET_DIR/import-digest.json"
rm -f "$IMPORT_DIGEST_FILE"
cargo bench -p app --bench import

say "import commit benchmark (10,000 rows, SQLite and PostgreSQL when configured)"
cargo bench -p app --features ssr --bench import_commit

say "import job benchmark (100,000 rows through upload, queue and runner; IMPORT_JOB_BENCH_ROWS=500000 for full size)"
cargo bench -p app --features ssr --bench import_job

say "invitations dashboard benchmark (100,000 users, SQLite and PostgreSQL when configured)"
cargo bench -p app --features ssr --bench invitation_dashboard

say "browser tests (release build, Chromium)"
build_release
# What a page downloads first (the main wasm and its JS) and the chunks fetched later.
node -e '
  const fs = require("fs"), zlib = require("zlib"), dir = "target/site/pkg/";
  const kb = (n) => (n / 1024).toFixed(0) + " KB";
  for (const f of fs.readdirSync(dir).filter((f) => /\.(wasm|js)$/.test(f)).sort()) {
    const raw = fs.readFileSync(dir + f);
    const first = f.startsWith("bulk-import.") ? " (every page)" : "";
    console.log(`${f}${first}: ${kb(raw.length)}, ${kb(zlib.brotliCompressSync(raw).length)} brotli`);
  }'
(cd end2end && npx playwright test)

say "REST API fuzzing (schemathesis against /ws/openapi.json), SQLite"
SCHEMATHESIS="$TEST_VENV/bin/st" bash scripts/api-fuzz.sh
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  say "REST API fuzzing, PostgreSQL (a fresh database on TEST_DATABASE_URL's server)"
  # Another port: the first run's server may still be letting its port go.
  SCHEMATHESIS="$TEST_VENV/bin/st" API_FUZZ_POSTGRES_URL="$TEST_DATABASE_URL" API_FUZZ_PORT=3210 \
    bash scripts/api-fuzz.sh
else
  say "REST API fuzzing on PostgreSQL: skipped (TEST_DATABASE_URL is not set)"
fi
say "all tests passed"
