import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFaultyProxy } from '../../../../../tools/testing/faulty-proxy';
import { startS3rver, type RunningS3 } from '../../../../../tools/testing/s3rver';
import { isReleaseError } from '../../errors';
import { latestPointerJson } from '../latest';
import { localReleaseFiles, uploadRelease } from '../upload-release';
import { IMMUTABLE_CACHE_CONTROL, POINTER_CACHE_CONTROL, s3Destination, type S3DestinationOptions } from './s3-destination';
import { fetchObject, listKeys, withAwsEnv } from './s3-test-helpers';
import { writeTestRelease } from '../test-release';

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
  assert.equal(summary.bytesSent, files.reduce((sum, f) => sum + f.size, 0));
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

  await rejectsOneLine(uploadRelease(s3Destination(options('replace')), changed, second), /already exists at .* with different content.*--replace/);
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
  assert.deepEqual(parts.map((r) => Number(new URL(r.url, 'http://x').searchParams.get('partNumber'))).sort((a, b) => a - b), Array.from({ length: 13 }, (_, i) => i + 1));
  assert.deepEqual(parts.map((r) => r.bodyBytes).sort((a, b) => a - b), [size - 12 * 8 * 1024 * 1024, ...Array(12).fill(8 * 1024 * 1024)]);
  for (const request of proxy.requests.filter((r) => r.method === 'PUT')) {
    assert.equal(request.headers['content-md5'], request.bodyMd5, `${request.url} must carry the md5 of its body`);
  }
  assert.equal(progress.at(-1), size);
  assert.ok(progress.every((sent, i) => i === 0 || sent >= progress[i - 1]), 'progress never goes backwards');
});

test('a file up to the multipart threshold goes up as one PUT streamed from disk, with the Content-MD5 of the whole file', async () => {
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
  assert.deepEqual(puts.map((r) => r.bodyBytes), [size], 'one PUT of the whole file');
  assert.equal(puts[0].headers['content-md5'], createHash('md5').update(readFileSync(join(dir, manifest.assets[0].fileName))).digest('base64'));
  assert.equal(proxy.requests.filter((r) => r.url.includes('uploadId') || r.url.includes('partNumber=')).length, 0, 'no multipart upload');
  const object = await fetchObject(s3, BUCKET, `whole/4.1.0/${manifest.assets[0].fileName}`);
  assert.equal(object.sha256, manifest.assets[0].sha256);
});

test('a file that changed between its check and its PUT is caught by the ETag the store computed, and not left in the bucket', async () => {
  const dir = join(tmp, 'etag');
  const manifest = await writeTestRelease(dir, '10.1.0', { 'linux-x64': 3 * 1024 * 1024 });
  const [file] = await localReleaseFiles(manifest, dir);
  const destination = s3Destination(options('etag'));
  await destination.preflight(manifest);
  // The driver's check read other bytes than put() sends; s3rver does not check Content-MD5 itself.
  const checkedEarlier = { ...file, md5: createHash('md5').update('other bytes').digest('base64') };
  await rejectsOneLine(destination.put(manifest, checkedEarlier, () => {}), /changed while it was being uploaded \(the store holds MD5 [0-9a-f]{32}/);
  assert.equal((await fetchObject(s3, BUCKET, `etag/10.1.0/${file.fileName}`)).status, 404);
});

test('a bucket that does not exist fails in preflight with one line, before anything is sent', async () => {
  const dir = join(tmp, 'nobucket');
  const manifest = await writeTestRelease(dir, '5.0.0', { 'linux-x64': 1000 });
  const proxy = await startFaultyProxy(s3.endpoint);
  try {
    await rejectsOneLine(uploadRelease(s3Destination(options('x', { bucket: 'no-such-bucket', endpoint: proxy.url })), manifest, dir), /bucket s3:\/\/no-such-bucket at .* does not exist/);
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
      rejectsOneLine(uploadRelease(s3Destination({ bucket: BUCKET, endpoint: proxy.url }), manifest, dir), /^no AWS credentials for s3:\/\/releases .*AWS_ACCESS_KEY_ID/),
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
    const message = await rejectsOneLine(uploadRelease(s3Destination(options('echo', { endpoint: proxy.url })), manifest, dir), /^cannot list .*AccessDenied \(HTTP 403\): denied for \*\*\* signed with \*\*\*/);
    assert.ok(!message.includes(accessKeyId));
  } finally {
    await proxy.close();
  }
});

test('credentials and region come from the standard AWS environment variables', async () => {
  const dir = join(tmp, 'env');
  const manifest = await writeTestRelease(dir, '8.0.0', { 'linux-x64': 1000 });
  const summary = await withAwsEnv({ AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'eu-west-1' }, () =>
    uploadRelease(s3Destination({ bucket: BUCKET, prefix: 'env', endpoint: s3.endpoint }), manifest, dir),
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
  await rejectsOneLine(uploadRelease(s3Destination(options('x', { endpoint: closed, maxAttempts: 2 })), manifest, dir), /^cannot reach bucket s3:\/\/releases at .*ECONNREFUSED/);
});

test('a file whose bytes no longer match its sha256 when sent is not left in the bucket', async () => {
  const dir = join(tmp, 'changed');
  const manifest = await writeTestRelease(dir, '10.0.0', { 'linux-x64': 6 * 1024 * 1024 });
  const [file] = await localReleaseFiles(manifest, dir);
  const destination = s3Destination(options('changed'));
  await destination.preflight(manifest);
  // What the driver believes (hashed earlier) differs from what is on disk when put() reads it.
  const stale = { ...file, sha256: 'f'.repeat(64) };
  await rejectsOneLine(destination.put(manifest, stale, () => {}), /changed while it was being uploaded/);
  assert.equal((await fetchObject(s3, BUCKET, `changed/10.0.0/${file.fileName}`)).status, 404);
  assert.equal((await destination.list(manifest)).size, 0);
});
