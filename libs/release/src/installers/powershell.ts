import type { ReleaseManifest } from '../manifest';
import { assetsFor, WINDOWS_ARCH } from './platform-names';
import { renderInstallerTemplate } from './render-template';
import { assertInert, BASE_URL_ENV, defaultBaseUrl, INSTALL_DIR_ENV, type InstallerSettings, URL_PATTERN } from './settings';

/**
 * `<name>-installer.ps1` for the manifest's Windows zips (Windows PowerShell 5.1 and PowerShell 7).
 * The script is templates/installer.ps1.tmpl. Never run here (no PowerShell on this machine):
 * the tests check it textually.
 * Undefined when the release has no Windows zip.
 */
export function powershellInstaller(manifest: ReleaseManifest, settings: InstallerSettings): string | undefined {
  const assets = assetsFor(manifest, (split, asset) => split.os === 'win32' && asset.archive === 'zip' && split.arch in WINDOWS_ARCH);
  if (assets.length === 0) return undefined;
  const name = assertInert('name', manifest.name);
  const version = assertInert('version', manifest.version);
  const base = assertInert('download URL', defaultBaseUrl(settings, manifest), URL_PATTERN);
  const table = assets
    .map((a) => {
      const files = (a.files ?? []).map((f) => `'${assertInert('file name', f.name)}'`).join(', ');
      return `  '${a.arch}' = @{ File = '${assertInert('file name', a.fileName)}'; Sha256 = '${assertInert('sha256', a.sha256)}'; Binary = '${assertInert('binary name', a.binaryName)}'; Files = @(${files}) }`;
    })
    .join('\n');
  const supported = assets.map((a) => a.platform).join(', ');
  return renderInstallerTemplate('installer.ps1.tmpl', {
    name,
    version,
    base,
    baseUrlEnv: BASE_URL_ENV,
    installDirEnv: INSTALL_DIR_ENV,
    table,
    supported,
  });
}
