import { spawn } from 'node:child_process';
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

export interface RunResult {
  code: number;
  output: string;
}

export function runCommand(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}
