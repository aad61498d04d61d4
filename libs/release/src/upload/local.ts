import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256File } from '../checksums';
import { ReleaseError } from '../errors';
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
    kind: 'local',
    describe: (m) => `${versionDir(m)}/`,
    async preflight(_m, options) {
      if (options?.dryRun) {
        // Creates nothing: the nearest folder that exists must be one this user may write to.
        let existing = root;
        while (!(await stat(existing).catch(() => undefined)) && dirname(existing) !== existing) existing = dirname(existing);
        if (!(await stat(existing)).isDirectory()) throw new ReleaseError(`cannot write to ${root}: ${existing} is not a directory`);
        await access(existing, constants.W_OK).catch(() => {
          throw new ReleaseError(`cannot write to ${root}`);
        });
        return;
      }
      await mkdir(root, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new ReleaseError(`cannot create ${root}: ${error.code ?? error.message}`);
      });
      await access(root).catch(() => {
        throw new ReleaseError(`cannot write to ${root}`);
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
      await writeAtomically(join(versionDir(m), file.fileName), (temp) =>
        pipeline(createReadStream(file.path), progressCounter(progress), createWriteStream(temp)),
      );
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
