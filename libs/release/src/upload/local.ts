import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256File } from '../checksums';
import { ReleaseError } from '../errors';
import { makeDirectory, storageCause, whyNotWritable } from '../fs-errors';
import { writeAtomically, writeFileAtomic } from '../fs-atomic';
import type { ReleaseManifest } from '../manifest';
import { LATEST_FILE, latestPointerJson, pointerPlan, pointerShouldMove } from './latest';
import type { LocalFile, ProgressSink, RemoteFile, UploadDestination } from './types';

/** Counts bytes as they pass, for progress. */
export function progressCounter(progress: ProgressSink): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      progress(sent);
      callback(null, chunk);
    },
  });
}

/**
 * A release directory on disk with the same layout as the S3 bucket:
 * `<dir>/<version>/<asset>` and `<dir>/latest.json`. The default destination: it needs no
 * credentials, and it is what `deploy-local` and the launcher's file:// mode read.
 */
export function localDestination(dir: string): UploadDestination {
  const root = resolve(dir);
  const versionDir = (m: ReleaseManifest) => join(root, m.version);
  return {
    describe: (m) => `${versionDir(m)}/`,
    async preflight(_m, options) {
      // A dry run creates nothing; a real one creates the folder, and says why if it cannot.
      const unwritable = whyNotWritable(root);
      if (unwritable) throw new ReleaseError(`cannot write to ${root}: ${unwritable}`);
      if (options?.dryRun) return;
      await makeDirectory(root).catch((error: unknown) => {
        throw new ReleaseError(`cannot create ${root}: ${storageCause(error)?.cause ?? (error as Error).message}`);
      });
    },
    async list(m) {
      const found = new Map<string, RemoteFile>();
      const names = await readdir(versionDir(m)).catch(() => [] as string[]);
      for (const fileName of names) {
        if (fileName.startsWith('.')) continue;
        const path = join(versionDir(m), fileName);
        found.set(fileName, { fileName, size: (await stat(path)).size, sha256: await sha256File(path), complete: true });
      }
      return found;
    },
    async remove(m, fileName) {
      await rm(join(versionDir(m), fileName), { force: true });
    },
    async put(m, file: LocalFile, progress) {
      const target = join(versionDir(m), file.fileName);
      await writeAtomically(target, (temp) =>
        pipeline(createReadStream(file.path), progressCounter(progress), createWriteStream(temp)),
      ).catch((error: unknown) => {
        const found = storageCause(error);
        throw found ? new ReleaseError(`cannot write ${target}: ${found.cause}; nothing of it was left there`, { cause: error }) : error;
      });
    },
    async publish(m) {
      const current = await readFile(join(root, LATEST_FILE), 'utf8').catch(() => undefined);
      if (pointerShouldMove(current, m.version)) await writeFileAtomic(join(root, LATEST_FILE), latestPointerJson(m));
    },
    async planPublish(m) {
      const current = await readFile(join(root, LATEST_FILE), 'utf8').catch(() => undefined);
      return pointerPlan(current, m.version, join(root, LATEST_FILE));
    },
  };
}
