import { execFileSync } from 'node:child_process';
import { ReleaseError } from './errors';

/** 1980-01-01T00:00:00Z: the earliest time a zip entry can carry. */
export const ZIP_EPOCH = 315532800;

/**
 * The timestamp stamped on every archive entry: SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the last commit that touched `path`, so a checkout
 * time never leaks into an archive. Outside git it falls back to 1980-01-01.
 */
export function resolveSourceDateEpoch(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), path = '.'): number {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) throw new ReleaseError(`invalid SOURCE_DATE_EPOCH "${fromEnv}": expected whole seconds since 1970`);
    return Math.max(Number(fromEnv), ZIP_EPOCH);
  }
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%ct', '--', path], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^\d+$/.test(out)) return Math.max(Number(out), ZIP_EPOCH);
  } catch {
    // not a git checkout, or git missing: the fixed fallback keeps archives reproducible
  }
  return ZIP_EPOCH;
}
