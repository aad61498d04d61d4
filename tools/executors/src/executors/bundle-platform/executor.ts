import { basename, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { formatBytes } from '@codebuff/release/units';
import { bundlePlatform } from '@codebuff/release/bundle/bundle';
import { resolveSourceDateEpoch } from '@codebuff/release/source-date';
import { platformForTask } from '../../platform-row';
import { batchOf } from '../../run-batch';
import { projectPaths, runExecutor } from '../../run-executor';
import type { BundlePlatformExecutorOptions } from './schema';

export default async function bundlePlatformExecutor(options: BundlePlatformExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const platform = platformForTask(options.platform, options.name);
    const record = await bundlePlatform({
      platform,
      binDir: join(workspaceRoot, options.binDir),
      outDir: join(workspaceRoot, options.outputPath),
      sourceDateEpoch: resolveSourceDateEpoch(process.env, workspaceRoot, projectRoot),
      baseName: options.name,
      level: options.compressionLevel,
      chunkStores: options.chunkStore ? [join(workspaceRoot, options.chunkStore)] : [],
      files: (options.files ?? []).map((file) => ({ name: basename(file), path: join(workspaceRoot, file) })),
    });
    const { distinct, reused } = record.chunks;
    console.log(
      `bundled ${record.fileName}: ${formatBytes(record.size)} sha256 ${record.sha256}; ${distinct - reused} of ${distinct} chunks compressed, ${reused} reused`,
    );
  });
}

/** Nx runs the platform tasks that are ready together through this, in one process (run-batch.ts). */
export const batch = batchOf(bundlePlatformExecutor);
