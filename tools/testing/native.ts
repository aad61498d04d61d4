import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadReleaseConfig } from '@codebuff/release/config';
import { fetchNativeSet, NATIVE_RECORD } from '@codebuff/release/native/fetch';
import { nativeFingerprint, type NativeSet } from '@codebuff/release/native/native-set';
import { projectNativeSet, runtimeIn } from '@codebuff/release/native/project-native';
import { getPlatform, type PlatformRow } from '@codebuff/release/platforms';
import { WORKSPACE_ROOT } from './workspace';

export const CLI_ROOT = join(WORKSPACE_ROOT, 'apps/codebuff-cli');

/**
 * The real CLI's platform packages and Bun runtime for one platform, fetched once per lockfile pin
 * into tmp/test-native/ (as the native task would) and shared by the tests that compile it.
 */
export async function nativeFor(platform: string | PlatformRow): Promise<{ dir: string; set: NativeSet; runtime: string }> {
  const row = typeof platform === 'string' ? getPlatform(platform) : platform;
  const set = projectNativeSet(WORKSPACE_ROOT, loadReleaseConfig(WORKSPACE_ROOT, 'apps/codebuff-cli'), row);
  const id = createHash('sha256').update(nativeFingerprint(set)).digest('hex').slice(0, 12);
  const dir = join(WORKSPACE_ROOT, 'tmp/test-native', `${row.key}-${id}`);
  if (!existsSync(join(dir, NATIVE_RECORD))) {
    // Test files run in parallel processes: each fetches aside, and the first to finish puts its
    // copy in place; a later one never replaces a folder another process may be compiling from.
    const mine = `${dir}.${process.pid}.fetching`;
    await fetchNativeSet(set, mine);
    try {
      renameSync(mine, dir);
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      rmSync(mine, { recursive: true, force: true });
    }
  }
  return { dir, set, runtime: await runtimeIn(dir, set) };
}
