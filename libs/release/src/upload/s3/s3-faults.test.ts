import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFaultyProxy, type FaultyProxy, type FaultRule } from '@codebuff/testing/faulty-proxy';
import { startS3rver, type RunningS3 } from '@codebuff/testing/s3rver';
import { isReleaseError } from '../../errors';
import type { ReleaseManifest } from '../../manifest';
import { localReleaseFiles, uploadRelease } from '../upload-release';
import { s3Destination } from './s3-destination';
import { fetchObject, listKeys } from '@codebuff/testing/s3-fixture';
import { writeTestRelease } from '../../testing/release-fixture';

const BUCKET = 'releases';
const MIB = 1024 * 1024;
let s3: RunningS3;
let tmp: string;

before(async () => {
  s3 = await startS3rver([BUCKET]);
  tmp = await mkdtemp(join(tmpdir(), 's3-faults-'));
});
after(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

async function withProxy<T>(rules: FaultRule[], work: (proxy: FaultyProxy) => Promise<T>): Promise<T> {
  const proxy = await startFaultyProxy(s3.endpoint, rules);
  try {
    return await work(proxy);
  } finally {
    await proxy.close();
  }
}

const destination = (prefix: string, endpoint: string, options: { multipartThreshold?: number } = {}) =>
  s3Destination({ bucket: BUCKET, prefix, endpoint, credentials: s3.credentials, ...options });
/** Files above 8 MiB go up in parts, so these small test files take the multipart path. */
const MULTIPART = { multipartThreshold: 8 * MIB };

/** Every file is in the bucket exactly once with the right bytes, nothing else is, and no multipart upload is left open. */
async function assertComplete(prefix: string, manifest: ReleaseManifest, dir: string): Promise<void> {
  const files = await localReleaseFiles(manifest, dir);
  for (const file of files) {
    const object = await fetchObject(s3, BUCKET, `${prefix}/${manifest.version}/${file.fileName}`);
    assert.equal(object.sha256, file.sha256, file.fileName);
    assert.equal(object.headers.get('x-amz-meta-sha256'), file.sha256, file.fileName);
  }
  const expected = [`${prefix}/latest.json`, ...files.map((f) => `${prefix}/${manifest.version}/${f.fileName}`)].sort();
  assert.deepEqual(await listKeys(s3, BUCKET, `${prefix}/`), expected);
  const uploads = join(s3.directory, BUCKET, '._S3rver_uploads');
  assert.deepEqual(existsSync(uploads) ? readdirSync(uploads) : [], [], 'no multipart upload left open');
}

const isPut = (r: { method: string }) => r.method === 'PUT';
const bodyLength = (r: { headers: Record<string, unknown> }) => Number(r.headers['content-length'] ?? 0);

test('the first requests answered 500: the SDK retries and the run completes', async () => {
  const dir = join(tmp, 'e500');
  const manifest = await writeTestRelease(dir, '1.0.0', { 'linux-x64': 20 * MIB, 'darwin-arm64': 200_000 });
  await withProxy([{ times: 4, fault: { kind: 'status', status: 500 } }], async (proxy) => {
    const summary = await uploadRelease(destination('e500', proxy.url), manifest, dir);
    assert.equal(summary.published, true);
    assert.equal(proxy.requests.filter((r) => r.status === 500).length, 4);
  });
  await assertComplete('e500', manifest, dir);
});

test('503 SlowDown on part uploads is retried like throttling', async () => {
  const dir = join(tmp, 'slowdown');
  const manifest = await writeTestRelease(dir, '1.1.0', { 'linux-x64': 20 * MIB });
  await withProxy([{ times: 3, when: (r) => r.url.includes('partNumber='), fault: { kind: 'status', status: 503 } }], async (proxy) => {
    await uploadRelease(destination('slowdown', proxy.url, MULTIPART), manifest, dir);
    assert.equal(proxy.requests.filter((r) => r.status === 503).length, 3);
  });
  await assertComplete('slowdown', manifest, dir);
});

test('connections cut mid-body and responses lost after success: retried, nothing duplicated', async () => {
  const dir = join(tmp, 'drop');
  const manifest = await writeTestRelease(dir, '2.0.0', { 'linux-x64': 20 * MIB, 'win32-x64': 300_000 });
  const smallKey = `/drop/2.0.0/${manifest.assets[1].fileName}`;
  await withProxy(
    [
      // The first part of the large file: half of it reaches the server, then the connection dies.
      { times: 1, when: (r) => isPut(r) && bodyLength(r) > MIB, fault: { kind: 'drop-mid-body', afterBytes: 4 * MIB } },
      // The small file is stored, but the client never hears so and sends it again.
      { times: 1, when: (r) => isPut(r) && r.url.startsWith(`/${BUCKET}${smallKey}`), fault: { kind: 'drop-response' } },
    ],
    async (proxy) => {
      await uploadRelease(destination('drop', proxy.url, MULTIPART), manifest, dir);
      assert.deepEqual(
        proxy.requests
          .filter((r) => r.fault)
          .map((r) => r.fault)
          .sort(),
        ['drop-mid-body', 'drop-response'],
      );
      const cut = proxy.requests.find((r) => r.fault === 'drop-mid-body');
      assert.equal(cut?.bodyBytes, 4 * MIB);
      // Only the part that was cut is sent again (20 MiB = 3 parts), and the small file twice.
      const partPuts = proxy.requests.filter((r) => isPut(r) && r.url.includes('partNumber='));
      assert.equal(partPuts.length, 4);
      assert.equal(partPuts.filter((r) => r.url === cut?.url).length, 2);
      assert.equal(proxy.requests.filter((r) => isPut(r) && r.url.startsWith(`/${BUCKET}${smallKey}`)).length, 2);
    },
  );
  await assertComplete('drop', manifest, dir);
});

test('a file sent in one PUT whose connection is cut mid-body: the SDK retries with the file read again, whole, checksum intact', async () => {
  const dir = join(tmp, 'drop-whole');
  const manifest = await writeTestRelease(dir, '2.1.0', { 'linux-x64': 20 * MIB });
  const key = `/${BUCKET}/drop-whole/2.1.0/${manifest.assets[0].fileName}`;
  const summary = await withProxy(
    [{ times: 1, when: (r) => isPut(r) && r.url.startsWith(key), fault: { kind: 'drop-mid-body', afterBytes: 4 * MIB } }],
    async (proxy) => {
      const result = await uploadRelease(destination('drop-whole', proxy.url), manifest, dir);
      const puts = proxy.requests.filter((r) => isPut(r) && r.url.startsWith(key));
      assert.deepEqual(
        puts.map((r) => [r.fault, r.bodyBytes]),
        [
          ['drop-mid-body', 4 * MIB],
          [undefined, 20 * MIB],
        ],
        'one PUT cut, then the whole file again',
      );
      assert.equal(
        proxy.requests.filter((r) => r.url.includes('uploadId') || r.url.includes('partNumber=')).length,
        0,
        'no multipart upload',
      );
      const sha256 = Buffer.from(manifest.assets[0].sha256, 'hex').toString('base64');
      assert.deepEqual(
        puts.map((r) => r.headers['x-amz-checksum-sha256']),
        [sha256, sha256],
        'both attempts announce the sha256 of the whole file',
      );
      assert.equal(
        puts[1].bodyMd5,
        createHash('md5')
          .update(readFileSync(join(dir, manifest.assets[0].fileName)))
          .digest('base64'),
        'the retry sent the whole file',
      );
      return result;
    },
  );
  assert.equal(
    summary.bytesSent,
    (await localReleaseFiles(manifest, dir)).reduce((sum, f) => sum + f.size, 0),
    'progress counts the retried file once',
  );
  await assertComplete('drop-whole', manifest, dir);
});

test('a failed run leaves no latest.json; the next run sends only what is missing and publishes', async () => {
  const dir = join(tmp, 'resume');
  const manifest = await writeTestRelease(dir, '3.0.0', { 'linux-x64': 300_000, 'darwin-arm64': 200_000, 'win32-x64': 100_000 });
  const broken = manifest.assets[2].fileName;
  const failed = await withProxy(
    [{ times: 1000, when: (r) => isPut(r) && r.url.includes(broken), fault: { kind: 'status', status: 500 } }],
    (proxy) =>
      uploadRelease(destination('resume', proxy.url), manifest, dir, { concurrency: 1 }).then(
        () => assert.fail('the run should fail'),
        (error: unknown) => error,
      ),
  );
  assert.ok(isReleaseError(failed));
  assert.match(failed.message, new RegExp(`^upload of ${broken.replace(/\./g, '\\.')} .* failed: InternalError \\(HTTP 500\\)`));
  assert.equal((await fetchObject(s3, BUCKET, 'resume/latest.json')).status, 404);
  const leftBehind = (await listKeys(s3, BUCKET, 'resume/')).map((k) => k.split('/').pop());
  assert.ok(!leftBehind.includes(broken) && !leftBehind.includes('latest.json'));
  assert.ok(leftBehind.length > 0, 'the files before the broken one went up');

  const summary = await uploadRelease(destination('resume', s3.endpoint), manifest, dir);
  assert.deepEqual([...summary.skipped].sort(), [...leftBehind].sort());
  assert.ok(summary.uploaded.includes(broken));
  assert.equal(summary.uploaded.length + summary.skipped.length, manifest.assets.length + 2);
  await assertComplete('resume', manifest, dir);
});

test('the answer to CompleteMultipartUpload is lost: the run fails unpublished, the re-run finds the object and sends only manifest.json', async () => {
  const dir = join(tmp, 'complete');
  const manifest = await writeTestRelease(dir, '4.0.0', { 'linux-x64': 12 * MIB });
  const first = await withProxy(
    [{ times: 1, when: (r) => r.method === 'POST' && r.url.includes('uploadId='), fault: { kind: 'drop-response' } }],
    (proxy) =>
      uploadRelease(destination('complete', proxy.url, MULTIPART), manifest, dir).then(
        (summary) => summary,
        (error: unknown) => error,
      ),
  );
  // s3rver, unlike S3, answers a repeated CompleteMultipartUpload with 500, so this run fails.
  assert.ok(isReleaseError(first), String(first));
  assert.match(first.message, /^upload of codebuff-linux-x64\.tar\.gz .* failed/);
  assert.equal((await fetchObject(s3, BUCKET, 'complete/latest.json')).status, 404);
  assert.equal(
    (await fetchObject(s3, BUCKET, 'complete/4.0.0/manifest.json')).status,
    404,
    'manifest.json goes up only after every other file',
  );
  const second = await uploadRelease(destination('complete', s3.endpoint, MULTIPART), manifest, dir);
  assert.deepEqual(second.uploaded, ['manifest.json']);
  assert.deepEqual(second.skipped, [manifest.assets[0].fileName, 'SHA256SUMS']);
  assert.equal(second.bytesSent, statSync(join(dir, 'manifest.json')).size);
  assert.equal(second.published, true);
  await assertComplete('complete', manifest, dir);
});
