import { stat } from 'node:fs/promises';
import { sweepLeftovers } from '../fs-atomic';

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

export function sweepBunTemps(dir: string, now = Date.now()): Promise<string[]> {
  return sweepLeftovers(dir, async (entry, path) => {
    if (!BUN_TEMP.test(entry)) return false;
    const info = await stat(path).catch(() => undefined);
    return info !== undefined && now - info.mtimeMs >= BUN_TEMP_STALE_MS;
  });
}
