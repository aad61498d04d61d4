import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { openRaw, statusOf } from './raw-http';
import { type CacheFixture, startCacheFixture } from './test-support';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('remote cache server: Nx HTTP protocol on a real S3 (s3rver)', () => {
  let cache: CacheFixture;
  const call = (method: string, hash: string, token: string | undefined, body?: Buffer) =>
    fetch(`${cache.server.url}/v1/cache/${hash}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      body,
    });

  before(async () => {
    cache = await startCacheFixture();
  });
  after(async () => {
    await cache.close();
  });

  test('GET of an absent entry is 404 for both tokens', async () => {
    assert.equal((await call('GET', '111', cache.tokens.readWrite)).status, 404);
    assert.equal((await call('GET', '111', cache.tokens.read)).status, 404);
  });

  test('a 24 MB entry is stored at <prefix>/<hash> and streamed back byte for byte', async () => {
    const entry = randomBytes(24 * 1024 * 1024);
    const put = await call('PUT', '222', cache.tokens.readWrite, entry);
    assert.equal(put.status, 200);
    assert.equal(sha256((await cache.stored()).get('222')!), sha256(entry));
    const got = await call('GET', '222', cache.tokens.read);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-length'), String(entry.length));
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(entry));
  });

  test('a PUT of an existing hash is 409 and the stored entry stays as it was', async () => {
    const original = Buffer.from('original entry');
    assert.equal((await call('PUT', '333', cache.tokens.readWrite, original)).status, 200);
    const poisoned = await call('PUT', '333', cache.tokens.readWrite, Buffer.from('poisoned entry'));
    assert.equal(poisoned.status, 409);
    assert.deepEqual((await cache.stored()).get('333'), original);
    assert.deepEqual(Buffer.from(await (await call('GET', '333', cache.tokens.read)).arrayBuffer()), original);
  });

  test('two simultaneous PUTs of one hash: one is stored, the other is 409', async () => {
    const [a, b] = [randomBytes(4 * 1024 * 1024), randomBytes(4 * 1024 * 1024)];
    const statuses = (
      await Promise.all([call('PUT', '444', cache.tokens.readWrite, a), call('PUT', '444', cache.tokens.readWrite, b)])
    ).map((r) => r.status);
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const winner = statuses[0] === 200 ? a : b;
    assert.equal(sha256((await cache.stored()).get('444')!), sha256(winner));
  });

  test('the read-only token cannot write (403) and nothing is stored', async () => {
    const res = await call('PUT', '555', cache.tokens.read, Buffer.from('from a pull request'));
    assert.equal(res.status, 403);
    assert.equal((await cache.stored()).has('555'), false);
  });

  test('a wrong, missing or malformed token is 401 for reads and writes', async () => {
    for (const token of [undefined, 'wrong-token-0123456789', `${cache.tokens.readWrite}x`, cache.tokens.readWrite.slice(0, -1)]) {
      assert.equal((await call('GET', '222', token)).status, 401, `GET with ${token === undefined ? 'no token' : 'a wrong token'}`);
      assert.equal((await call('PUT', '666', token, Buffer.from('x'))).status, 401);
    }
    const basic = await fetch(`${cache.server.url}/v1/cache/222`, { headers: { authorization: `Basic ${cache.tokens.readWrite}` } });
    assert.equal(basic.status, 401);
    assert.equal((await cache.stored()).has('666'), false);
  });

  test('hashes that could escape the prefix are refused; other paths are 404', async () => {
    assert.equal((await call('GET', '..%2F..%2Fsecret', cache.tokens.read)).status, 400);
    assert.equal((await call('PUT', 'a.b', cache.tokens.readWrite, Buffer.from('x'))).status, 400);
    assert.equal((await fetch(`${cache.server.url}/v1/other`)).status, 404);
    assert.equal((await call('DELETE', '222', cache.tokens.readWrite)).status, 405);
    assert.equal((await cache.stored()).has('222'), true);
  });

  test('a PUT without Content-Length (chunked) is 411', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${cache.server.url}/v1/cache/777`,
        { method: 'PUT', headers: { authorization: `Bearer ${cache.tokens.readWrite}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write('chunk one');
      req.end('chunk two');
    });
    assert.equal(status, 411);
  });

  test('an upload cut short of its Content-Length leaves no entry behind', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${cache.server.url}/v1/cache/888`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${cache.tokens.readWrite}`, 'content-length': String(1024 * 1024) },
      });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
      req.write(Buffer.alloc(64 * 1024, 1), () => setTimeout(() => req.destroy(), 200));
    });
    // The server has seen the abort once it logged the request.
    for (let i = 0; i < 50 && !cache.logs.some((l) => l.startsWith('PUT 888 ')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      cache.logs.some((l) => l.startsWith('PUT 888 ')),
      cache.logs.join('\n'),
    );
    assert.equal((await cache.stored()).has('888'), false);
    assert.equal((await call('GET', '888', cache.tokens.read)).status, 404);
  });

  test('request targets the URL parser rejects are answered 400, and the server goes on serving', async () => {
    for (const target of ['//x:99999/', '//[zz]/', '//%zz/v1/cache/1', '//a@:1/']) {
      const conn = await openRaw(cache.server.url);
      conn.socket.end(`GET ${target} HTTP/1.1\r\nHost: cache\r\nConnection: close\r\n\r\n`);
      const answer = await conn.closed;
      assert.equal(statusOf(answer), 400, `${target}: ${answer}`);
      assert.match(answer, /invalid request target/);
    }
    assert.equal((await fetch(`${cache.server.url}/health`)).status, 200);
    assert.equal((await call('GET', '222', cache.tokens.read)).status, 200);
  });

  test('GET and HEAD /health answer 200 without a token; HEAD has no body', async () => {
    assert.equal((await fetch(`${cache.server.url}/health`)).status, 200);
    const head = await fetch(`${cache.server.url}/health`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('an empty PUT is refused (400) and stores nothing', async () => {
    const res = await call('PUT', '999', cache.tokens.readWrite, Buffer.alloc(0));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /empty entry refused/);
    assert.equal((await cache.stored()).has('999'), false);
    assert.equal((await call('GET', '999', cache.tokens.read)).status, 404);
  });

  test('the log has one line per request and never a token', () => {
    assert.ok(
      cache.logs.some((l) => /^PUT 333 409 /.test(l)),
      cache.logs.join('\n'),
    );
    assert.ok(cache.logs.some((l) => /^PUT 555 403 .* read$/.test(l)));
    const all = cache.logs.join('\n');
    assert.equal(all.includes(cache.tokens.readWrite), false);
    assert.equal(all.includes(cache.tokens.read), false);
    assert.equal(all.includes('wrong-token'), false);
  });
});
