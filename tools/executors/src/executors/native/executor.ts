import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadReleaseConfig } from '@codebuff/release/config';
import { fetchNativeSet } from '@codebuff/release/native/fetch';
import { checkHashedNativeSet, projectNativeSet } from '@codebuff/release/native/project-native';
import { platformForTask } from '../../platform-row';
import { batchOf } from '../../run-batch';
import { projectPaths, runExecutor } from '../../run-executor';
import type { NativeExecutorOptions } from './schema';

export default async function nativeExecutor(options: NativeExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const platform = platformForTask(options.platform, options.name);
    const set = projectNativeSet(workspaceRoot, loadReleaseConfig(workspaceRoot, projectRoot), platform);
    checkHashedNativeSet(set);
    await fetchNativeSet(set, join(workspaceRoot, options.outputPath));
    const excluded = Object.keys(set.excluded);
    console.log(
      `native ${platform.key}: ${[...set.packages, set.runtime].map((p) => `${p.name}@${p.version}`).join(', ')}${excluded.length > 0 ? `; excluded: ${excluded.join(', ')}` : ''}`,
    );
  });
}

/** Nx runs the platform tasks that are ready together through this, in one process (run-batch.ts). */
export const batch = batchOf(nativeExecutor);
