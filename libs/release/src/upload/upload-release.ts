import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from '../errors';
import { MANIFEST_FILE, type ReleaseManifest, releaseArtifacts } from '../manifest';
import { sha256File } from '../checksums';
import type { LocalFile, RemoteFile, UploadDestination, UploadOptions, UploadSummary } from './types';

/**
 * The release's files as the manifest lists them (releaseArtifacts). Each is checked by size here and by
 * sha256 only when they are about to be sent (verifyLocalFile, or while being sent by a
 * destination that checksWhileSending): a file the destination already
 * holds with the manifest's sha256 is never read, so a re-release with nothing changed stays fast.
 */
export async function localReleaseFiles(manifest: ReleaseManifest, releaseDir: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const artifact of releaseArtifacts(manifest)) {
    const path = join(releaseDir, artifact.fileName);
    const size = (await stat(path).catch(() => undefined))?.size;
    if (artifact.size !== undefined && size !== artifact.size) {
      throw new ReleaseError(
        `${path} does not match manifest.json (size ${size ?? 'missing'}, expected ${artifact.size}); rebuild with the bundle target`,
      );
    }
    if (size === undefined) throw new ReleaseError(`${path} is missing; rebuild with the bundle target`);
    const sha256 = artifact.sha256 ?? (await sha256File(path));
    files.push({ fileName: artifact.fileName, path, size, sha256, contentType: artifact.contentType, immutable: true });
  }
  return files;
}

/** Refuses a file whose bytes are not the ones the manifest promises. */
export async function verifyLocalFile(file: LocalFile): Promise<void> {
  const actual = await sha256File(file.path).catch(() => 'missing');
  if (actual !== file.sha256) {
    throw new ReleaseError(`${file.path} does not match manifest.json (sha256 ${actual}); rebuild with the bundle target`);
  }
}

function matches(remote: RemoteFile | undefined, file: LocalFile): boolean {
  return remote?.complete === true && remote.size === file.size && remote.sha256 === file.sha256;
}

async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}

/**
 * The upload pipeline, the same for every destination:
 * preflight (nothing sent) → compare with what is there (identical: skip; half-made: delete and
 * redo; different: refuse unless replace) → upload the rest → verify every file by size and
 * sha256 → publish. A run that fails anywhere before publish leaves the release unpublished, and
 * running it again finishes the job without duplicates. A dry run stops after the comparison
 * (and the local checks a real run makes before sending) and says what it would do.
 */
export async function uploadRelease(
  destination: UploadDestination,
  manifest: ReleaseManifest,
  releaseDir: string,
  options: UploadOptions = {},
): Promise<UploadSummary> {
  const files = await localReleaseFiles(manifest, releaseDir);
  const dryRun = options.dryRun === true;
  await destination.preflight(manifest, { dryRun });
  const where = destination.describe(manifest);
  const existing = await destination.list(manifest);

  const pending: LocalFile[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const remote = existing.get(file.fileName);
    if (matches(remote, file)) {
      skipped.push(file.fileName);
      if (!dryRun) options.reporter?.done(file, 'skipped');
      continue;
    }
    if (remote?.complete && !options.replace) {
      throw new ReleaseError(
        `${file.fileName} already exists at ${where} with different content (size ${remote.size}, sha256 ${remote.sha256 ?? 'unknown'}); pass --replace to overwrite`,
      );
    }
    pending.push(file);
  }
  // Fail before sending anything if something would be refused; removal only happens after that.
  // A destination that checks the bytes as it sends them is spared this read of a new file: a
  // bad one fails in put() and leaves nothing there, and nothing is published.
  for (const file of pending) {
    if (!dryRun && destination.checksWhileSending && !existing.has(file.fileName)) continue;
    await verifyLocalFile(file);
  }
  const replaced = pending.filter((f) => existing.has(f.fileName)).map((f) => f.fileName);
  if (dryRun) {
    const publishPlan = options.draft ? 'leave it unpublished (--draft)' : await destination.planPublish(manifest);
    return {
      destination: where,
      uploaded: pending.map((f) => f.fileName),
      replaced,
      skipped,
      bytesSent: 0,
      published: false,
      dryRun,
      publishPlan,
    };
  }
  for (const file of pending) {
    if (existing.has(file.fileName)) await destination.remove(manifest, file.fileName);
  }

  let bytesSent = 0;
  const put = async (file: LocalFile) => {
    const sink = options.reporter?.start(file);
    let last = 0;
    await destination.put(manifest, file, (sent) => {
      bytesSent += sent - last;
      last = sent;
      sink?.(sent);
    });
    options.reporter?.done(file, 'uploaded');
  };
  // manifest.json goes up only after every other file is up: where a version's manifest can be
  // read, every asset it names is already there, even after a run that failed half-way.
  await runLimited(
    pending.filter((f) => f.fileName !== MANIFEST_FILE),
    options.concurrency ?? 3,
    put,
  );
  await runLimited(
    pending.filter((f) => f.fileName === MANIFEST_FILE),
    1,
    put,
  );

  const after = await destination.list(manifest);
  const bad = files.filter((f) => !matches(after.get(f.fileName), f)).map((f) => f.fileName);
  if (bad.length > 0) {
    throw new ReleaseError(`verification failed at ${where}: ${bad.join(', ')} missing or different after upload; run again to resume`);
  }

  let published = false;
  if (!options.draft) {
    await destination.publish(manifest);
    published = true;
  }
  return { destination: where, uploaded: pending.map((f) => f.fileName), replaced, skipped, bytesSent, published, dryRun };
}
