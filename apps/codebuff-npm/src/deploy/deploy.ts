import { ReleaseError } from '@codebuff/release/errors';
import { platformKeys } from '@codebuff/release/platforms';
import { parseCommandLine, runMain } from './command-line';
import { fetchRemoteManifest, readLocalManifest } from './manifest-source';
import { pickLocationOption, resolveLocation } from './release-location';
import { runNpm } from './run-tool';
import { buildLauncher, stagePackage } from './stage-package';
import { verifyReleaseAssets } from './verify-release';
import { RELEASE_ROOT } from './workspace';

export const DEPLOY_USAGE = `Usage: node scripts/deploy.mjs <version> (--github owner/repo | --s3-base URL | --base-url URL) [options]

Publishes the \`codebuff\` npm package (a small launcher, no binary inside) for a release whose
binaries are already uploaded. Every platform's asset is downloaded from the release location and
its size and sha256 compared with the release manifest; if any is missing or differs, nothing is
published. The manifest and the location are then written into the package, and \`npm publish\` runs.

Release location (exactly one):
  --github owner/repo   GitHub release assets: https://github.com/owner/repo/releases/download/v<version>/<asset>
  --s3-base URL         public S3/HTTP base of the upload: <URL>/<version>/<asset>
                        (e.g. https://my-bucket.s3.amazonaws.com/codebuff)
  --base-url URL        any http(s):// or file:// base: <URL>/<version>/<asset>, or <URL> with
                        {version} replaced when it contains {version}

Options:
  --registry URL        npm registry to publish to (default: npm's configured registry)
  --tag TAG             npm dist-tag (default: latest; next for prerelease versions)
  --dry-run             verify and pack, then \`npm publish --dry-run\`: nothing is published
  -h, --help            show this help

The manifest is read from dist/release/<version>/manifest.json if present, else downloaded from
<location>/manifest.json. npm authentication is npm's own (~/.npmrc, NODE_AUTH_TOKEN via .npmrc);
in GitHub Actions with npm 11.5.1 or later and id-token: write, npm's trusted publishing needs no
token and adds provenance (with --github, the package's repository is set to that repository).
`;

interface DeployValues {
  github?: string;
  's3-base'?: string;
  'base-url'?: string;
  registry?: string;
  tag?: string;
  'dry-run'?: boolean;
}

const OPTIONS = {
  github: { type: 'string' },
  's3-base': { type: 'string' },
  'base-url': { type: 'string' },
  registry: { type: 'string' },
  tag: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export async function deployMain(argv: readonly string[]): Promise<number> {
  return runMain('deploy', async () => {
    const { version, values, help } = parseCommandLine<DeployValues>(argv, OPTIONS);
    if (help) {
      process.stdout.write(DEPLOY_USAGE);
      return;
    }
    const location = resolveLocation(pickLocationOption(values), version);
    if (values.registry !== undefined && !/^https?:\/\/[^\s]+$/.test(values.registry))
      throw new ReleaseError(`invalid --registry "${values.registry}": expected an http(s) URL`);
    const tag = values.tag ?? (version.includes('-') ? 'next' : 'latest');
    if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(tag)) throw new ReleaseError(`invalid --tag "${tag}"`);
    const registryArgs = values.registry ? ['--registry', values.registry] : [];

    const loaded = readLocalManifest(RELEASE_ROOT, version) ?? (await fetchRemoteManifest(location.assetBaseUrl, version));
    log(`manifest: ${loaded.from}`);
    log(`release location: ${location.assetBaseUrl}/`);

    const existing = await runNpm(['view', `codebuff@${version}`, 'version', '--prefer-online', ...registryArgs], { capture: true });
    if (existing.code === 0 && existing.stdout.trim() === version) {
      throw new ReleaseError(
        `codebuff@${version} is already published${values.registry ? ` on ${values.registry}` : ''}; npm versions cannot be replaced, publish a new version`,
      );
    }

    await verifyReleaseAssets(loaded.manifest, location.assetBaseUrl, { platforms: platformKeys(), log });
    const launcherDir = await buildLauncher();
    const staged = stagePackage(loaded.manifest, location.assetBaseUrl, launcherDir, values.github);
    try {
      const publishArgs = [
        'publish',
        staged.dir,
        '--access',
        'public',
        '--tag',
        tag,
        ...registryArgs,
        ...(values['dry-run'] ? ['--dry-run'] : []),
      ];
      const published = await runNpm(publishArgs);
      if (published.code !== 0) throw new ReleaseError(`npm publish failed (exit ${published.code}); see npm's output above`);
    } finally {
      staged.dispose();
    }
    log(
      values['dry-run'] ? `dry run: codebuff@${version} verified and packed, not published` : `published codebuff@${version} (tag ${tag})`,
    );
  });
}

function log(line: string): void {
  process.stdout.write(`deploy: ${line}\n`);
}
