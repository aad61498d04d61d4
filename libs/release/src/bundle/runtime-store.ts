import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceDirectory, sweepDeadTemps, tempPathFor } from '../fs-atomic';
import type { PlatformSpec } from '../platforms';
import { scanBinary } from './binary-scan';
import { type StoreIndex, writeStore } from './chunk-store';

export interface RuntimeStoreOptions {
  platform: PlatformSpec;
  /** Bun's runtime executable for the platform: the pinned `@oven/bun-*` package's (native task). */
  runtime: string;
  /** Receives chunks.pack and chunks.json (built aside and swapped in whole). */
  outDir: string;
  level: number;
}

/**
 * The compressed chunks of Bun's runtime for one platform: a store every bundle of that platform
 * reuses, so after a source change only the 1–4 chunks that differ are compressed. It depends on
 * Bun's version, the runtime's pin and the platform row only, so Nx caches it across releases (and
 * shares it through a remote cache). The runtime is the very file the compile appends the program
 * to, so its chunks match ~99% of every binary built for that target.
 */
export async function buildRuntimeStore(options: RuntimeStoreOptions): Promise<StoreIndex & { source: string }> {
  const { runtime, outDir, level } = options;
  await mkdir(dirname(outDir), { recursive: true });
  await sweepDeadTemps(dirname(outDir));
  const staging = tempPathFor(outDir);
  await mkdir(staging);
  try {
    const index = await writeStore(staging, runtime, await scanBinary(runtime), level);
    await replaceDirectory(staging, outDir);
    return { ...index, source: runtime };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
