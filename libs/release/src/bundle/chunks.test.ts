import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { createZip } from './archive';
import { CHUNK_SIZE, scanBinary } from './binary-scan';
import { STORE_INDEX, STORE_PACK, writeStore } from './chunk-store';
import { compressChunks } from './compress-chunks';
import { FINAL_EMPTY_BLOCK, locateFinalBlock, toNonFinal } from './deflate-blocks';

const text = Buffer.from('function codebuff(x) { return x * 2; } // a line of program text\n'.repeat(20_000));
/** Parts whose deflate streams use every block type: stored (random), fixed (tiny), dynamic (text). */
const PARTS = [randomBytes(300_000), Buffer.from('hi'), text, Buffer.alloc(CHUNK_SIZE, 0), randomBytes(10), text.subarray(0, 70_000)];

test('libdeflate chunks made non-final join into one deflate stream that inflates to all of them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chunks-'));
  const file = join(dir, 'parts');
  writeFileSync(file, Buffer.concat(PARTS));
  let offset = 0;
  const chunks = PARTS.map((p) => ({
    offset: (offset += p.length) - p.length,
    size: p.length,
    sha256: createHash('sha256').update(p).digest('hex'),
  }));
  const compressed = await compressChunks({ binaryPath: file, packPath: join(dir, 'pack'), level: 6, chunks });
  const pack = readFileSync(join(dir, 'pack'));
  const streams = compressed.map((c) => pack.subarray(c.packOffset, c.packOffset + c.packLength));
  streams.forEach((s, i) => {
    assert.deepEqual(
      locateFinalBlock(s),
      { finalBlockBit: compressed[i].finalBlockBit, endBit: compressed[i].endBit },
      'Bun and Node walk alike',
    );
    assert.ok(inflateRawSync(s).equals(PARTS[i]));
  });
  assert.throws(() => locateFinalBlock(streams[2].subarray(0, streams[2].length >> 1)), /not a valid deflate stream: truncated/);
  const joined = Buffer.concat([...streams.map((s) => toNonFinal(s)), FINAL_EMPTY_BLOCK]);
  assert.ok(inflateRawSync(joined).equals(Buffer.concat(PARTS)));
  // Without clearing BFINAL a reader stops after the first chunk: the walk is what makes the join work.
  assert.equal(inflateRawSync(Buffer.concat([streams[0], streams[1]])).length, PARTS[0].length);
});

test('a damaged or foreign store is not used; the archive is the same bytes either way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  const binary = join(dir, 'codebuff.exe');
  writeFileSync(binary, Buffer.concat([text, randomBytes(CHUNK_SIZE), text, Buffer.alloc(CHUNK_SIZE + 123, 9)]));
  const scan = await scanBinary(binary);
  const store = join(dir, 'store');
  mkdirSync(store);
  await writeStore(store, binary, scan, 6);
  const zip = (name: string, stores: string[]) =>
    createZip({ binaryPath: binary, entryName: 'codebuff.exe', outPath: join(dir, name), mtime: 0, stores });

  const none = await zip('none.zip', []);
  const warm = await zip('warm.zip', [store]);
  assert.deepEqual(warm.chunks, { distinct: scan.chunks.length, reused: scan.chunks.length });
  assert.equal(warm.sha256, none.sha256);

  const index = JSON.parse(readFileSync(join(store, STORE_INDEX), 'utf8'));
  const pack = readFileSync(join(store, STORE_PACK));
  writeFileSync(join(dir, 'pack-intact'), pack);
  pack[index.chunks[1].packOffset + 100] ^= 0x55; // one flipped byte in the second chunk
  writeFileSync(join(store, STORE_PACK), pack);
  const damaged = await zip('damaged.zip', [store]); // noticed while writing: made again without the store
  assert.deepEqual(damaged.chunks, { distinct: scan.chunks.length, reused: 0 });
  assert.equal(damaged.sha256, none.sha256);

  writeFileSync(join(store, STORE_INDEX), JSON.stringify({ ...index, compressor: index.compressor.replace('level 6', 'level 5') }));
  const foreign = await zip('foreign.zip', [store]);
  assert.equal(foreign.chunks.reused, 0);
  assert.equal(foreign.sha256, none.sha256);

  // Positions that moved, still in range: the chunk's digest covers them, so the store is not used.
  writeFileSync(join(store, STORE_PACK), readFileSync(join(dir, 'pack-intact')));
  const moved = index.chunks.map((c: { finalBlockBit: number }, i: number) => (i === 1 ? { ...c, finalBlockBit: c.finalBlockBit - 1 } : c));
  writeFileSync(join(store, STORE_INDEX), JSON.stringify({ ...index, chunks: moved }));
  const shifted = await zip('shifted.zip', [store]);
  assert.deepEqual(shifted.chunks, { distinct: scan.chunks.length, reused: 0 });
  assert.equal(shifted.sha256, none.sha256);

  // A store written before every archive needed final-block positions: its chunks are compressed again.
  const chunksWithoutPositions = index.chunks.map(({ finalBlockBit: _, endBit: __, ...rest }: Record<string, unknown>) => rest);
  writeFileSync(join(store, STORE_INDEX), JSON.stringify({ ...index, chunks: chunksWithoutPositions }));
  writeFileSync(join(store, STORE_PACK), readFileSync(join(dir, 'pack-intact')));
  const old = await zip('old.zip', [store]);
  assert.equal(old.chunks.reused, 0);
  assert.equal(old.sha256, none.sha256);
});
