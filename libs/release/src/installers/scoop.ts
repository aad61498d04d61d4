import type { ReleaseManifest } from '../manifest';
import { assetsFor, SCOOP_ARCH } from './platform-names';
import { assertInert, defaultBaseUrl, type InstallerSettings, URL_PATTERN } from './settings';

/**
 * `<name>.json`: a Scoop manifest for the release's Windows zips, one `architecture` entry
 * per zip. `checkver` follows the repository's GitHub releases; `autoupdate` builds the next
 * version's URLs from the same pattern and takes the hashes from that release's SHA256SUMS.
 * Built as data and written by JSON.stringify rather than from a template: that escapes every
 * value and always yields valid JSON. Undefined when the release has no Windows zip.
 */
export function scoopManifest(manifest: ReleaseManifest, settings: InstallerSettings): string | undefined {
  const assets = assetsFor(manifest, (split, asset) => split.os === 'win32' && asset.archive === 'zip' && split.arch in SCOOP_ARCH);
  if (assets.length === 0) return undefined;
  const base = assertInert('download URL', defaultBaseUrl(settings, manifest), URL_PATTERN);
  const tagPrefix = manifest.tag.endsWith(manifest.version) ? manifest.tag.slice(0, -manifest.version.length) : 'v';
  const nextBase = `https://github.com/${settings.repo}/releases/download/${tagPrefix}$version`;
  const binaries = [...new Set(assets.map((a) => assertInert('binary name', a.binaryName)))];
  const json = {
    version: assertInert('version', manifest.version),
    description: settings.description,
    homepage: settings.homepage,
    ...(settings.license ? { license: settings.license } : {}),
    architecture: Object.fromEntries(
      assets.map((a) => [
        SCOOP_ARCH[a.arch],
        { url: `${base}/${assertInert('file name', a.fileName)}`, hash: assertInert('sha256', a.sha256) },
      ]),
    ),
    bin: binaries.length === 1 ? binaries[0] : binaries,
    checkver: { github: `https://github.com/${settings.repo}` },
    autoupdate: {
      architecture: Object.fromEntries(assets.map((a) => [SCOOP_ARCH[a.arch], { url: `${nextBase}/${a.fileName}` }])),
      hash: { url: `$baseurl/${assertInert('checksums file', manifest.checksumsFile)}`, regex: '$sha256\\s+\\*?$basename' },
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
