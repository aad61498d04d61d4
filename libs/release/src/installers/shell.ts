import type { ReleaseManifest } from '../manifest';
import { assetsFor, UNAME_ARCH, UNAME_OS } from './platform-names';
import { renderInstallerTemplate } from './render-template';
import { assertInert, BASE_URL_ENV, defaultBaseUrl, INSTALL_DIR_ENV, type InstallerSettings, URL_PATTERN } from './settings';

/**
 * `<name>-installer.sh`: a POSIX sh installer (dash, busybox sh, bash, zsh's sh mode) for every
 * tar.gz asset of the manifest. Which `uname` values it understands is derived from the asset
 * keys, so a new row of the platform table needs no edit here. The script is
 * templates/installer.sh.tmpl; its body sits in a function called on the last line: a
 * `curl | sh` cut short runs nothing. Every value is checked inert (assertInert) before it goes in.
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
  return renderInstallerTemplate('installer.sh.tmpl', {
    name,
    version,
    base,
    baseUrlEnv: BASE_URL_ENV,
    installDirEnv: INSTALL_DIR_ENV,
    osCases,
    archCases,
    rosetta,
    assetCases,
    supported: keys.join(', '),
  });
}
