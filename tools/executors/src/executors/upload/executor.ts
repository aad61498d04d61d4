import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadReleaseConfig } from '@codebuff/release/config';
import { ReleaseError } from '@codebuff/release/errors';
import { BUNDLE } from '@codebuff/release/pipeline';
import { readManifest } from '@codebuff/release/manifest';
import { createDestination } from '@codebuff/release/upload/create-destination';
import { createProgressReporter } from '@codebuff/release/upload/progress';
import { formatBytes } from '@codebuff/release/units';
import { checkUploadRequest } from '@codebuff/release/upload/check-request';
import { publishInstallersAfterUpload } from '@codebuff/release/installers/publish';
import { uploadRelease } from '@codebuff/release/upload/upload-release';
import { readPackageVersion, resolveVersion } from '@codebuff/release/version';
import { UPLOAD_DESTINATION_ENV } from '../../command-line';
import { projectPaths, runExecutor } from '../../run-executor';
import type { UploadExecutorOptions } from './schema';
import schema from './schema.json';

const KNOWN_OPTIONS = new Set(Object.keys(schema.properties));

export default async function uploadExecutor(options: UploadExecutorOptions, context: ExecutorContext) {
  return runExecutor(async () => {
    // Nx passes on options its schema does not name: a misspelt --dry-run would upload for real.
    const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
    if (unknown.length > 0)
      throw new ReleaseError(
        `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `--${k}`).join(', ')} (see nx show project <project> for the upload options)`,
      );
    const { workspaceRoot, projectRoot } = projectPaths(context);
    // `nx run p:upload -- --target=s3` hands --target to the executor itself.
    const destination = options.destination ?? options.target ?? process.env[UPLOAD_DESTINATION_ENV];
    if (!destination && process.env.CODEBUFF_NX_HOOK !== '1') {
      // Without the hook a --target on the command line would have been dropped unseen.
      throw new ReleaseError('cannot tell where to upload: the nx-release plugin hook did not run; pass --destination=github|s3|local');
    }
    const config = loadReleaseConfig(workspaceRoot, projectRoot);
    const request = checkUploadRequest({ ...options, destination }, config.upload, process.env, { workspaceRoot });
    const version = resolveVersion({ env: process.env.VERSION, packageVersion: readPackageVersion(join(workspaceRoot, projectRoot)) });
    const releaseDir = join(workspaceRoot, options.releaseRoot ?? BUNDLE.writes, version);
    const manifest = await readManifest(releaseDir);
    const reporter = createProgressReporter({ quiet: options.quiet });
    const summary = await uploadRelease(createDestination(request, workspaceRoot), manifest, releaseDir, {
      replace: request.replace,
      draft: request.draft,
      dryRun: options.dryRun === true,
      concurrency: options.concurrency,
      reporter,
    });
    if (summary.dryRun) {
      const list = (names: string[]) => (names.length > 0 ? names.join(', ') : 'nothing');
      reporter.summary([
        `dry run, nothing sent: ${request.destination}: ${summary.destination}`,
        `  would upload ${summary.uploaded.length - summary.replaced.length}: ${list(summary.uploaded.filter((f) => !summary.replaced.includes(f)))}`,
        `  would replace ${summary.replaced.length}: ${list(summary.replaced)}`,
        `  would skip ${summary.skipped.length} (unchanged): ${list(summary.skipped)}`,
        `  would then ${summary.publishPlan}`,
      ]);
      return;
    }
    reporter.summary([
      `${request.destination}: ${summary.destination}`,
      `  uploaded ${summary.uploaded.length}, unchanged ${summary.skipped.length}, sent ${formatBytes(summary.bytesSent)}`,
      summary.published ? `  published ${manifest.tag}` : `  not published (draft): run again without --draft to publish`,
    ]);
    // The Homebrew formula and Scoop manifest follow a published GitHub release into their tap and bucket.
    await publishInstallersAfterUpload({
      config,
      request,
      published: summary.published,
      manifest,
      releaseDir,
      options: { log: (m) => reporter.info(m) },
    });
  });
}
