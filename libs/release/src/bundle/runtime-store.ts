import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bunExecutable, bunVersion, runCommand } from '../compile/bun';
import { ReleaseError } from '../errors';
import { replaceDirectory, sweepDeadTemps, tempPathFor } from '../fs-atomic';
import type { PlatformSpec } from '../platforms';
import { scanBinary } from './binary-scan';
import { type StoreIndex, writeStore } from './chunk-store';

/**
 * Where Bun keeps the runtime it appends a program to when it cross-compiles
 * (`~/.bun/install/cache/bun-linux-aarch64-v1.4.4`, …). Only an optimization: any bytes give a
 * correct store, these just match ~99% of every binary built for that target.
 */
export function cachedRuntimePath(bunTarget: string, env: NodeJS.ProcessEnv = process.env): string {
  const cacheDir = env.BUN_INSTALL_CACHE_DIR ?? join(env.BUN_INSTALL ?? join(homedir(), '.bun'), 'install', 'cache');
  return join(cacheDir, `${bunTarget.replace('-arm64', '-aarch64')}-v${bunVersion()}`);
}

export interface RuntimeStoreOptions {
  platform: PlatformSpec;
  /** Receives chunks.pack and chunks.json (built aside and swapped in whole). */
  outDir: string;
  level: number;
}

/**
 * The compressed chunks of Bun's runtime for one platform: a store every bundle of that platform
 * reuses, so after a source change only the 1–4 chunks that differ are compressed. It depends on
 * Bun's version and the platform row only, so Nx caches it across releases (and shares it
 * through a remote cache). The runtime comes from Bun's own cache; when it is not there yet, a
 * one-line program is compiled for the target (which also fetches it) and that binary is used.
 */
export async function buildRuntimeStore(options: RuntimeStoreOptions): Promise<StoreIndex & { source: string }> {
  const { platform, outDir, level } = options;
  await mkdir(dirname(outDir), { recursive: true });
  await sweepDeadTemps(dirname(outDir));
  const scratch = await mkdtemp(join(tmpdir(), 'codebuff-runtime-'));
  const staging = tempPathFor(outDir);
  await mkdir(staging);
  try {
    let runtime = cachedRuntimePath(platform.bunTarget);
    if (!existsSync(runtime)) {
      const stub = join(scratch, 'stub.ts');
      await writeFile(stub, 'console.log(0);\n');
      const binary = join(scratch, platform.binaryName);
      const result = await runCommand(bunExecutable(), ['build', stub, '--compile', `--target=${platform.bunTarget}`, `--outfile=${binary}`], scratch);
      if (result.code !== 0) throw new ReleaseError(`cannot get Bun's runtime for ${platform.key} (${platform.bunTarget}):\n${result.output.trim()}`);
      if (!existsSync(runtime)) runtime = binary;
    }
    const index = await writeStore(staging, runtime, await scanBinary(runtime), level);
    await replaceDirectory(staging, outDir);
    return { ...index, source: runtime };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
