import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { offThreadHash } from './digest-thread';

const expected = (...chunks: Buffer[]) => ({
  sha256: createHash('sha256').update(Buffer.concat(chunks)).digest('hex'),
  md5: createHash('md5').update(Buffer.concat(chunks)).digest('hex'),
  bytes: Buffer.concat(chunks).length,
});

test('the digest thread hashes what it is given, in order, each run on its own, whatever the chunk sizes', async () => {
  const large = randomBytes(3 * 1024 * 1024 + 5); // more than one slot of shared memory
  const small = randomBytes(100_000);
  const a = offThreadHash();
  const b = offThreadHash();
  await a.update(large);
  // More chunks than may wait on the thread, interleaved between two runs; a chunk handed over
  // may be reused by the caller at once (the file streams do not, but nothing relies on it).
  const reused = Buffer.alloc(2500);
  for (let i = 0; i < 40; i++) {
    small.copy(reused, 0, i * 2500, (i + 1) * 2500);
    await b.update(reused);
    await a.update(small.subarray(i * 2500, (i + 1) * 2500));
  }
  assert.deepEqual(await a.digest(), expected(large, small));
  assert.deepEqual(await b.digest(), expected(small));
  const empty = offThreadHash();
  assert.deepEqual(await empty.digest(), expected(Buffer.alloc(0)));
});

test('a process whose runs are finished or dropped exits: the idle thread does not keep it alive', () => {
  const script = `
    const { offThreadHash } = require('./digest-thread');
    const dropped = offThreadHash();
    dropped.update(Buffer.from('cut off'));
    dropped.drop();
    const run = offThreadHash();
    run.update(Buffer.from('abc')).then(() => run.digest()).then((d) => console.log(d.md5));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: __dirname, encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.trim(), createHash('md5').update('abc').digest('hex'));
});
