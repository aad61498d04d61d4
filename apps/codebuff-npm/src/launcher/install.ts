import { randomBytes } from 'node:crypto';
import { access, chmod, constants as fsConstants, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LauncherError, describeError, redactUrl } from './errors';
import { type DownloadOptions, WrongSizeError, downloadToPart } from './download';
import { sha256File } from '@codebuff/release/checksums';
import { sweepLeftovers } from '@codebuff/release/fs-atomic';
import { makeDirectory } from '@codebuff/release/fs-errors';
import { formatBytes } from '@codebuff/release/units';
import { NotFoundError } from './http-open';
import { type HeldLock, type LockOptions, withLock } from './lock';
import { describeProxy } from './proxy';
import { BASE_URL_ENV, type LauncherAsset, type ReleaseInfo, assetUrl } from './release-info';
import { storageFailure } from './storage-error';
import { unpackBinary } from './unpack';

/** Written last, after the binary is in place: its presence is what "installed" means. */
export const STAMP_FILE = 'install.json';

export interface InstallStamp {
  version: string;
  platform: string;
  /** sha256 of the archive this binary came from; a package with another sha256 reinstalls. */
  assetSha256: string;
  binaryName: string;
  binarySize: number;
  binarySha256: string;
  /** The files placed beside the binary (name and size), from the manifest. */
  files?: { name: string; size: number }[];
}

export interface InstallPlan {
  info: ReleaseInfo;
  asset: LauncherAsset;
  /** `<cache root>/<version>` */
  dir: string;
  binaryPath: string;
  url: string;
}

export function planInstall(info: ReleaseInfo, asset: LauncherAsset, dir: string, env: NodeJS.ProcessEnv = process.env): InstallPlan {
  return { info, asset, dir, binaryPath: join(dir, asset.binaryName), url: assetUrl(info, asset, env) };
}

/**
 * True when the stamp matches this package's asset and the binary has the recorded size.
 * `verifyBinary` also re-hashes the binary (postinstall and repair do; every run would be slow).
 */
export async function isInstalled(plan: InstallPlan, verifyBinary = false): Promise<boolean> {
  const stamp = await readFile(join(plan.dir, STAMP_FILE), 'utf8')
    .then((text) => JSON.parse(text) as InstallStamp)
    .catch(() => undefined);
  if (!stamp || stamp.assetSha256 !== plan.asset.sha256 || stamp.binaryName !== plan.asset.binaryName) return false;
  const info = await stat(plan.binaryPath).catch(() => undefined);
  if (!info?.isFile() || info.size !== stamp.binarySize) return false;
  for (const file of plan.asset.files ?? []) {
    const sibling = await stat(join(plan.dir, file.name)).catch(() => undefined);
    if (!sibling?.isFile() || sibling.size !== file.size) return false;
  }
  if (verifyBinary && (await sha256File(plan.binaryPath)) !== stamp.binarySha256) return false;
  return restoreExecutable(plan.binaryPath);
}

/**
 * A binary that lost its exec bit (a `chmod`, a copy or backup tool) gets it back: the bytes are
 * the verified ones, only the mode is wrong. False (reinstall) if the mode cannot be repaired.
 */
async function restoreExecutable(binaryPath: string): Promise<boolean> {
  if (process.platform === 'win32') return true;
  const executable = () =>
    access(binaryPath, fsConstants.X_OK).then(
      () => true,
      () => false,
    );
  if (await executable()) return true;
  await chmod(binaryPath, 0o755).catch(() => undefined);
  return executable();
}

export interface InstallOptions {
  download: DownloadOptions;
  lock: LockOptions;
  verifyBinary: boolean;
  log: (line: string) => void;
  /** Download progress, for a terminal; `progressDone` clears it. */
  progress?: (bytes: number, total: number) => void;
  progressDone?: () => void;
}

const BASE_URL_HINT = `${BASE_URL_ENV} is set`;

export function repairHint(plan: InstallPlan): string {
  return `run \`npm rebuild -g codebuff\` (without -g for a project install) or just run codebuff again; if that fails too, delete ${plan.dir} and retry`;
}

/**
 * Downloads, verifies and unpacks the binary into the version directory, all or nothing:
 * the archive is checked against the manifest's size and sha256 before it is unpacked into a
 * staging directory, and the binary is renamed into place before the stamp is written.
 */
export async function installBinary(plan: InstallPlan, options: InstallOptions): Promise<void> {
  try {
    await installLocked(plan, options);
  } catch (error) {
    throw (error instanceof LauncherError ? undefined : storageFailure(error, 'install into', plan)) ?? error;
  }
}

async function installLocked(plan: InstallPlan, options: InstallOptions): Promise<void> {
  await makeDirectory(plan.dir).catch((error: unknown) => {
    throw storageFailure(error, 'create', plan) ?? error;
  });
  await withLock(
    join(plan.dir, '.install.lock'),
    options.lock,
    () => isInstalled(plan),
    async (lock) => {
      if (await isInstalled(plan, options.verifyBinary)) return;
      await removeLeftovers(plan.dir);
      const part = join(plan.dir, `.${plan.asset.fileName}.part`);
      await fetchVerified(plan, part, options, lock);
      if (!(await lock.stillHeld())) throw lostLock(plan);
      await placeBinary(plan, part);
    },
  );
}

