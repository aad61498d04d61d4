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

test('the digest thread hashes chunks in shared memory and ordinary chunks alike, each run on its own', async () => {
  const shared = Buffer.from(new SharedArrayBuffer(3 << 20));
  randomBytes(shared.length).copy(shared);
  const plain = randomBytes(100_000);
  const a = offThreadHash();
  const b = offThreadHash();
  // More chunks than may wait on the thread, interleaved between two runs.
  for (let i = 0; i < 40; i++) {
    await a.update(shared.subarray(i * 1000, (i + 1) * 1000));
    await b.update(plain.subarray(i * 2500, (i + 1) * 2500));
  }
  await a.update(shared.subarray(40_000));
  assert.deepEqual(await a.digest(), expected(shared));
  assert.deepEqual(await b.digest(), expected(plain));
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
