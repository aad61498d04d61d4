import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { buildRuntimeStore } from '@codebuff/release/bundle/runtime-store';
import { loadReleaseConfig } from '@codebuff/release/config';
import { projectNativeSet, runtimeIn } from '@codebuff/release/native/project-native';
import { platformForTask } from '../../platform-row';
import { batchOf } from '../../run-batch';
import { projectPaths, runExecutor } from '../../run-executor';
import type { RuntimeChunksExecutorOptions } from './schema';

export default async function runtimeChunksExecutor(options: RuntimeChunksExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const platform = platformForTask(options.platform, options.name);
    const set = projectNativeSet(workspaceRoot, loadReleaseConfig(workspaceRoot, projectRoot), platform);
    const runtime = await runtimeIn(join(workspaceRoot, options.nativeDir), set);
    const store = await buildRuntimeStore({
      platform,
      runtime,
      outDir: join(workspaceRoot, options.outputPath),
      level: options.compressionLevel ?? 6,
    });
    console.log(`runtime chunks for ${platform.key}: ${store.chunks.length} compressed from ${store.source}`);
  });
}

/** Nx runs the platform tasks that are ready together through this, in one process (run-batch.ts). */
export const batch = batchOf(runtimeChunksExecutor);
