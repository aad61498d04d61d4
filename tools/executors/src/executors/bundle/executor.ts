import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadReleaseConfig } from '@codebuff/release/config';
import { resolveInstallerSettings } from '@codebuff/release/installers/settings';
import { BUNDLE, BUNDLE_PLATFORM, DEFAULT_RELEASE_NAME } from '@codebuff/release/pipeline';
import { readPlatformTable, selectPlatforms } from '@codebuff/release/platforms';
import { assembleRelease } from '@codebuff/release/release/assemble';
import { projectPaths, runExecutor } from '../../run-executor';
import type { BundleExecutorOptions } from './schema';

export default async function bundleExecutor(options: BundleExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const platforms = selectPlatforms(options.platforms, readPlatformTable(), options.name);
    const bundleRoot = join(context.root, options.bundleRoot ?? BUNDLE_PLATFORM.writes);
    const releaseRoot = options.releaseRoot ?? BUNDLE.writes;
    // Installer settings are read from release.config.json when the task runs, like upload settings.
    const { workspaceRoot, projectRoot } = projectPaths(context);
    const installers = resolveInstallerSettings(loadReleaseConfig(workspaceRoot, projectRoot));
    // The version is the one every platform's bundle.json carries; assembleRelease checks they agree.
    const manifest = await assembleRelease({
      name: options.name ?? DEFAULT_RELEASE_NAME,
      platforms,
      bundleDirs: Object.fromEntries(platforms.map((p) => [p.key, join(bundleRoot, p.key)])),
      releaseRoot: join(context.root, releaseRoot),
      installers,
    });
    console.log(
      `release ${manifest.version}: ${manifest.assets.length} assets, SHA256SUMS and manifest.json in ${join(releaseRoot, manifest.version)}`,
    );
    console.log(
      installers
        ? `installers for ${installers.repo}: ${(manifest.installers ?? []).map((i) => i.fileName).join(', ')}`
        : 'no installers: set installers.repo (or upload.github.repo) in release.config.json',
    );
  });
}
