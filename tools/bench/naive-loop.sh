#!/bin/sh
# The naive baseline, as Codebuff's own release script does it: one platform after another, swap
# the target's OpenTUI platform packages into node_modules, `bun build --compile --minify`, then
# `tar czf` (gzip -6) of the binary and tree-sitter.wasm. No cache, no parallelism. The packages
# are copied from the folders the pipeline fetched (dist/build/native/), so the loop pays no
# download. Usage: naive-loop.sh OUTDIR WORKSPACE (a workspace whose node_modules entries are links)
set -e
out="$1"
root="$2"
bun="$root/node_modules/.bin/bun"
wasm="$root/node_modules/web-tree-sitter/tree-sitter.wasm"
mkdir -p "$out"
# Bun resolves from a package's real path: OpenTUI's own packages must be real folders of this
# node_modules (not links into another one), or the swapped-in packages would not be found.
for pkg in core react; do
  if [ -L "$root/node_modules/@opentui/$pkg" ]; then
    real=$(readlink -f "$root/node_modules/@opentui/$pkg")
    rm "$root/node_modules/@opentui/$pkg"
    cp -R "$real" "$root/node_modules/@opentui/$pkg"
  fi
done
for spec in linux-x64:bun-linux-x64-baseline linux-arm64:bun-linux-arm64 darwin-x64:bun-darwin-x64-baseline darwin-arm64:bun-darwin-arm64 win32-x64:bun-windows-x64-baseline; do
  key="${spec%%:*}"
  target="${spec#*:}"
  name=codebuff
  [ "$key" = win32-x64 ] && name=codebuff.exe
  # Swap in: this target's packages replace whatever @opentui/core-* npm installed (and go back
  # on any exit, so a failed compile leaves node_modules as it found it).
  saved="$out/saved-opentui"
  mkdir -p "$saved"
  trap 'rm -rf "$root"/node_modules/@opentui/core-*; mv "$saved"/* "$root/node_modules/@opentui/" 2>/dev/null; rmdir "$saved"' EXIT
  for pkg in "$root"/node_modules/@opentui/core-*; do
    [ -e "$pkg" ] || [ -L "$pkg" ] || continue
    mv "$pkg" "$saved/"
  done
  cp -R "$root/dist/build/native/$key/node_modules/@opentui/." "$root/node_modules/@opentui/"
  external=
  [ "$key" = linux-arm64 ] && external=--external=@opentui/core-linux-arm64-musl
  mkdir -p "$out/$key"
  (cd "$root/apps/codebuff-cli" && "$bun" build src/main.tsx --compile --minify --target="$target" $external --outfile="$out/$key/$name" >/dev/null)
  cp "$wasm" "$out/$key/"
  tar czf "$out/codebuff-$key.tar.gz" -C "$out/$key" "$name" tree-sitter.wasm
  # Swap back.
  rm -rf "$root"/node_modules/@opentui/core-*
  mv "$saved"/* "$root/node_modules/@opentui/"
  rmdir "$saved"
  trap - EXIT
done
