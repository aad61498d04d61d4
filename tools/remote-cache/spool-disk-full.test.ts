import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CacheFixture, startCacheFixture } from './test-support';

/** A real full disk: a 1 MiB tmpfs as the spool directory. Mounting needs root. */
function mountTinyDisk(): { dir: string; unmount(): void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-cache-tiny-spool-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a 1 MiB tmpfs to fill (needs root): ${(mounted.stderr || String(mounted.error)).trim().split('\n')[0]}`;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const disk = mountTinyDisk();

describe('the spool disk fills up during an upload', { skip: typeof disk === 'string' ? disk : false }, () => {
  let cache: CacheFixture;
  const { dir, unmount } = disk as Exclude<typeof disk, string>;

  before(async () => {
    cache = await startCacheFixture({ spoolDir: dir });
  });
  after(async () => {
    await cache.close();
    unmount();
  });

  test('the PUT is answered 507 "no space left", not "upload ended early"; nothing is stored or left behind', async () => {
    const res = await fetch(`${cache.server.url}/v1/cache/700`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${cache.tokens.readWrite}` },
      body: randomBytes(2 * 1024 * 1024),
    });
    assert.equal(res.status, 507);
    assert.match(await res.text(), /no space left on the server/);
    assert.ok(
      cache.logs.some((l) => /^error PUT 700: SpoolWriteError: no space left/.test(l)),
      cache.logs.join('\n'),
    );
    assert.equal((await cache.stored()).has('700'), false);
    assert.deepEqual(readdirSync(dir), []);
    // The disk has room again once the spool file is gone: a small entry goes through.
    const small = await fetch(`${cache.server.url}/v1/cache/701`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${cache.tokens.readWrite}` },
      body: 'small',
    });
    assert.equal(small.status, 200);
  });
});
