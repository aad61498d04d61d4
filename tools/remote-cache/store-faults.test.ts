import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { after, before, describe, test } from 'node:test';
import { type RunningS3, startS3rver } from '@codebuff/testing/s3rver';
import type { ServerLimits } from './limits';
import { type S3Process, startS3rverProcess } from './s3rver-process';
import { type StoreProxy, startStoreProxy } from './store-proxy';
import { BUCKET, type CacheFixture, PREFIX, startCacheFixture } from './test-support';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');
/** The cache server in front of s3rver through a store proxy that can cut or slow it; closing the cache closes all three. */
async function startProxiedCache(limits?: Partial<ServerLimits>): Promise<{ cache: CacheFixture; proxy: StoreProxy; s3: RunningS3 }> {
  const s3 = await startS3rver([BUCKET]);
  const proxy = await startStoreProxy(s3.endpoint);
  const cache = await startCacheFixture({ s3, storeEndpoint: proxy.endpoint, limits });
  const close = cache.close;
  cache.close = async () => {
    await close();
    await proxy.close();
    await s3.close();
  };
  return { cache, proxy, s3 };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('a store that stops answering: every request ends, with 504, within the deadline', () => {
  let s3: S3Process;
  let cache: CacheFixture;
  const entry = randomBytes(32 * 1024 * 1024);
  const call = (method: string, hash: string, body?: Buffer) =>
    fetch(`${cache.server.url}/v1/cache/${hash}`, { method, headers: { authorization: `Bearer ${cache.tokens.readWrite}` }, body });

  before(async () => {
    s3 = await startS3rverProcess([BUCKET]);
    cache = await startCacheFixture({ s3, limits: { storeTimeoutMs: 1000 } });
    assert.equal((await call('PUT', '100', entry)).status, 200);
  });
  after(async () => {
    await cache.close();
    await s3.close();
  });

  test('GET, PUT (its existence check) and a GET cut mid-body end while the store is paused; the server serves again after', {
    timeout: 60_000,
  }, async () => {
    const streaming = await call('GET', '100');
    assert.equal(streaming.status, 200);
    const reader = streaming.body!.getReader();
    await reader.read();
    s3.pause();
    try {
      assert.equal((await call('GET', '100')).status, 504);
      assert.equal((await call('PUT', '101', Buffer.from('new entry'))).status, 504);
      // The body stops with the store: it fails rather than hangs or ends short as if complete.
      let received = 0;
      await assert.rejects(async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received += value.length;
        }
      });
      assert.ok(received < entry.length, `${received} bytes`);
      assert.equal((await fetch(`${cache.server.url}/health`)).status, 200);
    } finally {
      s3.resume();
    }
    const again = await call('GET', '100');
    assert.equal(again.status, 200);
    assert.equal(sha256(Buffer.from(await again.arrayBuffer())), sha256(entry));
    assert.ok(
      cache.logs.some((l) => /^error GET 100: StoreTimeoutError/.test(l)),
      cache.logs.join('\n'),
    );
  });
});

