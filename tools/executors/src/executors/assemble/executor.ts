import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { BUNDLE_RECORD, type BundleRecord } from '../../../../../libs/release/src/bundle/bundle';
import { ReleaseError } from '../../../../../libs/release/src/errors';
import { readPlatformTable, selectPlatforms } from '../../../../../libs/release/src/platforms';
import { assembleRelease } from '../../../../../libs/release/src/release/assemble';
import { runExecutor } from '../../run-executor';
import type { AssembleExecutorOptions } from './schema';

export default async function assembleExecutor(options: AssembleExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    const platforms = selectPlatforms(options.platforms, readPlatformTable(), options.name);
    const bundleRoot = join(context.root, options.bundleRoot ?? 'dist/build/bundles');
    const bundleDirs = Object.fromEntries(platforms.map((p) => [p.key, join(bundleRoot, p.key)]));
    const versions = new Set<string>();
    for (const p of platforms) {
      const record = JSON.parse(await readFile(join(bundleDirs[p.key], BUNDLE_RECORD), 'utf8').catch(() => '{}')) as Partial<BundleRecord>;
      if (record.version) versions.add(record.version);
    }
    if (versions.size > 1) throw new ReleaseError(`platform bundles disagree on the version: ${[...versions].join(', ')}`);
    const [version] = versions;
    if (!version) throw new ReleaseError(`no bundles in ${bundleRoot}: run the bundle-<platform> targets first`);
    const manifest = await assembleRelease({
      name: options.name ?? 'codebuff',
      version,
      platforms,
      bundleDirs,
      releaseRoot: join(context.root, options.releaseRoot ?? 'dist/release'),
    });
    console.log(`release ${manifest.version}: ${manifest.assets.length} assets, SHA256SUMS and manifest.json in ${join(options.releaseRoot ?? 'dist/release', manifest.version)}`);
  });
}
