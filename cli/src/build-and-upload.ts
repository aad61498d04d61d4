import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadReleaseConfig, type ReleaseProjectConfig } from '@codebuff/release/config';
import { isReleaseError, normalizeVersion, ReleaseError, resolveUploadRequest, selectPlatforms } from '@codebuff/release';
import { nxCommand, runProcess } from '@codebuff/release/run-process';

const WORKSPACE_ROOT = resolve(__dirname, '..', '..');
const PROJECT = 'codebuff-cli';
const PROJECT_ROOT = 'apps/codebuff-cli';

type UploadConfig = ReleaseProjectConfig['upload'];

/** The upload settings of the CLI's release.config.json (a bad file is one line, before any work). */
function projectUploadConfig(): UploadConfig {
  return loadReleaseConfig(WORKSPACE_ROOT, PROJECT_ROOT).upload ?? {};
}

export const USAGE = `Usage: build-and-upload.mjs --version X.Y.Z (--target github|s3|local | --local-only) [options]

Builds the Codebuff binaries for every platform through the Nx graph (cached: unchanged
platforms are not rebuilt), bundles them with SHA256SUMS and manifest.json into
dist/release/<version>/, and uploads them.

  --version X.Y.Z     version to build (a leading v is accepted); default: VERSION, else
                      apps/codebuff-cli/package.json
  --target KIND       github, s3 or local: where to upload
  --local-only        build and bundle, upload nothing
  --platforms A,B     with --local-only: build only these platforms (e.g. linux-x64,win32-x64)

GitHub (token from GITHUB_TOKEN or GH_TOKEN, API from GITHUB_API_URL):
  --repo OWNER/NAME   repository (default: release.config.json, else GITHUB_REPOSITORY)
  --draft             upload and verify, leave the release a draft
  --prerelease        mark the release as a pre-release
S3 (credentials from the standard AWS chain):
  --bucket NAME       bucket (default: release.config.json)
  --region REGION     region (default: AWS_REGION, else us-east-1)
  --prefix PREFIX     key prefix (default: codebuff)
  --endpoint URL      S3-compatible endpoint (MinIO, R2): path-style addressing
local:
  --dir DIR           directory that receives <version>/ and latest.json (default: dist/uploads)
Any target:
  --replace           replace files that exist with different content
  --dry-run           build, run preflight and compare with the destination, print what would
                      be uploaded, skipped, replaced and published; send nothing
  --quiet             print only errors
  -h, --help          print this help
`;

const OPTIONS = {
  version: { type: 'string' },
  target: { type: 'string' },
  'local-only': { type: 'boolean' },
  platforms: { type: 'string' },
  repo: { type: 'string' },
  draft: { type: 'boolean' },
  prerelease: { type: 'boolean' },
  bucket: { type: 'string' },
  region: { type: 'string' },
  prefix: { type: 'string' },
  endpoint: { type: 'string' },
  dir: { type: 'string' },
  replace: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface NxInvocation {
  args: string[];
  env: Record<string, string>;
}

/** Turns the seed's options into one Nx command, or refuses with one line before any work. */
export function planInvocation(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  uploadConfig: UploadConfig = projectUploadConfig(),
): NxInvocation | 'help' {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ReleaseError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return 'help';
  const childEnv: Record<string, string> = {};
  const version = values.version ?? env.VERSION;
  if (version !== undefined) childEnv.VERSION = normalizeVersion(version, values.version !== undefined ? '--version' : 'VERSION');
  if (values['local-only'] && values.target) throw new ReleaseError('--local-only and --target exclude each other');
  if (!values['local-only'] && !values.target)
    throw new ReleaseError('say where to upload with --target github|s3|local, or build only with --local-only');
  const platforms = values.platforms?.split(',').map((p) => p.trim());
  if (platforms) selectPlatforms(platforms);
  const quiet = values.quiet ? ['--quiet'] : [];

  if (values['local-only'] && values['dry-run']) throw new ReleaseError('--dry-run previews an upload; --local-only uploads nothing');
  if (values['local-only']) {
    const targets = platforms ? platforms.map((p) => `bundle-${p}`) : ['bundle'];
    return { args: ['run-many', `--projects=${PROJECT}`, `--targets=${targets.join(',')}`, '--output-style=static'], env: childEnv };
  }
  if (platforms) throw new ReleaseError('--platforms works only with --local-only: a release uploads every platform');
  // Validates the destination's own options now, before anything is built.
  // With release.config.json's upload settings, as the upload executor resolves it: a bucket named
  // there needs no --bucket here.
  const request = resolveUploadRequest({ destination: values.target, repo: values.repo, bucket: values.bucket }, uploadConfig, {
    ...env,
    GITHUB_REPOSITORY: env.GITHUB_REPOSITORY ?? 'from/config',
  });
  const flags: string[] = [`--destination=${request.destination}`];
  for (const key of ['repo', 'bucket', 'region', 'prefix', 'endpoint', 'dir'] as const) {
    if (values[key] !== undefined) flags.push(`--${key}=${values[key]}`);
  }
  for (const key of ['draft', 'prerelease', 'replace', 'dry-run'] as const) if (values[key]) flags.push(`--${key}`);
  return { args: ['run', `${PROJECT}:upload`, ...flags, ...quiet], env: childEnv };
}

export async function main(argv: readonly string[]): Promise<number> {
  let plan: NxInvocation | 'help';
  try {
    plan = planInvocation(argv);
  } catch (error) {
    if (isReleaseError(error)) {
      process.stderr.write(`build-and-upload: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (plan === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const [node, nx] = nxCommand(WORKSPACE_ROOT);
  try {
    return (await runProcess(node, [...nx, ...plan.args], { cwd: WORKSPACE_ROOT, env: plan.env, stdout: 'inherit', stderr: 'inherit' }))
      .code;
  } catch (error) {
    process.stderr.write(`build-and-upload: ${(error as Error).message}\n`);
    return 1;
  }
}
