import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The file-system failures a user fixes on their own machine, in words. Without this they
 * surface as whatever the step that hit them guessed: a network error, a malformed release, or
 * Node's recursive mkdir, which reports a read-only parent as ENOENT.
 */
const STORAGE_CAUSES: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than this process may write (a file-size limit, ulimit -f)',
};

export interface StorageCause {
  code: string;
  /** What went wrong, in words, ending with the code: "no space left on the device (ENOSPC)". */
  cause: string;
  kind: 'not-writable' | 'full' | 'file-size-limit';
}

/** The storage cause of `error`, or undefined if it is not one (a network error, a bug). */
export function storageCause(error: unknown): StorageCause | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !(code in STORAGE_CAUSES)) return undefined;
  const kind = code === 'ENOSPC' || code === 'EDQUOT' ? 'full' : code === 'EFBIG' ? 'file-size-limit' : 'not-writable';
  return { code, cause: `${STORAGE_CAUSES[code]} (${code})`, kind };
}

/**
 * `mkdir -p` whose error names the real cause: on ENOENT (what Node's recursive mkdir reports
 * for a read-only or unwritable parent) it creates the first missing folder on its own, so the
 * error is that folder's EROFS or EACCES.
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = dir;
    while (dirname(missing) !== missing && !(await stat(dirname(missing)).catch(() => undefined))) missing = dirname(missing);
    await mkdir(missing);
    throw error;
  }
}

/**
 * Why a folder could not be created or written, checked without creating anything: its nearest
 * existing ancestor must be a folder this process may write to. Undefined when it can be.
 */
export function whyNotWritable(dir: string): string | undefined {
  let existing = dir;
  while (dirname(existing) !== existing && !statSync(existing, { throwIfNoEntry: false })) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) return `${existing} is not a folder`;
  try {
    accessSync(existing, constants.W_OK);
    return undefined;
  } catch (error) {
    const found = storageCause(error);
    return `${existing === dir ? '' : `${existing}: `}${found ? found.cause : String((error as Error).message)}`;
  }
}
