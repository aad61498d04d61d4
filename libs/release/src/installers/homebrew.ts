import type { ReleaseManifest } from '../manifest';
import { assetsFor, HOMEBREW_ARCH, HOMEBREW_OS } from './platform-names';
import { renderInstallerTemplate } from './render-template';
import { assertInert, defaultBaseUrl, type InstallerSettings, URL_PATTERN } from './settings';

/** Homebrew's class name for a formula name: `codebuff` → `Codebuff`, `my-tool` → `MyTool`. */
export function formulaClassName(name: string): string {
  return name.replace(/^[a-z]/, (c) => c.toUpperCase()).replace(/[-_.]([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A Ruby double-quoted string literal: `\`, `"` and interpolation (`#`) escaped. */
export function rubyString(text: string): string {
  return `"${text.replace(/[\\"#]/g, (c) => `\\${c}`)}"`;
}

/**
 * `<name>.rb`: a Homebrew formula with the URL and sha256 of each macOS and Linux archive,
 * nested `on_macos`/`on_linux` and `on_arm`/`on_intel` blocks made from the manifest's keys,
 * written into templates/homebrew-formula.rb.tmpl as Ruby string literals (rubyString).
 * Undefined when the release has no archive Homebrew can use.
 */
export function homebrewFormula(manifest: ReleaseManifest, settings: InstallerSettings): string | undefined {
  const assets = assetsFor(
    manifest,
    (split, asset) => split.os in HOMEBREW_OS && split.arch in HOMEBREW_ARCH && asset.archive === 'tar.gz',
  );
  if (assets.length === 0) return undefined;
  const name = assertInert('name', manifest.name);
  const base = assertInert('download URL', defaultBaseUrl(settings, manifest), URL_PATTERN);
  const binaries = [...new Set(assets.map((a) => assertInert('binary name', a.binaryName)))];
  const siblings = [...new Set(assets.flatMap((a) => (a.files ?? []).map((f) => assertInert('file name', f.name))))];
  // Files the binary loads from its own folder: everything goes to libexec, the binary is linked
  // into bin (Bun's process.execPath resolves the link, so the files are found beside it).
  const install =
    siblings.length === 0
      ? `    bin.install ${binaries.map(rubyString).join(', ')}`
      : [
          `    libexec.install ${[...binaries, ...siblings].map(rubyString).join(', ')}`,
          ...binaries.map((b) => `    bin.install_symlink libexec/${rubyString(b)}`),
        ].join('\n');
  const blocks = Object.entries(HOMEBREW_OS)
    .map(([os, osBlock]) => {
      const forOs = assets.filter((a) => a.os === os);
      if (forOs.length === 0) return undefined;
      const inner = forOs
        .map((a) =>
          [
            `    ${HOMEBREW_ARCH[a.arch]} do`,
            `      url ${rubyString(`${base}/${assertInert('file name', a.fileName)}`)}`,
            `      sha256 ${rubyString(assertInert('sha256', a.sha256))}`,
            '    end',
          ].join('\n'),
        )
        .join('\n\n');
      return `  ${osBlock} do\n${inner}\n  end`;
    })
    .filter((b): b is string => b !== undefined);
  const header = [
    `  desc ${rubyString(settings.description)}`,
    `  homepage ${rubyString(settings.homepage)}`,
    `  version ${rubyString(assertInert('version', manifest.version))}`,
    ...(settings.license ? [`  license ${rubyString(settings.license)}`] : []),
  ];
  return renderInstallerTemplate('homebrew-formula.rb.tmpl', {
    name,
    version: manifest.version,
    className: formulaClassName(name),
    header: header.join('\n'),
    blocks: blocks.join('\n\n'),
    install,
    binary: binaries[0],
  });
}
