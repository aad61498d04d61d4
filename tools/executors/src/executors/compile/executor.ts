import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { formatBytes } from '@codebuff/release/units';
import { compileBinary } from '@codebuff/release/compile/compile';
import { loadReleaseConfig, RELEASE_CONFIG_FILE } from '@codebuff/release/config';
import { DEFAULT_ALLOWED_LICENSES } from '@codebuff/release/sbom/allow-list';
import { readLockfile } from '@codebuff/release/native/lockfile';
import {
  checkHashedBundledNpm,
  checkHashedNativeSet,
  openNativeDir,
  projectBundledNpm,
  projectNativeSet,
} from '@codebuff/release/native/project-native';
import { binaryClosure } from '../../binary-closure';
import { ReleaseError } from '@codebuff/release/errors';
import { readPackageVersion, resolveVersion } from '@codebuff/release/version';
import { declaredInputsOf } from '../../declared-inputs';
import { platformForTask } from '../../platform-row';
import { batchOf } from '../../run-batch';
import { projectPaths, runExecutor } from '../../run-executor';
import type { CompileExecutorOptions } from './schema';

export default async function compileExecutor(options: CompileExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const platform = platformForTask(options.platform, options.name);
    const version = resolveVersion({
      option: options.version,
      env: process.env.VERSION,
      packageVersion: readPackageVersion(join(workspaceRoot, projectRoot)),
    });
    if (!options.outputPath) throw new ReleaseError('compile: outputPath is required');
    if (!options.nativeDir) throw new ReleaseError('compile: nativeDir is required');
    const config = loadReleaseConfig(workspaceRoot, projectRoot);
    const lock = readLockfile(workspaceRoot);
    const set = projectNativeSet(workspaceRoot, config, platform, lock);
    checkHashedNativeSet(set);
    const imported = binaryClosure(workspaceRoot, config).packages;
    const npm = projectBundledNpm(workspaceRoot, config, platform, imported, lock);
    checkHashedBundledNpm(npm, platform.key);
    const hashed = await declaredInputsOf(context);
    const packages = new Map(hashed.packages);
    for (const [name, versions] of npm.packages) packages.set(name, new Set([...(packages.get(name) ?? []), ...versions]));
    const declared = { ...hashed, packages };
    const nativeDir = join(workspaceRoot, options.nativeDir);
    await openNativeDir(nativeDir, set);
    const record = await compileBinary({
      platform,
      entry: join(workspaceRoot, projectRoot, options.entry ?? 'src/main.tsx'),
      outDir: join(workspaceRoot, options.outputPath),
      version,
      cwd: join(workspaceRoot, projectRoot),
      minify: options.minify,
      declaredInputs: { workspaceRoot, inputs: declared },
      native: { dir: nativeDir, set },
      inventory: {
        workspaceRoot,
        projectRoot,
        lock,
        imported,
        allowedLicenses: config.allowedLicenses ?? DEFAULT_ALLOWED_LICENSES,
        configFile: join(projectRoot, RELEASE_CONFIG_FILE),
        name: config.name,
      },
    });
    console.log(`compiled ${platform.key} (${platform.bunTarget}) ${version}: ${formatBytes(record.size)} sha256 ${record.sha256}`);
  });
}

/** Nx runs the platform tasks that are ready together through this, in one process (run-batch.ts). */
export const batch = batchOf(compileExecutor);
