/**
 * The platform table lives in platform-table.json beside this file: the one place that says which
 * platforms Codebuff ships for. Nx targets, archive names and the launcher's asset lookup all
 * derive from it, so adding a platform is one row there.
 *
 * It is JSON rather than TypeScript so the Nx plugin can re-read it on every run (a long-lived
 * Nx daemon would keep a stale `require` cache) and hash each row on its own: one changed row
 * rebuilds one platform.
 *
 * Keys are Node's `${process.platform}-${process.arch}`, so a launcher finds its asset from
 * those two values alone. x64 rows use Bun's `-baseline` runtimes: they run on CPUs without
 * AVX2, where the default build dies with SIGILL / 0xC000001D.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ReleaseError } from './errors';
import { DEFAULT_RELEASE_NAME } from './pipeline';

export type ArchiveFormat = 'tar.gz' | 'zip';

/** `${process.platform}-${process.arch}` of the machines a build runs on, e.g. `linux-x64`. */
export type PlatformKey = string;

const PlatformRowSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9]+-[a-z0-9]+$/, 'expected <process.platform>-<process.arch>'),
    /** Bun's `--target` for `bun build --compile`. */
    bunTarget: z.string().regex(/^bun-/, 'expected a Bun target such as bun-linux-x64'),
    archive: z.enum(['tar.gz', 'zip']),
  })
  .strict();

export type PlatformRow = z.infer<typeof PlatformRowSchema>;

export interface PlatformSpec extends PlatformRow {
  /** File name of the executable inside the archive: `codebuff`, or `codebuff.exe` on Windows. */
  binaryName: string;
}

export const PLATFORM_TABLE_PATH = join(__dirname, 'platform-table.json');

/** Reads the table from disk every time it is called, so a running Nx daemon sees edits. */
export function readPlatformTable(path = PLATFORM_TABLE_PATH): PlatformRow[] {
  const rows = z.array(PlatformRowSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!rows.success) {
    const issue = rows.error.issues[0];
    throw new ReleaseError(`invalid platform table ${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const keys = rows.data.map((r) => r.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate) throw new ReleaseError(`invalid platform table ${path}: platform "${duplicate}" is listed twice`);
  return rows.data;
}

export function binaryNameFor(row: PlatformRow, baseName = DEFAULT_RELEASE_NAME): string {
  return row.key.startsWith('win32-') ? `${baseName}.exe` : baseName;
}

function toSpec(row: PlatformRow, baseName = DEFAULT_RELEASE_NAME): PlatformSpec {
  return { ...row, binaryName: binaryNameFor(row, baseName) };
}

/** Every row of the table, read now (never cached at import: a long-lived Nx daemon sees edits). */
export function platforms(): PlatformSpec[] {
  return readPlatformTable().map((row) => toSpec(row));
}

export function platformKeys(): PlatformKey[] {
  return readPlatformTable().map((row) => row.key);
}

export function getPlatform(key: string, table: readonly PlatformRow[] = platforms(), baseName = DEFAULT_RELEASE_NAME): PlatformSpec {
  const found = table.find((p) => p.key === key);
  if (!found) {
    throw new ReleaseError(`unknown platform "${key}"; valid platforms: ${table.map((p) => p.key).join(', ')}`);
  }
  return toSpec(found, baseName);
}

/** Asset file name for a platform: `codebuff-linux-x64.tar.gz`. */
export function assetName(platform: PlatformRow, baseName = DEFAULT_RELEASE_NAME): string {
  return `${baseName}-${platform.key}.${platform.archive}`;
}

/**
 * Validates a user's platform selection: every key known, none repeated.
 * Order is kept so messages and builds follow what the user wrote.
 */
export function selectPlatforms(
  keys: readonly string[] | undefined,
  table: readonly PlatformRow[] = platforms(),
  baseName = DEFAULT_RELEASE_NAME,
): PlatformSpec[] {
  if (keys === undefined) return table.map((row) => toSpec(row, baseName));
  if (keys.length === 0) throw new ReleaseError('no platforms selected');
  const seen = new Set<string>();
  return keys.map((key) => {
    if (seen.has(key)) throw new ReleaseError(`platform "${key}" is listed twice`);
    seen.add(key);
    return getPlatform(key, table, baseName);
  });
}

/**
 * Name of the environment variable through which the Nx plugin puts one row into the hash
 * of that platform's tasks (and only theirs): `CODEBUFF_PLATFORM_ROW_LINUX_X64`.
 */
export function platformRowEnvName(key: string): string {
  return `CODEBUFF_PLATFORM_ROW_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function platformRowFingerprint(row: PlatformRow): string {
  return JSON.stringify([row.key, row.bunTarget, row.archive]);
}
