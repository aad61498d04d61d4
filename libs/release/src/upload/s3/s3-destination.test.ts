import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFaultyProxy } from '@codebuff/testing/faulty-proxy';
import { startS3rver, type RunningS3 } from '@codebuff/testing/s3rver';
import { isReleaseError } from '../../errors';
import { latestPointerJson } from '../latest';
import { localReleaseFiles, uploadRelease } from '../upload-release';
import { IMMUTABLE_CACHE_CONTROL, POINTER_CACHE_CONTROL, s3Destination, type S3DestinationOptions } from './s3-destination';
import { fetchObject, listKeys, withAwsEnv } from '@codebuff/testing/s3-fixture';
import { stopDigestThreadForTests } from './digest-thread';
import { writeTestRelease } from '../../testing/release-fixture';

const BUCKET = 'releases';
let s3: RunningS3;
let tmp: string;

before(async () => {
  s3 = await startS3rver([BUCKET]);
  tmp = await mkdtemp(join(tmpdir(), 's3-destination-'));
});
after(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

const options = (prefix: string, extra: Partial<S3DestinationOptions> = {}): S3DestinationOptions => ({
  bucket: BUCKET,
  prefix,
  endpoint: s3.endpoint,
  credentials: s3.credentials,
  ...extra,
});

const SMALL = { 'linux-x64': 300_000, 'darwin-arm64': 200_000, 'win32-x64': 100_000 };

async function rejectsOneLine(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  const error = await promise.then(
    () => assert.fail('expected the upload to fail'),
    (e: unknown) => e,
  );
  assert.ok(isReleaseError(error), `expected a ReleaseError, got ${String(error)}`);
  assert.match(error.message, pattern);
  assert.doesNotMatch(error.message, /\n/);
  return error.message;
}

test('uploads every file with its content type, cache control and sha256, then latest.json', async () => {
  const dir = join(tmp, 'basic');
  const manifest = await writeTestRelease(dir, '1.2.3', SMALL);
  const files = await localReleaseFiles(manifest, dir);

  const summary = await uploadRelease(s3Destination(options('basic')), manifest, dir);

  assert.deepEqual([...summary.uploaded].sort(), files.map((f) => f.fileName).sort());
  assert.equal(
    summary.bytesSent,
    files.reduce((sum, f) => sum + f.size, 0),
  );
  assert.equal(summary.published, true);
  assert.equal(summary.destination, `s3://${BUCKET}/basic/1.2.3/ at ${s3.endpoint}`);
  for (const file of files) {
    const object = await fetchObject(s3, BUCKET, `basic/1.2.3/${file.fileName}`);
    assert.equal(object.status, 200, file.fileName);
    assert.equal(object.size, file.size, file.fileName);
    assert.equal(object.sha256, file.sha256, file.fileName);
    assert.equal(object.headers.get('content-type'), file.contentType, file.fileName);
    assert.equal(object.headers.get('cache-control'), IMMUTABLE_CACHE_CONTROL, file.fileName);
    assert.equal(object.headers.get('x-amz-meta-sha256'), file.sha256, file.fileName);
  }
  const latest = await fetchObject(s3, BUCKET, 'basic/latest.json');
  assert.equal(latest.status, 200);
  assert.equal(latest.text, latestPointerJson(manifest));
  assert.equal(latest.headers.get('cache-control'), POINTER_CACHE_CONTROL);
  assert.equal(latest.headers.get('content-type'), 'application/json');
  assert.deepEqual(await listKeys(s3, BUCKET, 'basic/'), ['basic/latest.json', ...files.map((f) => `basic/1.2.3/${f.fileName}`)].sort());
});

test('a second identical run sends no bytes and writes nothing but latest.json', async () => {
  const dir = join(tmp, 'rerun');
  const manifest = await writeTestRelease(dir, '2.0.0', SMALL);
  await uploadRelease(s3Destination(options('rerun')), manifest, dir);
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    const summary = await uploadRelease(s3Destination(options('rerun', { endpoint: proxy.url })), manifest, dir);
    assert.equal(summary.bytesSent, 0);
    assert.deepEqual(summary.uploaded, []);
    assert.equal(summary.skipped.length, manifest.assets.length + 2);
    const writes = proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    assert.deepEqual(
      writes.map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname}`),
      [`PUT /${BUCKET}/rerun/latest.json`],
    );
  } finally {
    await proxy.close();
  }
});

test('an object with different content is refused without replace and replaced with it', async () => {
  const first = join(tmp, 'replace-a');
  const second = join(tmp, 'replace-b');
  const original = await writeTestRelease(first, '3.0.0', SMALL);
  await uploadRelease(s3Destination(options('replace')), original, first);
  const changed = await writeTestRelease(second, '3.0.0', SMALL);
  const key = `replace/3.0.0/${changed.assets[0].fileName}`;

  await rejectsOneLine(
    uploadRelease(s3Destination(options('replace')), changed, second),
    /already exists at .* with different content.*--replace/,
  );
  assert.equal((await fetchObject(s3, BUCKET, key)).sha256, original.assets[0].sha256, 'refused run must leave the old object');

  const summary = await uploadRelease(s3Destination(options('replace')), changed, second, { replace: true });
  assert.ok(summary.uploaded.includes(changed.assets[0].fileName));
  const object = await fetchObject(s3, BUCKET, key);
  assert.equal(object.sha256, changed.assets[0].sha256);
  assert.equal(object.headers.get('x-amz-meta-sha256'), changed.assets[0].sha256);
  assert.equal(JSON.parse((await fetchObject(s3, BUCKET, 'replace/latest.json')).text).manifest.assets[0].sha256, changed.assets[0].sha256);
});

test('a 100 MB file goes up as a multipart upload of 8 MB parts, each with a correct Content-MD5', async () => {
  const dir = join(tmp, 'large');
  const size = 100 * 1024 * 1024;
  const manifest = await writeTestRelease(dir, '4.0.0', { 'linux-x64': size });
  const proxy = await startFaultyProxy(s3.endpoint);
  const progress: number[] = [];
  try {
    await uploadRelease(s3Destination(options('large', { endpoint: proxy.url })), manifest, dir, {
      reporter: {
        start: (file) => (sent) => {
          if (file.fileName === manifest.assets[0].fileName) progress.push(sent);
        },
        done: () => {},
        info: () => {},
      },
    });
  } finally {
    await proxy.close();
  }
  const key = `large/4.0.0/${manifest.assets[0].fileName}`;
  const object = await fetchObject(s3, BUCKET, key);
  assert.equal(object.size, size);
  assert.equal(object.sha256, manifest.assets[0].sha256);
  assert.equal(object.headers.get('x-amz-meta-sha256'), manifest.assets[0].sha256);

  // ceil(100 MiB / 8 MiB) = 13 parts, each sent once (s3rver's ETag is a plain md5, so count on the wire).
  const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
  assert.deepEqual(
    parts.map((r) => Number(new URL(r.url, 'http://x').searchParams.get('partNumber'))).sort((a, b) => a - b),
    Array.from({ length: 13 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    parts.map((r) => r.bodyBytes).sort((a, b) => a - b),
    [size - 12 * 8 * 1024 * 1024, ...Array(12).fill(8 * 1024 * 1024)],
  );
  for (const request of parts)
    assert.equal(request.headers['content-md5'], request.bodyMd5, `${request.url} must carry the md5 of its body`);
  // The small files go up in one PUT each, announcing the manifest's sha256 of their bytes.
  for (const file of (await localReleaseFiles(manifest, dir)).filter((f) => f.size < 1024 * 1024)) {
    const put = proxy.requests.find((r) => r.method === 'PUT' && r.url.includes(`/${file.fileName}?`));
    assert.equal(put?.headers['x-amz-checksum-sha256'], Buffer.from(file.sha256, 'hex').toString('base64'), file.fileName);
  }
  assert.equal(progress.at(-1), size);
  assert.ok(
    progress.every((sent, i) => i === 0 || sent >= progress[i - 1]),
    'progress never goes backwards',
  );
});

test('a file up to the multipart threshold goes up as one PUT streamed from disk, announcing the manifest sha256 of the whole file', async () => {
  const dir = join(tmp, 'whole');
  const size = 20 * 1024 * 1024;
  const manifest = await writeTestRelease(dir, '4.1.0', { 'linux-x64': size });
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    await uploadRelease(s3Destination(options('whole', { endpoint: proxy.url })), manifest, dir);
  } finally {
    await proxy.close();
  }
  const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.includes(manifest.assets[0].fileName));
  assert.deepEqual(
    puts.map((r) => r.bodyBytes),
    [size],
    'one PUT of the whole file',
  );
  // x-amz-checksum-sha256 makes S3 refuse a body that is not the manifest's bytes; it comes from
  // the manifest, not from a read of the file before sending.
  assert.equal(puts[0].headers['x-amz-checksum-sha256'], Buffer.from(manifest.assets[0].sha256, 'hex').toString('base64'));
  assert.equal(
    puts[0].bodyMd5,
    createHash('md5')
      .update(readFileSync(join(dir, manifest.assets[0].fileName)))
      .digest('base64'),
  );
  assert.equal(puts[0].headers['content-encoding'], undefined, 'no aws-chunked encoding');
  assert.ok(
    !Object.keys(puts[0].headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-sha256'),
    'no checksum the SDK computed (CRC32)',
  );
  assert.equal(proxy.requests.filter((r) => r.url.includes('uploadId') || r.url.includes('partNumber=')).length, 0, 'no multipart upload');
  const object = await fetchObject(s3, BUCKET, `whole/4.1.0/${manifest.assets[0].fileName}`);
  assert.equal(object.sha256, manifest.assets[0].sha256);
});

test('bytes damaged on the way to a store that checks nothing are caught by its ETag: refused with one line, nothing left, nothing published', async () => {
  const dir = join(tmp, 'etag');
  const manifest = await writeTestRelease(dir, '10.1.0', { 'linux-x64': 3 * 1024 * 1024, 'darwin-arm64': 100_000 });
  const fileName = manifest.assets[0].fileName;
  // s3rver ignores x-amz-checksum-sha256, stores the damaged bytes and answers with their MD5.
  const proxy = await startFaultyProxy(s3.endpoint, [
    { times: 1, when: (r) => r.method === 'PUT' && r.url.includes(`/${fileName}?`), fault: { kind: 'corrupt-body', atByte: 1_000_000 } },
  ]);
  try {
    await rejectsOneLine(
      uploadRelease(s3Destination(options('etag', { endpoint: proxy.url })), manifest, dir),
      new RegExp(
        `^${fileName.replace(/\./g, '\\.')} arrived at s3://releases/etag/10\\.1\\.0/${fileName.replace(/\./g, '\\.')} at .* different from what was sent \\(the store holds MD5 [0-9a-f]{32}, sent [0-9a-f]{32}\\); run again$`,
      ),
    );
    assert.equal(proxy.requests.filter((r) => r.fault === 'corrupt-body').length, 1);
  } finally {
    await proxy.close();
  }
  assert.equal((await fetchObject(s3, BUCKET, `etag/10.1.0/${fileName}`)).status, 404, 'the damaged object is deleted');
  assert.equal((await fetchObject(s3, BUCKET, 'etag/latest.json')).status, 404, 'nothing published');
});

