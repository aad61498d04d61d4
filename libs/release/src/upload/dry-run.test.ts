/**
 * --dry-run: preflight and the comparison with the destination run for real, against s3rver,
 * the GitHub stand-in and a directory; the answer says what would be uploaded, skipped, replaced
 * and published; and the servers show that nothing was written (only reads arrived).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFaultyProxy, type FaultyProxy } from '@codebuff/testing/faulty-proxy';
import { startS3rver, type RunningS3 } from '@codebuff/testing/s3rver';
import { releaseFiles } from '../manifest';
import { rejectsOneLine, startFixture, writes, type GitHubFixture } from '@codebuff/testing/github-fixture';
import { localDestination } from './local';
import { s3Destination } from './s3/s3-destination';
import { fetchObject, listKeys } from '@codebuff/testing/s3-fixture';
import { makeTestRelease } from '../testing/release-fixture';
import { uploadRelease } from './upload-release';

describe('dry run against the GitHub stand-in', () => {
  let gh: GitHubFixture;
  before(async () => {
    gh = await startFixture();
  });
  after(() => gh.close());

  test('an empty repository: everything would be uploaded and the release created; nothing is written', async () => {
    const { dir, manifest } = await gh.release('1.0.0', { 'linux-x64': 70_000, 'win32-x64': 50_000 });
    const summary = await uploadRelease(gh.destination(), manifest, dir, { dryRun: true });
    assert.deepEqual(summary.uploaded.sort(), [...releaseFiles(manifest)].sort());
    assert.deepEqual([summary.replaced, summary.skipped, summary.published, summary.bytesSent], [[], [], false, 0]);
    assert.equal(
      summary.publishPlan,
      `create and publish GitHub release v1.0.0 of acme/codebuff at ${gh.api.apiUrl} with GitHub's generated notes: Latest`,
    );
    assert.deepEqual(writes(gh.api), [], 'only GET requests');
    assert.deepEqual(gh.api.releases(), []);
    assert.equal(gh.api.uploadedBytes(), 0);
    assert.deepEqual(gh.api.validationErrors, []);
  });

  test('against a draft and a newer release: skip, replace, publish without Latest; still nothing written', async () => {
    const newer = await gh.release('3.0.0');
    await uploadRelease(gh.destination(), newer.manifest, newer.dir);
    const first = await gh.release('2.0.0');
    await uploadRelease(gh.destination(), first.manifest, first.dir, { draft: true });
    const requestsBefore = gh.api.requests.length;
    const heldBefore = JSON.stringify(gh.api.releases());

    const same = await uploadRelease(gh.destination(), first.manifest, first.dir, { dryRun: true });
    assert.deepEqual([same.uploaded, same.skipped.length], [[], 3]);
    assert.equal(
      same.publishPlan,
      `publish the draft GitHub release v2.0.0 of acme/codebuff at ${gh.api.apiUrl} with its notes as they are: not Latest (v3.0.0 is higher)`,
    );

    // The same version built again with other bytes: every file differs.
    const rebuilt = await gh.release('2.0.0');
    await rejectsOneLine(
      uploadRelease(gh.destination(), rebuilt.manifest, rebuilt.dir, { dryRun: true }),
      /already exists .* with different content .*pass --replace/,
    );
    const replace = await uploadRelease(gh.destination(), rebuilt.manifest, rebuilt.dir, { dryRun: true, replace: true });
    assert.deepEqual(replace.replaced.sort(), [...releaseFiles(rebuilt.manifest)].sort());

    const beta = await gh.release('3.1.0-beta.1');
    const prerelease = await uploadRelease(gh.destination(), beta.manifest, beta.dir, { dryRun: true });
    assert.match(prerelease.publishPlan ?? '', /: a prerelease, not Latest$/);
    assert.equal(
      (await uploadRelease(gh.destination(), beta.manifest, beta.dir, { dryRun: true, draft: true })).publishPlan,
      'leave it unpublished (--draft)',
    );

    const during = gh.api.requests.slice(requestsBefore);
    assert.ok(during.length > 0);
    assert.deepEqual(
      during.filter((r) => r.method !== 'GET' || r.origin === 'uploads'),
      [],
      'only GET requests on the API origin',
    );
    assert.equal(JSON.stringify(gh.api.releases()), heldBefore, 'the server holds exactly what it held');
    assert.deepEqual(gh.api.validationErrors, []);
  });
});

describe('dry run against s3rver', () => {
  const BUCKET = 'dry';
  let s3: RunningS3;
  let proxy: FaultyProxy;
  before(async () => {
    s3 = await startS3rver([BUCKET]);
    proxy = await startFaultyProxy(s3.endpoint);
  });
  after(async () => {
    await proxy.close();
    await s3.close();
  });
  const destination = () => s3Destination({ bucket: BUCKET, prefix: 'cb', endpoint: proxy.url, credentials: s3.credentials });

  test('says what it would do, and the bucket receives reads only', async () => {
    const newer = await makeTestRelease('2.0.0');
    await uploadRelease(destination(), newer.manifest, newer.releaseDir);
    const keysBefore = await listKeys(s3, BUCKET, '');
    const pointerBefore = (await fetchObject(s3, BUCKET, 'cb/latest.json')).sha256;
    const from = proxy.requests.length;

    const { releaseDir, manifest } = await makeTestRelease('1.9.0');
    const fresh = await uploadRelease(destination(), manifest, releaseDir, { dryRun: true });
    assert.equal(fresh.uploaded.length, releaseFiles(manifest).length);
    assert.equal(fresh.publishPlan, `leave s3://${BUCKET}/cb/latest.json at 2.0.0 (a higher version)`);
    const again = await uploadRelease(destination(), newer.manifest, newer.releaseDir, { dryRun: true });
    assert.deepEqual([again.uploaded, again.skipped.length], [[], releaseFiles(newer.manifest).length]);
    assert.equal(again.publishPlan, `write s3://${BUCKET}/cb/latest.json → 2.0.0`);

    const methods = new Set(proxy.requests.slice(from).map((r) => r.method));
    assert.deepEqual(
      [...methods].filter((m) => m !== 'GET' && m !== 'HEAD'),
      [],
      `methods seen: ${[...methods].join(', ')}`,
    );
    assert.deepEqual(await listKeys(s3, BUCKET, ''), keysBefore);
    assert.equal((await fetchObject(s3, BUCKET, 'cb/latest.json')).sha256, pointerBefore);
  });
});

describe('dry run into a local directory', () => {
  test('creates nothing, not even the directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dry-local-'));
    try {
      const { releaseDir, manifest } = await makeTestRelease('1.0.0');
      const target = join(root, 'not', 'yet');
      const summary = await uploadRelease(localDestination(target), manifest, releaseDir, { dryRun: true });
      assert.equal(summary.uploaded.length, releaseFiles(manifest).length);
      assert.equal(summary.publishPlan, `write ${join(target, 'latest.json')} → 1.0.0`);
      assert.equal(existsSync(join(root, 'not')), false);
      assert.deepEqual(readdirSync(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
