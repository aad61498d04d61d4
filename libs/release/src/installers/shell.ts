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
# Limits, as the npm launcher's (milliseconds, taken in whole seconds, at least 1). With wget only
# the deadline and (GNU wget) the connect/read timeout apply:
#   CODEBUFF_DOWNLOAD_TIMEOUT_MS          connecting, and wget's read timeout (default 30000)
#   CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC   slower than this ...                 (default 4096)
#   CODEBUFF_DOWNLOAD_LOW_SPEED_MS        ... for this long gives up            (default 30000)
#   CODEBUFF_DOWNLOAD_DEADLINE_MS         the whole download                    (default 900000)
# A signal (HUP, INT, PIPE, TERM) stops the download at once, removes what the run wrote and exits
# with the signal's status (129, 130, 141, 143).
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

# A whole number of seconds (at least 1) from a millisecond variable, or its default.
seconds_of() {
  case "$1" in
    '' | *[!0-9]*) ms=$2 ;;
    *) ms=$1 ;;
  esac
  secs=$((ms / 1000))
  [ "$secs" -ge 1 ] || secs=1
  echo "$secs"
}

# Downloads $1 to $2 within the limits above; on failure prints the downloader's last line of
# complaint and fails. The downloader runs in the background while the shell watches the clock in
# one-second steps, so a signal's trap runs within a second (a foreground child would hold it until
# the child returned) and wget, which has no deadline of its own, gets one.
download() {
  connect_s=$(seconds_of "\${CODEBUFF_DOWNLOAD_TIMEOUT_MS:-}" 30000)
  low_speed_s=$(seconds_of "\${CODEBUFF_DOWNLOAD_LOW_SPEED_MS:-}" 30000)
  deadline_s=$(seconds_of "\${CODEBUFF_DOWNLOAD_DEADLINE_MS:-}" 900000)
  min_bps=\${CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC:-4096}
  case "$min_bps" in '' | *[!0-9]*) min_bps=4096 ;; esac
  if has curl; then
    curl --fail --silent --show-error --location --retry 3 --connect-timeout "$connect_s" \\
      --speed-limit "$min_bps" --speed-time "$low_speed_s" --max-time "$deadline_s" \\
      --output "$2" "$1" 2>"$tmp/download.log" &
  else
    # GNU wget takes a read timeout; busybox 1.35's wget crashes with one (-T), so it goes without.
    read_timeout="-T $connect_s"
    wget --help 2>&1 | grep -q BusyBox && read_timeout=
    # shellcheck disable=SC2086 # meant to split into two words, or to vanish
    wget -q $read_timeout -O "$2" "$1" 2>"$tmp/download.log" &
  fi
  downloader=$!
  status=0
  timed_out=
  # In braces with stderr dropped: busybox sh says "Terminated" when it reaps a downloader we stopped.
  {
    waited=0
    while kill -0 "$downloader"; do
      if [ "$waited" -ge "$deadline_s" ]; then
        timed_out=1
        kill "$downloader"
        break
      fi
      sleep 1
      waited=$((waited + 1))
    done
    wait "$downloader"
  } 2>/dev/null || status=$?
  downloader=
  if [ "$status" -ne 0 ]; then
    reason=$(tail -n 1 "$tmp/download.log" | tr -d '\\r')
    [ -n "$timed_out" ] && reason="no complete download within \${deadline_s}s (CODEBUFF_DOWNLOAD_DEADLINE_MS)"
    fail "download failed: $1 (\${reason:-no answer})"
  fi
}

# Copies $1 next to its final name $2, then renames it: an interrupted install leaves the old file whole.
place() {
  staged="$dir/.\${2##*/}.installing.$$"
  cp "$1" "$staged" 2>/dev/null && chmod "$3" "$staged" && mv -f "$staged" "$2" || fail "cannot write $2"
  staged=
}

# Refuses a target that is not a file (a folder named like the binary would take the new file in,
# and the install would only look successful).
check_target() {
  if [ -e "$1" ] || [ -L "$1" ]; then
    [ -f "$1" ] || fail "$1 exists and is not a file; move it away and run again; nothing was installed"
  fi
}

cleanup() {
  if [ -n "\${downloader:-}" ]; then kill "$downloader" 2>/dev/null; fi
  if [ -n "\${staged:-}" ]; then rm -f "$staged"; fi
  if [ -n "\${tmp:-}" ]; then rm -rf "$tmp"; fi
}

# A signal: exit with its status; the EXIT trap stops the download and removes what the run wrote.
on_signal() {
  trap - HUP INT PIPE TERM
  exit "$1"
}

main() {
  detect_platform
  select_asset "$platform"
  has curl || has wget || fail "neither curl nor wget found: install one of them"
  has sha256sum || has shasum || fail "neither sha256sum nor shasum found: cannot check the download"
  has tar || fail "tar not found: cannot unpack the download"
  if [ -n "\${${INSTALL_DIR_ENV}:-}" ]; then
    dir=$${INSTALL_DIR_ENV}
    # A relative folder that looks like an option (-x) would be taken for one by mkdir, cp and rm.
    case "$dir" in -*) dir=./$dir ;; esac
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
  downloader=
  for f in $binary $files; do check_target "$dir/$f"; done
  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t "$NAME") || fail "cannot create a temporary directory"
  trap cleanup EXIT
  trap 'on_signal 129' HUP
  trap 'on_signal 130' INT
  trap 'on_signal 141' PIPE
  trap 'on_signal 143' TERM

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
  for f in $binary $files; do check_target "$dir/$f"; done
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
