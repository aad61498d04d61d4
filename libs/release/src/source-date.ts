import { execFileSync } from 'node:child_process';
import { ReleaseError } from './errors';

/** 1980-01-01T00:00:00Z: the earliest time a zip entry can carry. */
export const ZIP_EPOCH = 315532800;

/**
 * What a project's archive dates come from: its files, less those that never reach the binary
 * (tests, Markdown, project.json, release.config.json: the files nx.json's `binarySources` leaves
 * out). A commit that only touches those must not re-date, and so re-pack and re-upload, every
 * archive of an unchanged binary. The bundle task hashes `git log` over the same pathspec.
 */
export function sourceDatePathspec(projectRoot: string): string[] {
  const root = projectRoot.replace(/\/+$/, '') || '.';
  return [root, ...['**/*.test.ts', 'test/**', '**/*.md', 'project.json', 'release.config.json'].map((p) => `:(exclude,glob)${root}/${p}`)];
}

/** The `git log` that gives the date; also the bundle task's runtime cache input. */
export function sourceDateCommand(projectRoot: string): string[] {
  return ['git', 'log', '-1', '--format=%ct', '--', ...sourceDatePathspec(projectRoot)];
}

/**
 * The timestamp stamped on every archive entry: SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the last commit that touched the project's files that
 * reach the binary, so a checkout time never leaks into an archive. Outside git it falls back
 * to 1980-01-01.
 */
export function resolveSourceDateEpoch(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), projectRoot = '.'): number {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) throw new ReleaseError(`invalid SOURCE_DATE_EPOCH "${fromEnv}": expected whole seconds since 1970`);
    return Math.max(Number(fromEnv), ZIP_EPOCH);
  }
  try {
    const [git, ...args] = sourceDateCommand(projectRoot);
    const out = execFileSync(git, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^\d+$/.test(out)) return Math.max(Number(out), ZIP_EPOCH);
  } catch {
    // not a git checkout, or git missing: the fixed fallback keeps archives reproducible
  }
  return ZIP_EPOCH;
}