test('an archive changed on disk after the manifest was written is refused while it is sent: one line, no object at its key, nothing published', async () => {
  const dir = join(tmp, 'tampered');
  const manifest = await writeTestRelease(dir, '10.2.0', { 'linux-x64': 2 * 1024 * 1024, 'darwin-arm64': 100_000 });
  const fileName = manifest.assets[0].fileName;
  const path = join(dir, fileName);
  const bytes = readFileSync(path);
  bytes[12345] ^= 0xff; // same size, so only the sha256 can tell
  writeFileSync(path, bytes);
  const actual = createHash('sha256').update(bytes).digest('hex');
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    await rejectsOneLine(
      uploadRelease(s3Destination(options('tampered', { endpoint: proxy.url })), manifest, dir),
      new RegExp(
        `^${path.replace(/[./]/g, '\\$&')} does not match manifest\\.json \\(sent ${bytes.length} bytes, sha256 ${actual}\\); rebuild with the bundle target$`,
      ),
    );
    // The file was not read before sending: its PUT announced the manifest's sha256, not the file's.
    const put = proxy.requests.find((r) => r.method === 'PUT' && r.url.includes(`/${fileName}?`));
    assert.equal(put?.headers['x-amz-checksum-sha256'], Buffer.from(manifest.assets[0].sha256, 'hex').toString('base64'));
  } finally {
    await proxy.close();
  }
  assert.equal((await fetchObject(s3, BUCKET, `tampered/10.2.0/${fileName}`)).status, 404, 'no object at its key');
  assert.equal((await fetchObject(s3, BUCKET, 'tampered/latest.json')).status, 404, 'latest.json not written');
  assert.equal(
    (await fetchObject(s3, BUCKET, 'tampered/10.2.0/manifest.json')).status,
    404,
    'no manifest names an asset that is not there',
  );
  assert.ok(!(await listKeys(s3, BUCKET, 'tampered/')).some((key) => key.endsWith(`/${fileName}`) || key.endsWith('latest.json')));
});

