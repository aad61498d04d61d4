#!/bin/sh
# The naive baseline the issue names: one platform after another, `bun build --compile`
# then `tar czf` (gzip -6), no cache, no parallelism. Usage: naive-loop.sh OUTDIR
set -e
out="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bun="$root/node_modules/.bin/bun"
mkdir -p "$out"
for spec in linux-x64:bun-linux-x64-baseline linux-arm64:bun-linux-arm64 darwin-x64:bun-darwin-x64-baseline darwin-arm64:bun-darwin-arm64 win32-x64:bun-windows-x64-baseline; do
  key="${spec%%:*}"
  target="${spec#*:}"
  name=codebuff
  [ "$key" = win32-x64 ] && name=codebuff.exe
  mkdir -p "$out/$key"
  "$bun" build "$root/apps/codebuff-cli/src/main.ts" --compile --minify --target="$target" --outfile="$out/$key/$name" >/dev/null
  tar czf "$out/codebuff-$key.tar.gz" -C "$out/$key" "$name"
done
