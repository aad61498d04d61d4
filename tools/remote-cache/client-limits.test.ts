import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dripBody, openRaw, statusOf } from './raw-http';
import { type CacheFixture, startCacheFixture } from './test-support';

// A body dripped at one byte per 50 ms: the 1 MB announced would take 14 hours.
const ANNOUNCED = 1_000_000;

describe('clients cannot hold the server: early answers close the connection, slow uploads are cut', () => {
  let cache: CacheFixture;
  const head = (hash: string, token: string | undefined, headers: string) =>
    `PUT /v1/cache/${hash} HTTP/1.1\r\nHost: cache\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}${headers}\r\n`;

  before(async () => {
    cache = await startCacheFixture({ limits: { clientTimeoutMs: 1000, minUploadBytesPerSecond: 10_000 } });
    const put = await fetch(`${cache.server.url}/v1/cache/900`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${cache.tokens.readWrite}` },
      body: 'entry',
    });
    assert.equal(put.status, 200);
  });
  after(async () => {
    await cache.close();
  });

  test('after a 401, 403, 409, 411 or 413 the server closes the connection while the client is still dripping its body', {
    timeout: 60_000,
  }, async () => {
    const length = `Content-Length: ${ANNOUNCED}\r\n`;
    const cases: Array<[number, string, string?]> = [
      [401, head('901', undefined, length)],
      [403, head('901', cache.tokens.read, length)],
      [409, head('900', cache.tokens.readWrite, length)],
      [411, head('901', cache.tokens.readWrite, 'Transfer-Encoding: chunked\r\n'), '1\r\nx\r\n'],
      [413, head('901', cache.tokens.readWrite, `Content-Length: ${6 * 1024 ** 3}\r\n`)],
    ];
    const answers = await Promise.all(cases.map(([, request, byte]) => dripBody(cache.server.url, request, byte)));
    cases.forEach(([status], i) => {
      assert.equal(statusOf(answers[i]), status, answers[i]);
      assert.match(answers[i], /\r\nconnection: close\r\n/i, answers[i]);
    });
    assert.equal((await cache.stored()).has('901'), false);
  });

  test('an upload that stops sending is refused with 408 and its connection closed; nothing is stored', { timeout: 60_000 }, async () => {
    const conn = await openRaw(cache.server.url);
    conn.socket.write(`${head('902', cache.tokens.readWrite, 'Content-Length: 1000\r\n')}first bytes`);
    const answer = await conn.closed;
    assert.equal(statusOf(answer), 408, answer);
    assert.match(answer, /upload too slow \(nothing for 1000 ms\) after 11 of 1000 bytes/);
    assert.equal((await cache.stored()).has('902'), false);
  });

  test('an upload too slow to arrive by its deadline (1 s + size / minimum rate) is refused with 408', { timeout: 60_000 }, async () => {
    // 20 kB at 10 kB/s minimum: due within 3 s; sent at 20 bytes a second, never idle for 1 s.
    const answer = await dripBody(cache.server.url, head('903', cache.tokens.readWrite, 'Content-Length: 20000\r\n'));
    assert.equal(statusOf(answer), 408, answer);
    assert.match(answer, /not complete within 3000 ms/);
    assert.equal((await cache.stored()).has('903'), false);
  });

  test('a connection that sends nothing, or only part of its headers, is closed', { timeout: 60_000 }, async () => {
    const silent = await openRaw(cache.server.url);
    const partial = await openRaw(cache.server.url);
    partial.socket.write('GET /v1/cache/900 HTTP/1.1\r\nHost: cache\r\n');
    await Promise.all([silent.closed, partial.closed]);
    assert.equal((await fetch(`${cache.server.url}/health`)).status, 200);
  });
});

describe('the number of open connections is bounded, and idle ones never lock clients out', () => {
  let cache: CacheFixture;

  before(async () => {
    cache = await startCacheFixture({
      limits: { maxConnections: 10, maxConnectionsPerAddress: 10, headerTimeoutMs: 1000, clientTimeoutMs: 10_000 },
    });
  });
  after(async () => {
    await cache.close();
  });

  test('silent connections at the cap: every request of a real client is still answered, the oldest silent ones are closed', {
    timeout: 60_000,
  }, async () => {
    const silent = await Promise.all(Array.from({ length: 10 }, () => openRaw(cache.server.url)));
    for (let i = 0; i < 10; i++) {
      const conn = await openRaw(cache.server.url);
      conn.socket.write('GET /health HTTP/1.1\r\nHost: cache\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(await conn.closed), 200, `request ${i}`);
    }
    const closed = await Promise.all(
      silent.map((c) => Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))])),
    );
    assert.ok(closed.filter(Boolean).length >= 1, 'silent connections were shed to make room');
    for (const conn of silent) conn.socket.destroy();
  });

  test('a connection that sends no headers is closed after the header deadline (1 s), long before the client timeout (10 s)', {
    timeout: 60_000,
  }, async () => {
    const started = Date.now();
    const silent = await openRaw(cache.server.url);
    await silent.closed;
    const took = Date.now() - started;
    assert.ok(took < 4_000, `closed after ${took} ms`);
  });

  test('when every connection is busy, a new one is closed unanswered', { timeout: 60_000 }, async () => {
    // Ten uploads under way (headers sent, body pending): none of them may be shed.
    const busy = await Promise.all(Array.from({ length: 10 }, () => openRaw(cache.server.url)));
    for (const [i, conn] of busy.entries())
      conn.socket.write(
        `PUT /v1/cache/95${i} HTTP/1.1\r\nHost: cache\r\nAuthorization: Bearer ${cache.tokens.readWrite}\r\nContent-Length: 100\r\n\r\nx`,
      );
    await new Promise((r) => setTimeout(r, 200));
    const extra = await openRaw(cache.server.url);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: cache\r\n\r\n');
    assert.equal(await extra.closed, '');
    const cut = await Promise.all(
      busy.map((c) => Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))])),
    );
    assert.deepEqual(
      cut,
      busy.map(() => false),
      'no upload under way was cut for it',
    );
    for (const conn of busy) conn.socket.destroy();
  });
});
