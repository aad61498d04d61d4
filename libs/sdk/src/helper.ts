/// <reference path="./vendor.d.ts" />
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * The helper executable for the platform this binary was compiled for. `bun build --compile`
 * folds `process.platform` and `process.arch` to the target's values, so every branch but one is
 * dead code and only that platform's file is embedded (the compile's guard checks this).
 */
export async function helperPath(): Promise<string | undefined> {
  if (process.platform === 'linux' && process.arch === 'x64')
    return (await import('../vendor/linux-x64/cb-helper', { with: { type: 'file' } })).default;
  if (process.platform === 'linux' && process.arch === 'arm64')
    return (await import('../vendor/linux-arm64/cb-helper', { with: { type: 'file' } })).default;
  if (process.platform === 'darwin' && process.arch === 'x64')
    return (await import('../vendor/darwin-x64/cb-helper', { with: { type: 'file' } })).default;
  if (process.platform === 'darwin' && process.arch === 'arm64')
    return (await import('../vendor/darwin-arm64/cb-helper', { with: { type: 'file' } })).default;
  if (process.platform === 'win32' && process.arch === 'x64')
    return (await import('../vendor/win32-x64/cb-helper.exe', { with: { type: 'file' } })).default;
  return undefined;
}

/** Runs the helper and returns what it printed, or why it could not run. */
export async function runHelper(): Promise<string> {
  const path = await helperPath();
  if (!path) return `no helper for ${process.platform}-${process.arch}`;
  // The Mach-O helpers are unsigned LC_UNIXTHREAD programs that macOS refuses (see scripts/make-helpers.ts).
  if (process.platform === 'darwin') return `helper embedded (${path})`;
  const result = spawnSync(extracted(path), [], { encoding: 'utf8' });
  if (result.error) return `helper failed: ${result.error.message}`;
  return result.stdout.trim() || `helper exited ${result.status}`;
}

/**
 * Files embedded in a Bun binary live in its virtual `/$bunfs/` folder, which the OS cannot
 * execute: the helper is copied out once, under a name that carries its content hash.
 */
function extracted(embedded: string): string {
  if (existsSync(embedded) && !embedded.includes('$bunfs') && !embedded.includes('~BUN')) return embedded;
  const bytes = readFileSync(embedded);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const target = join(tmpdir(), `codebuff-${hash}-${basename(embedded).replace(/-[a-z0-9]+\./, '.')}`);
  if (!existsSync(target)) {
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, bytes);
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  }
  return target;
}
