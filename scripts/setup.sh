#!/usr/bin/env bash
# Installs what building the app needs, only where it is missing, from crates.io and npm
# (cargo-leptos would otherwise try to download tools, and downloads fail on closed networks).
# Sourced by scripts/app.sh and scripts/test.sh; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${BULK_IMPORT_TOOLS_DIR:-$HOME/.cache/bulk-import-tools}"
CARGO_LEPTOS_VERSION="0.3.10"
BINARYEN_VERSION="132"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# A cargo target directory outside the clone makes repeated runs fast; it is optional.
if [[ -z "${CARGO_TARGET_DIR:-}" ]]; then
  export CARGO_TARGET_DIR="${BULK_IMPORT_TARGET_DIR:-$HOME/.cache/bulk-import-target}"
fi
mkdir -p "$CARGO_TARGET_DIR" "$TOOLS_DIR"
# Incremental caches grow the target directory by gigabytes per run; full builds of our three
# crates are quick enough without them.
export CARGO_INCREMENTAL=0
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores)"
  cargo install --locked "cargo-leptos@$CARGO_LEPTOS_VERSION"
fi

# cargo-leptos runs an external wasm-bindgen that must match Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock")"
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Without --locked: a locked dependency of the CLI is missing from the registry.
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Release builds run wasm-opt. Debian's binaryen is too old (hydration then fails with
# "WebAssembly.Table.set(): Argument 1 is invalid for table"); npm's binaryen works.
if [[ "$(wasm-opt --version 2>/dev/null || true)" != *"version $BINARYEN_VERSION"* ]]; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION")
fi

# `cargo leptos build --release`, skipped when nothing it builds from has changed since the
# last build of this checkout: cargo-leptos regenerates the JS and wasm on every call (about a
# minute) even when nothing changed. The fingerprint covers the build's inputs as committed,
# their uncommitted changes and untracked files, and the server binary itself (another
# checkout may share the target folder).
release_fingerprint() {
  local bin="$CARGO_TARGET_DIR/release/server" wasm
  # The build names its files after their content; hash.txt, beside the binary, says which.
  wasm="$ROOT/target/site/pkg/bulk-import.$(sed -n 's/^wasm: *//p' "$CARGO_TARGET_DIR/release/hash.txt" 2>/dev/null).wasm"
  if ! git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || [[ ! -x "$bin" ]] || [[ ! -f "$wasm" ]]; then
    date +%s%N # nothing to compare with: always build
    return
  fi
  # Only what the build reads: a commit that changes the tests or the docs rebuilds nothing.
  local inputs=(Cargo.toml Cargo.lock app frontend server migrations style public)
  {
    git -C "$ROOT" ls-files -s -- "${inputs[@]}"
    git -C "$ROOT" diff HEAD --binary -- "${inputs[@]}"
    git -C "$ROOT" ls-files --others --exclude-standard -z -- "${inputs[@]}" | (cd "$ROOT" && xargs -0 -r sha256sum)
    stat -c '%s %Y' "$bin" "$wasm"
  } | sha256sum | cut -d' ' -f1
}

build_release() {
  local stamp="$ROOT/target/release-build.fingerprint"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$(release_fingerprint)" ]]; then
    say "release build is up to date"
    return
  fi
  # --precompress writes brotli and gzip copies of the wasm, JS and CSS for the server to send;
  # --split cuts the wasm at its split points (the import engine, the phone plans), fetched
  # when first used. (cargo-leptos 0.3.10 takes both only as flags, not from Cargo.toml.)
  cargo leptos build --release --precompress --split
  mkdir -p "$ROOT/target"
  release_fingerprint >"$stamp"
}
