import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ReleaseError } from '@codebuff/release/errors';
import { platformKeys } from '@codebuff/release/platforms';
import { parseCommandLine, runMain } from './command-line';
import { readLocalManifest } from './manifest-source';
import { localLocation } from './release-location';
import { runNpm, runNx, runTool } from './run-tool';
import { buildLauncher, stagePackage } from './stage-package';
import { verifyReleaseAssets } from './verify-release';
import { NPM_PACK_DIR, RELEASE_ROOT } from './workspace';

export const DEPLOY_LOCAL_USAGE = `Usage: node scripts/deploy-local.mjs <version> [--no-build] [--prefix DIR]

Installs exactly what would be shipped, from this machine's build, without uploading anything:
builds every platform through the Nx graph (nx run codebuff-cli:bundle, VERSION=<version>;
cached when nothing changed), checks dist/release/<version>/ against its manifest, packs the
\`codebuff\` npm launcher pointing at that directory (file://), installs it globally with npm and
runs \`codebuff --version\` through the launcher.

Options:
  --no-build     use dist/release/<version>/ as it is
  --prefix DIR   install into DIR (npm install -g --prefix DIR) instead of npm's global prefix
  -h, --help     show this help

The packed tarball is left in dist/npm/. The binary is cached in $CODEBUFF_HOME or the OS cache
directory (~/.cache/codebuff/<version>/ on Linux), like an install from the registry.
`;

interface LocalValues {
  'no-build'?: boolean;
  prefix?: string;
}

const OPTIONS = { 'no-build': { type: 'boolean' }, prefix: { type: 'string' } } as const;

export async function deployLocalMain(argv: readonly string[]): Promise<number> {
  return runMain('deploy-local', async () => {
    const { version, values, help } = parseCommandLine<LocalValues>(argv, OPTIONS);
    if (help) {
      process.stdout.write(DEPLOY_LOCAL_USAGE);
      return;
    }
    if (values.prefix === '') throw new ReleaseError('--prefix needs a directory');
    const prefix = values.prefix === undefined ? undefined : resolve(values.prefix);

    if (!values['no-build']) {
      log(`building ${version} for every platform: nx run codebuff-cli:bundle`);
      const built = await runNx(['run', 'codebuff-cli:bundle', '--outputStyle=static'], { VERSION: version, NX_TUI: 'false' });
      if (built.code !== 0)
        throw new ReleaseError(`the build failed (nx run codebuff-cli:bundle, exit ${built.code}); see its output above`);
    }
    const loaded = readLocalManifest(RELEASE_ROOT, version);
    if (!loaded) throw new ReleaseError(`no build of ${version} in ${join(RELEASE_ROOT, version)}: run without --no-build`);
    const location = localLocation(RELEASE_ROOT, version);
    // The same check deploy makes against the upload, here against the local files.
    await verifyReleaseAssets(loaded.manifest, location.assetBaseUrl, { platforms: platformKeys(), log });

    const staged = stagePackage(loaded.manifest, location.assetBaseUrl, await buildLauncher());
    let tarball: string;
    try {
      mkdirSync(NPM_PACK_DIR, { recursive: true });
      const packed = await runNpm(['pack', staged.dir, '--pack-destination', NPM_PACK_DIR, '--json'], { capture: true });
      if (packed.code !== 0) throw new ReleaseError('npm pack failed; see its output above');
      const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
      tarball = join(NPM_PACK_DIR, filename);
    } finally {
      staged.dispose();
    }
    log(`packed ${tarball}`);

    const installed = await runNpm([
      'install',
      '--global',
      '--foreground-scripts',
      '--no-audit',
      '--no-fund',
      ...(prefix ? ['--prefix', prefix] : []),
      tarball,
    ]);
    if (installed.code !== 0) throw new ReleaseError(`npm install -g ${tarball} failed; see its output above`);

    const globalPrefix = prefix ?? (await runNpm(['prefix', '--global'], { capture: true })).stdout.trim();
    const bin = binPath(globalPrefix);
    if (!existsSync(bin))
      throw new ReleaseError(`npm installed the package but ${bin} is missing (contents: ${readdirSync(globalPrefix).join(', ')})`);
    const windows = process.platform === 'win32';
    const run = await runTool(windows ? `"${bin}"` : bin, ['--version'], { capture: true, shell: windows });
    const printed = run.stdout.trim();
    if (run.code !== 0 || printed !== version) {
      throw new ReleaseError(`${bin} --version printed "${printed}" (exit ${run.code}), expected ${version}`);
    }
    log(`installed: ${bin} --version → ${printed}`);
    if (prefix) log(`add ${process.platform === 'win32' ? prefix : join(prefix, 'bin')} to PATH to run codebuff`);
  });
}

/** Where npm puts a global package's command for a prefix. */
export function binPath(prefix: string): string {
  return process.platform === 'win32' ? join(prefix, 'codebuff.cmd') : join(prefix, 'bin', 'codebuff');
}

function log(line: string): void {
  process.stdout.write(`deploy-local: ${line}\n`);
}
