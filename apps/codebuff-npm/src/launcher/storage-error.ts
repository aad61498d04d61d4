import { dirname } from 'node:path';
import { storageCause } from '@codebuff/release/fs-errors';
import { formatBytes } from '@codebuff/release/units';
import { HOME_ENV } from './cache-dir';
import { LauncherError } from './errors';
import type { InstallPlan } from './install';

/**
 * A read-only or unwritable cache, a full disk or a file-size limit, said as such with what to
 * do (undefined for any other error): the user fixes these on their machine, so pointing them at
 * the network or at the release would send them the wrong way.
 */
export function storageFailure(
  error: unknown,
  step: 'create' | 'download into' | 'unpack into' | 'install into',
  plan: InstallPlan,
): LauncherError | undefined {
  const found = storageCause(error);
  if (!found) return undefined;
  const path = (error as NodeJS.ErrnoException).path ?? plan.dir;
  const size = formatBytes(plan.asset.size);
  const repair = {
    'not-writable': `set ${HOME_ENV} to a folder you can write to (the binary cache is ${dirname(plan.dir)})`,
    full: `free some space on the disk that holds ${plan.dir} (the download is ${size} and unpacks to more), or set ${HOME_ENV} to a folder on another disk`,
    'file-size-limit': `raise the file-size limit (ulimit -f unlimited) where codebuff runs; the download alone is ${size}`,
  }[found.kind];
  return new LauncherError(`cannot ${step} ${path}: ${found.cause}; nothing was installed`, { repair, cause: error });
}
