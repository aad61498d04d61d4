import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BundledPackage } from './binary-contents';

export { NOTICES_FILE } from './file-names';

/** The files a package ships its license and notices in (npm always packs these). */
const LICENSE_FILE = /^(LICEN[CS]E|COPYING|NOTICE)([-._].*)?$/i;

/** A package's license and notice texts, file name → text (line endings made `\n`, trailing blank lines dropped). */
export function licenseTexts(dir: string): { file: string; text: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => LICENSE_FILE.test(name) && statSync(join(dir, name)).isFile())
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8').replace(/\r\n?/g, '\n').replace(/\s+$/, '') }));
}

/**
 * THIRD-PARTY-NOTICES for one binary: each package in it with its version and license, then each
 * license text it ships, a text shared by several packages (the same MIT text, word for word)
 * printed once with everyone who ships it. Deterministic: sorted, no dates, no paths.
 */
export function thirdPartyNotices(options: { binary: string; platform: string; packages: readonly BundledPackage[] }): string {
  const packages = [...options.packages].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const texts = new Map<string, string[]>();
  const lines: string[] = [
    `THIRD-PARTY NOTICES: ${options.binary} for ${options.platform}`,
    '',
    `The ${options.binary} binary for ${options.platform} contains the following third-party packages. Their license`,
    'and notice texts follow the list; a text several packages ship word for word is printed once.',
    '',
  ];
  for (const pkg of packages) {
    const id = `${pkg.name} ${pkg.version}`;
    const shipped = licenseTexts(pkg.dir);
    lines.push(`- ${id} (${pkg.license ?? 'no license declared'})${shipped.length === 0 ? ': the package ships no license file' : ''}`);
    for (const { text } of shipped) texts.set(text, [...(texts.get(text) ?? []), id]);
  }
  const ordered = [...texts.entries()].sort(([, a], [, b]) => a[0].localeCompare(b[0]) || a.join().localeCompare(b.join()));
  for (const [text, users] of ordered) {
    lines.push('', '-'.repeat(80), `Shipped by: ${[...new Set(users)].join(', ')}`, '-'.repeat(80), '', text);
  }
  return `${lines.join('\n')}\n`;
}
