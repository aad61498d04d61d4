import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `bun build --compile` writes the binary as `.<hex>-<n>.bun-build` in its working directory (the
 * CLI's own folder, which must stay the cwd: the binary's bytes depend on it) and renames it into
 * place at the end. A compile killed half-way leaves up to ~100 MB there, in the project's source
 * folder. `.gitignore` keeps such files out of git and out of Nx's hashes; this removes them.
 */
const BUN_TEMP = /^\.[0-9a-f]+-[0-9a-f]+\.bun-build$/;

/**
 * Bun writes its temp file from start to end within seconds, so one untouched for this long
 * belongs to no running compile (a parallel compile's temp in the same folder is left alone).
 */
export const BUN_TEMP_STALE_MS = 10 * 60 * 1000;

export async function sweepBunTemps(dir: string, now = Date.now()): Promise<string[]> {
  const swept: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!BUN_TEMP.test(entry)) continue;
    const path = join(dir, entry);
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < BUN_TEMP_STALE_MS) continue;
    await rm(path, { force: true });
    swept.push(entry);
  }
  return swept;
}
