import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { compileBinary } from '../../../../../libs/release/src/compile/compile';
import { ReleaseError } from '../../../../../libs/release/src/errors';
import { readPackageVersion, resolveVersion } from '../../../../../libs/release/src/version';
import { declaredInputsOf } from '../../declared-inputs';
import { platformForTask } from '../../platform-row';
import { batchOf } from '../../run-batch';
import { projectPaths, runExecutor } from '../../run-executor';
import type { CompileExecutorOptions } from './schema';

export default async function compileExecutor(options: CompileExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const platform = platformForTask(options.platform, options.name);
    const version = resolveVersion({ option: options.version, env: process.env.VERSION, packageVersion: readPackageVersion(join(workspaceRoot, projectRoot)) });
    if (!options.outputPath) throw new ReleaseError('compile: outputPath is required');
    const record = await compileBinary({
      platform,
      entry: join(workspaceRoot, projectRoot, options.entry ?? 'src/main.ts'),
      outDir: join(workspaceRoot, options.outputPath),
      version,
      cwd: join(workspaceRoot, projectRoot),
      minify: options.minify,
      declaredInputs: { workspaceRoot, inputs: await declaredInputsOf(context) },
    });
    console.log(`compiled ${platform.key} (${platform.bunTarget}) ${version}: ${(record.size / 1e6).toFixed(1)} MB sha256 ${record.sha256}`);
  });
}

/** Nx runs the platform tasks that are ready together through this, in one process (run-batch.ts). */
export const batch = batchOf(compileExecutor);
