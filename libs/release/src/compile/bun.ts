import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireFromHere = createRequire(__filename);

/** The Bun executable from the pinned `bun` devDependency: no global install involved. */
export function bunExecutable(): string {
  const pkgPath = requireFromHere.resolve('bun/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string; version: string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.bun;
  return join(dirname(pkgPath), bin);
}

export function bunVersion(): string {
  const pkgPath = requireFromHere.resolve('bun/package.json');
  return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
}
