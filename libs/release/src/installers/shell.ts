import type { ReleaseManifest } from '../manifest';
import { assetsFor, UNAME_ARCH, UNAME_OS } from './platform-names';
import { assertInert, BASE_URL_ENV, defaultBaseUrl, INSTALL_DIR_ENV, type InstallerSettings, URL_PATTERN } from './settings';

/**
 * `<name>-installer.sh`: a POSIX sh installer (dash, busybox sh, bash, zsh's sh mode) for every
 * tar.gz asset of the manifest. Which `uname` values it understands is derived from the asset
 * keys, so a new row of the platform table needs no edit here. The body sits in a function
 * called on the last line: a `curl | sh` cut short runs nothing.
 */
export function shellInstaller(manifest: ReleaseManifest, settings: InstallerSettings): string {
  const name = assertInert('name', manifest.name);
  const version = assertInert('version', manifest.version);
  const base = assertInert('download URL', defaultBaseUrl(settings, manifest), URL_PATTERN);
  const assets = assetsFor(manifest, (_split, asset) => asset.archive === 'tar.gz');
  const keys = assets.map((a) => a.platform);
  const oses = [...new Set(assets.map((a) => a.os))];
  const arches = [...new Set(assets.map((a) => a.arch))];
  const osCases = oses.map((os) => `    ${UNAME_OS[os] ?? assertInert('platform', os)}) os=${os} ;;`).join('\n');
  const archCases = arches.map((arch) => `    ${UNAME_ARCH[arch] ?? assertInert('arch', arch)}) arch=${arch} ;;`).join('\n');
  const assetCases = assets
    .map((a) => {
      const files = (a.files ?? []).map((f) => assertInert('file name', f.name)).join(' ');
      return `    ${a.platform}) asset=${assertInert('file name', a.fileName)} sha256=${assertInert('sha256', a.sha256)} binary=${assertInert('binary name', a.binaryName)} files='${files}' ;;`;
    })
    .join('\n');
  // Under Rosetta 2 an x86_64 shell on an Apple silicon Mac sees uname -m = x86_64; the native build is the right one.
  const rosetta = keys.includes('darwin-arm64')
    ? `  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
    arch=arm64
  fi
`
    : '';
  return `#!/bin/sh
# Installs ${name} ${version}: picks the archive for this machine, checks its sha256 against the
# value written below, unpacks it and moves ${name} into place. Generated from the release
# manifest; every value below belongs to this one release.
#
#   curl -fsSL ${base}/${name}-installer.sh | sh
#
# Environment:
#   ${BASE_URL_ENV}  download <URL>/<asset> instead of ${base}/<asset>
#   ${INSTALL_DIR_ENV}        install there (default: $XDG_BIN_HOME, else ~/.local/bin)
set -u

NAME=${name}
VERSION=${version}
DEFAULT_BASE_URL=${base}

fail() {
  printf '%s installer: %s\\n' "$NAME" "$*" >&2
  exit 1
}

has() {
  command -v "$1" >/dev/null 2>&1
}

# Node's platform and arch names for this machine, the halves of the release's asset keys.
detect_platform() {
  os=$(uname -s 2>/dev/null) || fail "cannot run uname to tell the platform"
  arch=$(uname -m 2>/dev/null) || fail "cannot run uname to tell the architecture"
  case "$os" in
${osCases}
    *) os=$(printf '%s' "$os" | tr '[:upper:]' '[:lower:]') ;;
  esac
  case "$arch" in
${archCases}
  esac
${rosetta}  platform="$os-$arch"
}

select_asset() {
  case "$1" in
${assetCases}
    *) fail "$NAME $VERSION has no build for this platform ($1); supported: ${keys.join(', ')}" ;;
  esac
}

sha256_of() {
  if has sha256sum; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# Downloads $1 to $2; on failure prints the downloader's last line of complaint and fails.
download() {
  if has curl; then
    curl --fail --silent --show-error --location --retry 3 --output "$2" "$1" 2>"$tmp/download.log"
  else
    wget -q -O "$2" "$1" 2>"$tmp/download.log"
  fi || {
    reason=$(tail -n 1 "$tmp/download.log" | tr -d '\\r')
    fail "download failed: $1 (\${reason:-no answer})"
  }
}

# Copies $1 next to its final name $2, then renames it: an interrupted install leaves the old file whole.
place() {
  staged="$dir/.\${2##*/}.installing.$$"
  cp "$1" "$staged" 2>/dev/null && chmod "$3" "$staged" && mv -f "$staged" "$2" || fail "cannot write $2"
  staged=
}

cleanup() {
  if [ -n "\${staged:-}" ]; then rm -f "$staged"; fi
  if [ -n "\${tmp:-}" ]; then rm -rf "$tmp"; fi
}

main() {
  detect_platform
  select_asset "$platform"
  has curl || has wget || fail "neither curl nor wget found: install one of them"
  has sha256sum || has shasum || fail "neither sha256sum nor shasum found: cannot check the download"
  has tar || fail "tar not found: cannot unpack the download"
  if [ -n "\${${INSTALL_DIR_ENV}:-}" ]; then
    dir=$${INSTALL_DIR_ENV}
  elif [ -n "\${XDG_BIN_HOME:-}" ]; then
    dir=$XDG_BIN_HOME
  elif [ -n "\${HOME:-}" ]; then
    dir=$HOME/.local/bin
  else
    fail "HOME is not set: set ${INSTALL_DIR_ENV} to the directory to install into"
  fi
  # The launcher's rule: the variable replaces the release URL; trailing slashes are dropped.
  base=\${${BASE_URL_ENV}:-$DEFAULT_BASE_URL}
  while [ "\${base%/}" != "$base" ]; do base=\${base%/}; done
  url="$base/$asset"

  staged=
  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t "$NAME") || fail "cannot create a temporary directory"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  printf 'downloading %s %s for %s from %s\\n' "$NAME" "$VERSION" "$platform" "$url"
  download "$url" "$tmp/$asset"
  actual=$(sha256_of "$tmp/$asset")
  [ "$actual" = "$sha256" ] || fail "checksum mismatch for $asset from $url: expected sha256 $sha256, got \${actual:-nothing}; nothing was installed"
  mkdir "$tmp/unpack" && tar -xzf "$tmp/$asset" -C "$tmp/unpack" 2>/dev/null || fail "cannot unpack $asset; nothing was installed"
  for f in $binary $files; do
    [ -f "$tmp/unpack/$f" ] || fail "$asset holds no $f; nothing was installed"
  done

  # The files beside the binary first, the binary last: each one is swapped in whole.
  mkdir -p "$dir" 2>/dev/null || fail "cannot create $dir"
  for f in $files; do
    place "$tmp/unpack/$f" "$dir/$f" 644
  done
  place "$tmp/unpack/$binary" "$dir/$binary" 755
  printf 'installed %s %s to %s\\n' "$NAME" "$VERSION" "$dir/$binary"
  case ":\${PATH:-}:" in
    *":$dir:"*) ;;
    *) printf '%s is not on your PATH; add it, e.g. in ~/.profile:\\n  export PATH="%s:$PATH"\\n' "$dir" "$dir" ;;
  esac
}

main "$@"
`;
}