test('with --replace, a local file that does not match the manifest is refused before the good object is removed', async () => {
  const first = join(tmp, 'replace-bad-a');
  const second = join(tmp, 'replace-bad-b');
  const original = await writeTestRelease(first, '10.3.0', SMALL);
  await uploadRelease(s3Destination(options('replace-bad')), original, first);
  const changed = await writeTestRelease(second, '10.3.0', SMALL);
  const path = join(second, changed.assets[0].fileName);
  const bytes = readFileSync(path);
  bytes[0] ^= 0xff;
  writeFileSync(path, bytes);
  await rejectsOneLine(
    uploadRelease(s3Destination(options('replace-bad')), changed, second, { replace: true }),
    /does not match manifest\.json \(sha256 [0-9a-f]{64}\); rebuild/,
  );
  const object = await fetchObject(s3, BUCKET, `replace-bad/10.3.0/${changed.assets[0].fileName}`);
  assert.equal(object.sha256, original.assets[0].sha256, 'the object that was there is still there');
});

test('the digest thread dying during a PUT the store accepted: refused with one line, the unverified object deleted; the next run sends it', async () => {
  const dir = join(tmp, 'thread');
  const manifest = await writeTestRelease(dir, '10.4.0', { 'linux-x64': 20 * 1024 * 1024 });
  const fileName = manifest.assets[0].fileName;
  let stopped = false;
  const reporter = {
    start: (file: { fileName: string }) => (sent: number) => {
      if (file.fileName === fileName && sent > 4 * 1024 * 1024 && !stopped) {
        stopped = true;
        void stopDigestThreadForTests();
      }
    },
    done: () => {},
    info: () => {},
  };
  await rejectsOneLine(
    uploadRelease(s3Destination(options('thread')), manifest, dir, { reporter, concurrency: 1 }),
    /^upload of codebuff-linux-x64\.tar\.gz to s3:\/\/releases\/thread\/10\.4\.0\/codebuff-linux-x64\.tar\.gz failed: the digest thread exited/,
  );
  assert.equal(
    (await fetchObject(s3, BUCKET, `thread/10.4.0/${fileName}`)).status,
    404,
    'no unverified object left to be skipped by the next run',
  );
  assert.equal((await fetchObject(s3, BUCKET, 'thread/latest.json')).status, 404);
  const summary = await uploadRelease(s3Destination(options('thread')), manifest, dir);
  assert.ok(summary.uploaded.includes(fileName));
  assert.equal((await fetchObject(s3, BUCKET, `thread/10.4.0/${fileName}`)).sha256, manifest.assets[0].sha256);
});

