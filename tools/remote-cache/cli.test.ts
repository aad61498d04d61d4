import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver } from '@codebuff/testing/s3rver';
import { openRaw, statusOf } from './raw-http';
import { runCommand, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

const SERVER = join(WORKSPACE_ROOT, 'tools/remote-cache/server.ts');
const RW = 'cli-test-read-write-token-0123456789';
const RO = 'cli-test-read-only-token-0123456789';
// Only what the server needs: no AWS settings leak in from the machine running the tests.
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  CACHE_READ_WRITE_TOKEN: undefined,
  CACHE_READ_TOKEN: undefined,
  AWS_PROFILE: undefined,
};

const cli = (args: string[], env: NodeJS.ProcessEnv) =>
  runCommand(process.execPath, ['--import', 'tsx', SERVER, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { ...baseEnv, ...env },
    timeoutMs: 30_000,
  });

test('bad input: one line on stderr, exit 1, no token in it', async () => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--bucket', 'cache'], {}, /^cache-server: CACHE_READ_WRITE_TOKEN is not set/],
    [['--bucket', 'cache'], { CACHE_READ_WRITE_TOKEN: 'short' }, /16 or more visible ASCII/],
    [['--bucket', 'cache'], { CACHE_READ_WRITE_TOKEN: RW, CACHE_READ_TOKEN: RW }, /must differ/],
    [[], { CACHE_READ_WRITE_TOKEN: RW }, /no bucket/],
    [['--bucket', 'cache', '--port', 'http'], { CACHE_READ_WRITE_TOKEN: RW }, /invalid --port/],
    [['--bucket', 'cache', '--endpoint', 'ftp://x'], { CACHE_READ_WRITE_TOKEN: RW }, /invalid --endpoint/],
    [['--bucket', 'cache', '--prefix', '../up'], { CACHE_READ_WRITE_TOKEN: RW }, /invalid prefix/],
    [
      ['--bucket', 'cache', '--store-timeout', '0'],
      { CACHE_READ_WRITE_TOKEN: RW },
      /invalid --store-timeout "0": expected a positive number/,
    ],
    [['--bucket', 'cache', '--max-connections', 'many'], { CACHE_READ_WRITE_TOKEN: RW }, /invalid --max-connections/],
    [['--bucket', 'cache', '--frobnicate'], { CACHE_READ_WRITE_TOKEN: RW }, /Unknown option '--frobnicate'/],
  ];
  for (const [args, env, expected] of cases) {
    const result = await cli(args, env);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.output}`);
    assert.match(result.stderr, expected);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.output.includes(RW), false);
  }
});

/** The server as its README starts it, on a fresh s3rver bucket; resolves once it says where it listens. */
async function startServerProcess(args: string[], env: NodeJS.ProcessEnv) {
  const s3 = await startS3rver(['team-cache']);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER, '--port', '0', '--bucket', 'team-cache', '--endpoint', s3.endpoint, ...args],
    {
      cwd: WORKSPACE_ROOT,
      env: { ...baseEnv, ...env, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = { s3, child, output: '', url: undefined as string | undefined };
  child.stdout.on('data', (c: Buffer) => (server.output += c));
  child.stderr.on('data', (c: Buffer) => (server.output += c));
  for (let i = 0; i < 100 && !/listening on (http:\S+)/.test(server.output); i++) await new Promise((r) => setTimeout(r, 100));
  server.url = /listening on (http:\S+)/.exec(server.output)?.[1];
  return server;
}

test('the command line serves the cache from a bucket, logs without tokens, and stops on SIGTERM', async () => {
  const server = await startServerProcess(
    ['--store-timeout', '10', '--client-timeout', '10', '--min-upload-rate', '50', '--max-connections', '20'],
    {
      CACHE_READ_WRITE_TOKEN: RW,
      CACHE_READ_TOKEN: RO,
    },
  );
  const { s3, child, url } = server;
  try {
    assert.ok(url, server.output);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const put = await fetch(`${url}/v1/cache/42`, { method: 'PUT', headers: { authorization: `Bearer ${RW}` }, body: 'entry' });
    assert.equal(put.status, 200);
    const got = await fetch(`${url}/v1/cache/42`, { headers: { authorization: `Bearer ${RO}` } });
    assert.equal(await got.text(), 'entry');
    // A request target Node's URL parser rejects is a 400, not the end of the process.
    const odd = await openRaw(url);
    odd.socket.end('GET //x:99999/ HTTP/1.1\r\nHost: cache\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(await odd.closed), 400);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    assert.equal(child.exitCode, null, server.output);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, server.output);
    assert.match(server.output, /PUT 42 200 5B \d+ms read-write/);
    assert.equal(server.output.includes(RW) || server.output.includes(RO), false, server.output);
  } finally {
    child.kill('SIGKILL');
    await s3.close();
  }
});

test('SIGTERM during an upload: no new connections, the upload finishes and is stored, then the server exits 0', async () => {
  const server = await startServerProcess(['--client-timeout', '20'], { CACHE_READ_WRITE_TOKEN: RW });
  const { s3, child } = server;
  const url = server.url as string;
  try {
    assert.ok(url, server.output);
    const body = Buffer.alloc(2000, 7);
    const upload = await openRaw(url);
    upload.socket.write(
      `PUT /v1/cache/77 HTTP/1.1\r\nHost: cache\r\nAuthorization: Bearer ${RW}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    upload.socket.write(body.subarray(0, 1000));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    for (let i = 0; i < 50 && !/SIGTERM: no new connections/.test(server.output); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(server.output, /SIGTERM: no new connections; finishing the requests under way/);
    await assert.rejects(fetch(`${url}/health`), 'a new connection is refused');
    // write, not end: a client that half-closes its side has its request aborted by Node's server.
    upload.socket.write(body.subarray(1000));
    const answer = await upload.closed;
    assert.equal(statusOf(answer), 200, `the upload under way was stored: ${answer}\n${server.output}`);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, server.output);
    assert.match(server.output, /PUT 77 200 2000B/);
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    const stored = await client.send(new HeadObjectCommand({ Bucket: 'team-cache', Key: 'nx-cache/77' }));
    assert.equal(stored.ContentLength, body.length, 'the entry is in the bucket, whole');
    client.destroy();
  } finally {
    child.kill('SIGKILL');
    await s3.close();
  }
});
