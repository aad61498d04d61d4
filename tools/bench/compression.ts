/**
 * (f) Compression alone, per platform, on the binaries a build just made: the old way (Node's
 * zlib at level 6, one stream over the binary) against the new (libdeflate through Bun in 1 MiB
 * chunks), with an empty chunk store and with the runtime's chunks stored, and every archive's
 * size against `gzip -6` of the same binary.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buildRuntimeStore } from '@codebuff/release/bundle/runtime-store';
import { readNativeRecord } from '@codebuff/release/native/fetch';
import { runtimeIn } from '@codebuff/release/native/project-native';
import { createArchive, getPlatform, platforms } from '@codebuff/release';
import { fmt, ratio, timeRuns } from './measure';

async function nodeGzipSize(path: string): Promise<number> {
  let size = 0;
  await pipeline(
    createReadStream(path),
    createGzip({ level: 6 }),
    new Writable({
      write: (c: Buffer, _e, done) => {
        size += c.length;
        done();
      },
    }),
  );
  return size;
}

export async function benchCompression(binRoot: string, nativeRoot: string, runs: number): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-compress-'));
  const rows: string[] = [];
  let worst = 0;
  try {
    for (const { key } of platforms()) {
      const platform = getPlatform(key);
      const binary = join(binRoot, key, platform.binaryName);
      const mb = statSync(binary).size / 1e6;
      const gzip6 = Number(execFileSync('sh', ['-c', 'gzip -6 -c "$1" | wc -c', 'sh', binary], { encoding: 'utf8' }).trim());
      let oldSize = 0;
      const old = await timeRuns(runs, async () => {
        oldSize = await nodeGzipSize(binary);
      });
      const store = join(scratch, 'store', key);
      const native = await readNativeRecord(join(nativeRoot, key), key);
      const runtime = await runtimeIn(join(nativeRoot, key), native);
      await buildRuntimeStore({ platform, runtime, outDir: store, level: 6 });
      const pack = (stores: string[]) =>
        createArchive(platform.archive, {
          binaryPath: binary,
          entryName: platform.binaryName,
          outPath: join(scratch, `${key}.${platform.archive}`),
          mtime: 0,
          stores,
        });
      let size = 0;
      let compressedWarm = '';
      const cold = await timeRuns(runs, async () => {
        size = (await pack([])).size;
      });
      const warm = await timeRuns(runs, async () => {
        const { chunks } = await pack([store]);
        compressedWarm = `${chunks.distinct - chunks.reused} of ${chunks.distinct}`;
      });
      worst = Math.max(worst, size / gzip6);
      rows.push(
        `| ${key} (${mb.toFixed(1)} MB) | ${fmt(old.median)} (${(oldSize / 1e6).toFixed(2)} MB) | ${fmt(cold.median)} (${ratio(cold.median, old.median)}) | ${fmt(warm.median)} (${ratio(warm.median, old.median)}; ${compressedWarm} chunks compressed) | ${(size / 1e6).toFixed(2)} MB / ${(gzip6 / 1e6).toFixed(2)} MB = ${ratio(size, gzip6)} |`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return [
    '## Compression alone, per platform (f)',
    '',
    `Medians of ${runs} runs on the binaries of the cold build. Old: Node's zlib, level 6, one stream over the binary (what bundle did before). New: the archive as bundle writes it (one read of the binary, libdeflate level 6 in the pinned Bun, 1 MiB chunks, archive hashed while written), with an empty chunk store and with the store of Bun's runtime for that platform (what \`runtime-chunks-<platform>\` caches).`,
    '',
    '| platform | old: Node zlib -6 (size) | new, empty store | new, runtime chunks stored | archive / `gzip -6` (aim ≤ 1.0x) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Largest archive against \`gzip -6\` of its binary: ${worst.toFixed(3)}x.`,
    '',
  ];
}

if (require.main === module) {
  benchCompression(process.argv[2], process.argv[3], Number(process.env.BENCH_RUNS ?? 1)).then((lines) => console.log(lines.join('\n')));
}