describe('a write to the store cut short is never served', () => {
  let cache: CacheFixture;
  let proxy: StoreProxy;
  let direct: S3Client;
  const call = (method: string, hash: string, body?: Buffer) =>
    fetch(`${cache.server.url}/v1/cache/${hash}`, { method, headers: { authorization: `Bearer ${cache.tokens.readWrite}` }, body });

  before(async () => {
    let s3: RunningS3;
    ({ cache, proxy, s3 } = await startProxiedCache());
    direct = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  });
  after(async () => {
    direct.destroy();
    await cache.close();
  });

  test('one cut: the upload is sent again, with its Content-MD5, and GET serves exactly what was PUT', async () => {
    const entry = randomBytes(4 * 1024 * 1024);
    proxy.cutUploads(1, 1024 * 1024);
    assert.equal((await call('PUT', '200', entry)).status, 200);
    assert.equal(proxy.cut, 1);
    const got = await call('GET', '200');
    assert.equal(got.status, 200);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(entry));
    assert.ok(proxy.puts.length >= 2, `${proxy.puts.length} PUTs`);
    for (const put of proxy.puts) {
      assert.equal(put['content-md5'], md5(entry));
      assert.equal(put['x-amz-meta-entry-size'], String(entry.length));
    }
  });

  test('every attempt cut: the PUT fails (502), and the partial object the store kept is a miss, never a 200', async () => {
    const entry = randomBytes(4 * 1024 * 1024);
    proxy.cutUploads(10, 1024 * 1024);
    assert.equal((await call('PUT', '300', entry)).status, 502);
    proxy.cutUploads(0, Infinity);
    // s3rver keeps what arrived of a cut upload (a store that honours Content-MD5 would not):
    // the server must not serve it.
    const kept = (await cache.stored()).get('300');
    assert.ok(kept && kept.length < entry.length, `the store kept ${kept?.length} of ${entry.length} bytes`);
    assert.equal((await call('GET', '300')).status, 404);
    assert.ok(
      cache.logs.some((l) =>
        /^GET 300: stored object team\/nx\/300 is not a whole entry \(no recorded size\): a write still under way, or one cut short; not served, and the next PUT of this hash replaces it/.test(
          l,
        ),
      ),
      cache.logs.join('\n'),
    );
    // The damaged object does not block its hash: the next PUT replaces it, and GET serves that.
    assert.equal((await call('PUT', '300', entry)).status, 200);
    const served = await call('GET', '300');
    assert.equal(served.status, 200);
    assert.equal(sha256(Buffer.from(await served.arrayBuffer())), sha256(entry));
    assert.equal((await call('PUT', '300', entry)).status, 409, 'a whole entry is never replaced');
  });

  test('an object whose size differs from the size recorded when it was written is a miss', async () => {
    await direct.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/400`, Body: Buffer.from('short'), Metadata: { 'entry-size': '1000' } }),
    );
    assert.equal((await call('GET', '400')).status, 404);
    await direct.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/401`, Body: Buffer.from('right'), Metadata: { 'entry-size': '5' } }),
    );
    const right = await call('GET', '401');
    assert.equal(right.status, 200);
    assert.equal(await right.text(), 'right');
  });
});

describe('a store that sends a GET body slowly is cut off at the minimum rate', () => {
  let cache: CacheFixture;
  let proxy: StoreProxy;
  const call = (method: string, hash: string, body?: Buffer) =>
    fetch(`${cache.server.url}/v1/cache/${hash}`, { method, headers: { authorization: `Bearer ${cache.tokens.readWrite}` }, body });

  before(async () => {
    // An entry of N bytes may take storeTimeout + N / 1 MiB/s: 1 s + 2 s for 2 MiB.
    ({ cache, proxy } = await startProxiedCache({ storeTimeoutMs: 1000 }));
  });
  after(async () => {
    await cache.close();
  });

  test('16 KiB/s from the store: the transfer fails after about 3 s instead of taking two minutes, and is logged as failed', async () => {
    const entry = randomBytes(2 * 1024 * 1024);
    assert.equal((await call('PUT', '500', entry)).status, 200);
    proxy.slowDownloads(16 * 1024);
    const started = Date.now();
    const res = await call('GET', '500');
    assert.equal(res.status, 200, 'the headers went out before the body stalled');
    await assert.rejects(res.arrayBuffer());
    const took = Date.now() - started;
    assert.ok(took >= 2_500 && took < 10_000, `cut after ${took} ms`);
    assert.ok(
      cache.logs.some((l) => /^error GET 500: StoreTimeoutError: the store did not finish sending entry 500 within 3000 ms/.test(l)),
      cache.logs.join('\n'),
    );
    assert.ok(
      cache.logs.some((l) => /^GET 500 200 transfer failed 0B /.test(l)),
      cache.logs.join('\n'),
    );
    proxy.slowDownloads(0);
    const again = await call('GET', '500');
    assert.equal(sha256(Buffer.from(await again.arrayBuffer())), sha256(entry), 'at full speed the entry comes whole');
  });
});