function lostLock(plan: InstallPlan): LauncherError {
  return new LauncherError(
    `another codebuff process took over the install of ${plan.dir} while this one was stalled (suspended?); nothing was installed by this one`,
    {
      repair: 'run codebuff again',
    },
  );
}

async function fetchVerified(plan: InstallPlan, part: string, options: InstallOptions, lock: HeldLock): Promise<void> {
  const { asset, url } = plan;
  const via = describeProxy(new URL(url));
  options.log(`downloading ${asset.fileName} (${formatBytes(asset.size)}) from ${redactUrl(url)}${via ? ` via ${via}` : ''}`);
  // Said only once the server honoured the Range request: a .part that is discarded (too long,
  // or a server that answers 200) was not resumed.
  let resumed = 0;
  try {
    await downloadToPart(
      url,
      part,
      asset.size,
      {
        ...options.download,
        onRetry: (n, error) => options.log(`attempt ${n} failed (${describeError(error)}); retrying`),
      },
      {
        onResume: (offset) => {
          resumed = offset;
          options.log(`resuming at ${offset} bytes`);
        },
        onProgress: options.progress,
        signal: lock.signal,
      },
    );
  } catch (error) {
    if (error instanceof LauncherError) throw error;
    if (lock.signal.aborted) throw lostLock(plan);
    const local = storageFailure(error, 'download into', plan);
    if (local) throw local;
    if (error instanceof WrongSizeError) {
      throw new LauncherError(
        `${asset.fileName} at ${redactUrl(url)} is not the file this package was published with: the server announces ${error.announced} bytes, the release manifest says ${asset.size}; nothing was downloaded`,
        {
          repair: `if ${BASE_URL_HINT}, point it at a mirror of this exact release; otherwise ${repairHint(plan)}, and report it if it persists`,
        },
      );
    }
    const reason =
      error instanceof NotFoundError ? `${asset.fileName} is not at that location (HTTP 404 or missing file)` : describeError(error);
    throw new LauncherError(
      `could not download ${plan.info.name} ${plan.info.version} for ${asset.platform} from ${redactUrl(url)}${via ? ` via proxy ${via}` : ''}: ${reason}`,
      { repair: `check the network and proxy settings (HTTPS_PROXY, NO_PROXY), then ${repairHint(plan)}`, cause: error },
    );
  } finally {
    options.progressDone?.();
  }
  const actual = await sha256File(part);
  if (actual !== asset.sha256) {
    await rm(part, { force: true });
    if (resumed > 0) {
      // The old .part may have come from another file; one clean download before giving up.
      options.log('the resumed download did not match its checksum; downloading again from the start');
      return fetchVerified(plan, part, options, lock);
    }
    throw new LauncherError(
      `checksum mismatch for ${asset.fileName} from ${redactUrl(url)}: sha256 ${actual}, but the release manifest says ${asset.sha256}; the download was deleted and nothing was installed`,
      {
        repair: `${repairHint(plan)}; if it fails again, the release location serves a different file than this package was published with`,
      },
    );
  }
}

async function placeBinary(plan: InstallPlan, part: string): Promise<void> {
  const staging = await mkdtemp(join(plan.dir, '.staging-'));
  try {
    const unpacked = await unpackBinary(part, plan.asset, staging).catch((error: unknown) => {
      if (error instanceof LauncherError) throw error;
      const local = storageFailure(error, 'unpack into', plan);
      if (local) throw local;
      // The archive matched the manifest's sha256, so it is the published file: the release is at fault.
      throw new LauncherError(
        `could not unpack ${plan.asset.fileName} (sha256 as published): ${describeError(error)}; nothing was installed`,
        {
          repair: `${repairHint(plan)}; if it fails again, the release itself is malformed: report it to the Codebuff maintainers`,
          cause: error,
        },
      );
    });
    const stamp: InstallStamp = {
      version: plan.info.version,
      platform: plan.asset.platform,
      assetSha256: plan.asset.sha256,
      binaryName: plan.asset.binaryName,
      binarySize: (await stat(unpacked)).size,
      binarySha256: await sha256File(unpacked),
      files: (plan.asset.files ?? []).map((f) => ({ name: f.name, size: f.size })),
    };
    const stampPath = join(plan.dir, STAMP_FILE);
    await rm(stampPath, { force: true });
    // Windows cannot overwrite or delete a running .exe, but it can rename it: move the old
    // binary aside, put the new one in its place, and delete the old one when it is free.
    if (await stat(plan.binaryPath).catch(() => undefined)) {
      await rename(plan.binaryPath, join(plan.dir, `.old-${randomBytes(4).toString('hex')}-${plan.asset.binaryName}`));
    }
    // The siblings first (each rename is atomic), the binary last, then the stamp: until the stamp
    // is written the install does not count, so a run cut short anywhere installs again.
    for (const file of plan.asset.files ?? []) await rename(join(staging, file.name), join(plan.dir, file.name));
    await rename(unpacked, plan.binaryPath);
    const stampTemp = join(staging, STAMP_FILE);
    await writeFile(stampTemp, `${JSON.stringify(stamp, null, 2)}\n`);
    await rename(stampTemp, stampPath);
    await rm(part, { force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
    await removeLeftovers(plan.dir);
  }
}

/** Old binaries moved aside and staging dirs of crashed runs; ones still in use stay for next time. */
async function removeLeftovers(dir: string): Promise<void> {
  await sweepLeftovers(dir, (name) => name.startsWith('.old-') || name.startsWith('.staging-'));
}
