import { readFile, rm, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReleaseError } from '../errors';
import { replaceDirectory, sweepDeadTemps, tempPathFor, writeJsonAtomic } from '../fs-atomic';
import { admits, type NativeSet, type PinnedPackage } from './native-set';

export const NATIVE_RECORD = 'native.json';

/** Where a fetched package lies inside a platform's native folder. */
export const packageDirIn = (nativeDir: string, name: string) => join(nativeDir, 'node_modules', name);

/**
 * Fetches one platform's packages (and Bun's runtime) by the version and integrity the lockfile
 * pins, through npm's own fetcher and cache (pacote), into `outDir/node_modules/<name>`: a folder
 * that platform's compile alone resolves from, so five compiles in parallel never see each other's
 * packages and the shared node_modules is never edited. The folder is built aside and swapped in
 * whole; on any failure the previous one stays.
 */
export async function fetchNativeSet(set: NativeSet, outDir: string, options: { registry?: string; cache?: string } = {}): Promise<void> {
  await mkdir(dirname(outDir), { recursive: true });
  await sweepDeadTemps(dirname(outDir));
  const staging = tempPathFor(outDir);
  try {
    await Promise.all([...set.packages, set.runtime].map((p) => fetchOne(p, set.platform, staging, options)));
    await writeJsonAtomic(join(staging, NATIVE_RECORD), set);
    await replaceDirectory(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function fetchOne(
  p: PinnedPackage,
  platform: string,
  staging: string,
  options: { registry?: string; cache?: string },
): Promise<void> {
  const dest = packageDirIn(staging, p.name);
  // Loaded here, not at the top: pacote takes ~0.3 s to load, and most readers of this module
  // (the plugin's hook, the compile, the bundle) only want packageDirIn or readNativeRecord.
  const pacote = require('pacote') as typeof import('pacote');
  try {
    await pacote.extract(`${p.name}@${p.version}`, dest, {
      integrity: p.integrity,
      registry: options.registry,
      cache: options.cache,
      umask: 0o022,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EINTEGRITY') {
      throw new ReleaseError(
        `${platform}: ${p.name}@${p.version} from the registry does not match the integrity package-lock.json pins; nothing was changed`,
      );
    }
    throw new ReleaseError(`${platform}: cannot fetch ${p.name}@${p.version} (needed by ${p.requiredBy}): ${e.message.split('\n')[0]}`);
  }
  const manifest = JSON.parse(await readFile(join(dest, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
    os?: string[];
    cpu?: string[];
  };
  if (manifest.name !== p.name || manifest.version !== p.version) {
    throw new ReleaseError(`${platform}: the tarball of ${p.name}@${p.version} says it is ${manifest.name}@${manifest.version}`);
  }
  if (!admits(manifest, platform)) {
    throw new ReleaseError(
      `${platform}: ${p.name}@${p.version} is built for ${[manifest.os, manifest.cpu].flat().filter(Boolean).join('/')}, not ${platform}; fix its os/cpu in package-lock.json (npm install)`,
    );
  }
}

/** Reads what the native task fetched for a platform. */
export async function readNativeRecord(nativeDir: string, platform: string): Promise<NativeSet> {
  try {
    return JSON.parse(await readFile(join(nativeDir, NATIVE_RECORD), 'utf8')) as NativeSet;
  } catch {
    throw new ReleaseError(`no native packages for ${platform} in ${nativeDir}: run native-${platform} first`);
  }
}