test('a bucket that does not exist fails in preflight with one line, before anything is sent', async () => {
  const dir = join(tmp, 'nobucket');
  const manifest = await writeTestRelease(dir, '5.0.0', { 'linux-x64': 1000 });
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    await rejectsOneLine(
      uploadRelease(s3Destination(options('x', { bucket: 'no-such-bucket', endpoint: proxy.url })), manifest, dir),
      /bucket s3:\/\/no-such-bucket at .* does not exist/,
    );
    assert.deepEqual([...new Set(proxy.requests.map((r) => r.method))], ['HEAD']);
  } finally {
    await proxy.close();
  }
});

test('missing credentials fail in preflight with one line, before any request', async () => {
  const dir = join(tmp, 'nocreds');
  const manifest = await writeTestRelease(dir, '6.0.0', { 'linux-x64': 1000 });
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    await withAwsEnv({}, () =>
      rejectsOneLine(
        uploadRelease(s3Destination({ bucket: BUCKET, endpoint: proxy.url }), manifest, dir),
        /^no AWS credentials for s3:\/\/releases .*AWS_ACCESS_KEY_ID/,
      ),
    );
    assert.equal(proxy.requests.length, 0);
  } finally {
    await proxy.close();
  }
});

test('credentials the server refuses give an access-denied line without the key or secret', async () => {
  const dir = join(tmp, 'badcreds');
  const manifest = await writeTestRelease(dir, '7.0.0', { 'linux-x64': 1000 });
  const credentials = { accessKeyId: 'AKIAUNKNOWNKEY123', secretAccessKey: 'verySecretValue/abc+123' };
  const message = await rejectsOneLine(
    uploadRelease(s3Destination(options('x', { credentials })), manifest, dir),
    /^access denied to bucket s3:\/\/releases .*HTTP 403.*s3:PutObject/,
  );
  assert.ok(!message.includes(credentials.accessKeyId) && !message.includes(credentials.secretAccessKey));
});

