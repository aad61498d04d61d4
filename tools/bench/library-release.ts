/**
 * The baselines of the overhead aims: the release's own work done by library calls in this one
 * process, with the parallelism Nx gets (as many tasks at once as the machine has cores), so
 * that what an Nx command costs beyond it is the graph's overhead. Each stage is the call its
 * executor makes: fetchNativeSet, compileBinary (with the SBOM, notices and license gate),
 * buildRuntimeStore, bundlePlatform (with the chunk store), assembleRelease. What only Nx can do
 * (hashing, the compile's check of Bun's inputs against the hash plan, cache writes) is overhead.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bundlePlatform, compileBinary, platforms as allPlatforms, type PlatformSpec, ZIP_EPOCH } from '@codebuff/release';
import { buildRuntimeStore } from '@codebuff/release/bundle/runtime-store';
import { loadReleaseConfig, RELEASE_CONFIG_FILE } from '@codebuff/release/config';
import { resolveInstallerSettings } from '@codebuff/release/installers/settings';
import { fetchNativeSet } from '@codebuff/release/native/fetch';
import { readLockfile } from '@codebuff/release/native/lockfile';
import { projectNativeSet, runtimeIn } from '@codebuff/release/native/project-native';
import { BUNDLE_PLATFORM, COMPILE, NATIVE, RUNTIME_CHUNKS, type Stage, stageDir } from '@codebuff/release/pipeline';
import { assembleRelease } from '@codebuff/release/release/assemble';
import { DEFAULT_ALLOWED_LICENSES } from '@codebuff/release/sbom/allow-list';
import { binaryClosure } from '@codebuff/nx-release';

const PROJECT = 'apps/codebuff-cli';

/** Runs `jobs` (each after the jobs it names) with at most `limit` at once, like Nx's batches here. */
async function runGraph(jobs: Record<string, { after: string[]; run: () => Promise<unknown> }>, limit: number) {
  const done = new Map<string, Promise<void>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  const start = (id: string): Promise<void> => {
    let job = done.get(id);
    if (!job) {
      job = (async () => {
        await Promise.all(jobs[id].after.map(start));
        await slot();
        try {
          await jobs[id].run();
        } finally {
          release();
        }
      })();
      done.set(id, job);
    }
    return job;
  };
  await Promise.all(Object.keys(jobs).map(start));
}

export interface LibraryRelease {
  /** Which platforms redo which stages; the others' stage outputs come from `root`'s dist. */
  fresh: readonly PlatformSpec[];
  /** Also fetch the fresh platforms' packages and compress their runtimes (a cold build, a changed row). */
  cold: boolean;
  /** Stop after the compiles (the first half of a release after a source change). */
  compileOnly?: boolean;
}

/**
 * The release of workspace `root` through the library, into a scratch folder it returns: the
 * caller removes it outside the timed run (Nx's runs are not timed deleting their outputs either).
 */
export async function libraryRelease(root: string, { fresh, cold, compileOnly = false }: LibraryRelease): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-library-'));
  try {
    const config = loadReleaseConfig(root, PROJECT);
    const lock = readLockfile(root);
    const imported = binaryClosure(root, config).packages;
    const inventory = {
      workspaceRoot: root,
      projectRoot: PROJECT,
      lock,
      imported,
      allowedLicenses: config.allowedLicenses ?? DEFAULT_ALLOWED_LICENSES,
      configFile: join(PROJECT, RELEASE_CONFIG_FILE),
      name: config.name,
    };
    const dirOf = (stage: Stage, key: string, redone: boolean) => join(redone ? scratch : root, stageDir(stage, key));
    const jobs: Record<string, { after: string[]; run: () => Promise<unknown> }> = {};
    for (const platform of fresh) {
      const key = platform.key;
      const set = projectNativeSet(root, config, platform, lock);
      const nativeDir = dirOf(NATIVE, key, cold);
      const chunkDir = dirOf(RUNTIME_CHUNKS, key, cold);
      const binDir = dirOf(COMPILE, key, true);
      const nativeJobs = cold ? [`native ${key}`] : [];
      if (cold) jobs[`native ${key}`] = { after: [], run: () => fetchNativeSet(set, nativeDir) };
      jobs[`compile ${key}`] = {
        after: nativeJobs,
        run: () =>
          compileBinary({
            platform,
            entry: join(root, PROJECT, config.entry),
            outDir: binDir,
            version: '1.0.0',
            cwd: join(root, PROJECT),
            native: { dir: nativeDir, set },
            inventory,
          }),
      };
      if (cold) {
        jobs[`chunks ${key}`] = {
          after: nativeJobs,
          run: async () => buildRuntimeStore({ platform, runtime: await runtimeIn(nativeDir, set), outDir: chunkDir, level: 6 }),
        };
      }
      if (compileOnly) continue;
      jobs[`bundle ${key}`] = {
        after: [`compile ${key}`, ...(cold ? [`chunks ${key}`] : [])],
        run: () =>
          bundlePlatform({
            platform,
            binDir,
            outDir: dirOf(BUNDLE_PLATFORM, key, true),
            sourceDateEpoch: ZIP_EPOCH,
            baseName: config.name,
            chunkStores: [chunkDir],
            files: (config.files ?? []).map((file) => ({ name: basename(file), path: join(root, file) })),
          }),
      };
    }
    await runGraph(jobs, availableParallelism());
    if (compileOnly) return scratch;
    const freshKeys = new Set(fresh.map((p) => p.key));
    const shipped = allPlatforms().map((row) => fresh.find((p) => p.key === row.key) ?? row);
    mkdirSync(join(scratch, 'release'), { recursive: true });
    await assembleRelease({
      name: config.name,
      platforms: shipped,
      bundleDirs: Object.fromEntries(shipped.map((p) => [p.key, dirOf(BUNDLE_PLATFORM, p.key, freshKeys.has(p.key))])),
      releaseRoot: join(scratch, 'release'),
      installers: resolveInstallerSettings(config),
    });
    return scratch;
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}