test('a server error that echoes the credentials is reported with them removed', async () => {
  const dir = join(tmp, 'echo');
  const manifest = await writeTestRelease(dir, '7.1.0', { 'linux-x64': 1000 });
  const { accessKeyId, secretAccessKey } = s3.credentials;
  const proxy = await startFaultyProxy(s3.endpoint, [
    {
      times: 1,
      when: (r) => r.method === 'GET',
      fault: {
        kind: 'status',
        status: 403,
        body: `<Error><Code>AccessDenied</Code><Message>denied for ${accessKeyId} signed with ${secretAccessKey}</Message></Error>`,
      },
    },
  ]);
  try {
    const message = await rejectsOneLine(
      uploadRelease(s3Destination(options('echo', { endpoint: proxy.url })), manifest, dir),
      /^cannot list .*AccessDenied \(HTTP 403\): denied for \*\*\* signed with \*\*\*/,
    );
    assert.ok(!message.includes(accessKeyId));
  } finally {
    await proxy.close();
  }
});

test('credentials and region come from the standard AWS environment variables', async () => {
  const dir = join(tmp, 'env');
  const manifest = await writeTestRelease(dir, '8.0.0', { 'linux-x64': 1000 });
  const summary = await withAwsEnv(
    { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'eu-west-1' },
    () => uploadRelease(s3Destination({ bucket: BUCKET, prefix: 'env', endpoint: s3.endpoint }), manifest, dir),
  );
  assert.equal(summary.published, true);
  assert.equal((await fetchObject(s3, BUCKET, `env/8.0.0/${manifest.assets[0].fileName}`)).sha256, manifest.assets[0].sha256);
});

test('an endpoint nobody listens on fails in preflight with one line', async () => {
  const dir = join(tmp, 'unreachable');
  const manifest = await writeTestRelease(dir, '9.0.0', { 'linux-x64': 1000 });
  const proxy = await startFaultyProxy(s3.endpoint);
  const closed = proxy.url;
  await proxy.close();
  await rejectsOneLine(
    uploadRelease(s3Destination(options('x', { endpoint: closed, maxAttempts: 2 })), manifest, dir),
    /^cannot reach bucket s3:\/\/releases at .*ECONNREFUSED/,
  );
});

test('a file whose bytes no longer match its sha256 when sent is not left in the bucket', async () => {
  const dir = join(tmp, 'changed');
  const manifest = await writeTestRelease(dir, '10.0.0', { 'linux-x64': 6 * 1024 * 1024 });
  const [file] = await localReleaseFiles(manifest, dir);
  const destination = s3Destination(options('changed'));
  await destination.preflight(manifest);
  // What the driver believes (hashed earlier) differs from what is on disk when put() reads it.
  const stale = { ...file, sha256: 'f'.repeat(64) };
  await rejectsOneLine(
    destination.put(manifest, stale, () => {}),
    /does not match manifest\.json \(sent 6291456 bytes, sha256 [0-9a-f]{64}\)/,
  );
  assert.equal((await fetchObject(s3, BUCKET, `changed/10.0.0/${file.fileName}`)).status, 404);
  assert.equal((await destination.list(manifest)).size, 0);
});
