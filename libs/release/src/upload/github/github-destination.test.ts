import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { localReleaseFiles, uploadRelease } from '../upload-release';
import type { UploadReporter } from '../types';
import {
  assertServerHolds,
  rejectsOneLine,
  startFixture,
  TOKEN,
  uploads,
  writes,
  type GitHubFixture,
} from '@codebuff/testing/github-fixture';

let gh: GitHubFixture;
before(async () => {
  gh = await startFixture();
});
after(() => gh.close());

test('uploads a release to a new draft, verifies it by digest, then publishes it', async () => {
  const { dir, manifest } = await gh.release('1.0.0', { 'linux-x64': 150_000, 'darwin-arm64': 90_000 });
  const files = await localReleaseFiles(manifest, dir);

  const summary = await uploadRelease(gh.destination(), manifest, dir);

  assert.deepEqual([...summary.uploaded].sort(), files.map((f) => f.fileName).sort());
  assert.equal(
    summary.bytesSent,
    files.reduce((sum, f) => sum + f.size, 0),
  );
  assert.equal(summary.published, true);
  assert.equal(summary.destination, `GitHub release v1.0.0 of acme/codebuff at ${gh.api.apiUrl}`);
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
  // Created as a draft, published last: one create, one publish, one upload per file.
  const changes = writes(gh.api).map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')} ${r.status}`);
  assert.deepEqual(changes, [
    'POST /repos/acme/codebuff/releases 201',
    ...files.map(() => 'POST /repos/acme/codebuff/releases/N/assets 201'),
    'PATCH /repos/acme/codebuff/releases/N 200',
  ]);
});

test('a re-run sends nothing and creates no second release or asset', async () => {
  const { dir, manifest } = await gh.release('1.1.0');
  await uploadRelease(gh.destination(), manifest, dir);
  const before = { requests: gh.api.requests.length, bytes: gh.api.uploadedBytes() };

  const summary = await uploadRelease(gh.destination(), manifest, dir);

  assert.deepEqual(summary.uploaded, []);
  assert.equal(summary.skipped.length, 3);
  assert.equal(summary.bytesSent, 0);
  assert.equal(gh.api.uploadedBytes(), before.bytes);
  assert.equal(
    gh.api.requests.slice(before.requests).filter((r) => r.method !== 'GET').length,
    0,
    'a re-run of a published release changes nothing',
  );
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('--draft uploads and verifies but leaves the release a draft; the next run reuses and publishes it', async () => {
  const { dir, manifest } = await gh.release('1.2.0');

  const summary = await uploadRelease(gh.destination(), manifest, dir, { draft: true });
  assert.equal(summary.published, false);
  await assertServerHolds(gh.api, manifest, dir, { draft: true });

  const bytes = gh.api.uploadedBytes();
  const again = await uploadRelease(gh.destination({ prerelease: true }), manifest, dir);
  assert.equal(again.published, true);
  assert.equal(gh.api.uploadedBytes(), bytes, 'publishing the draft sent no asset again');
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
  assert.equal(gh.api.releases().find((r) => r.tag === 'v1.2.0')!.prerelease, true);
});

test('an asset that differs is refused without replace (nothing sent) and replaced with it', async () => {
  const { dir, manifest } = await gh.release('1.3.0');
  await uploadRelease(gh.destination(), manifest, dir, { draft: true });
  // Same manifest, different SHA256SUMS bytes: what a non-reproducible rebuild would produce.
  await writeFile(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  other\n`);
  const requestsBefore = gh.api.requests.length;

  await rejectsOneLine(
    uploadRelease(gh.destination(), manifest, dir),
    /SHA256SUMS already exists at GitHub release v1\.3\.0 .* different content .*--replace/,
  );
  assert.deepEqual(
    gh.api.requests.slice(requestsBefore).filter((r) => r.method !== 'GET'),
    [],
    'refusal sends and deletes nothing',
  );

  const summary = await uploadRelease(gh.destination(), manifest, dir, { replace: true });
  assert.deepEqual(summary.uploaded, ['SHA256SUMS']);
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('streams a few-MB asset from disk with progress, and the server holds the same bytes', async () => {
  const size = 6 * 1024 * 1024 + 123;
  const { dir, manifest } = await gh.release('1.4.0', { 'linux-x64': size });
  const progress: number[] = [];
  const uploadsBefore = uploads(gh.api).length;
  const reporter: UploadReporter = {
    start: (file) => (sent) => {
      if (file.fileName === 'codebuff-linux-x64.tar.gz') progress.push(sent);
    },
    done: () => {},
    info: () => {},
  };

  await uploadRelease(gh.destination(), manifest, dir, { reporter });

  await assertServerHolds(gh.api, manifest, dir, { draft: false });
  assert.ok(progress.length >= 4, `progress reported in chunks (${progress.length} calls)`);
  assert.equal(progress.at(-1), size);
  assert.ok(
    progress.every((v, i) => i === 0 || v >= progress[i - 1]),
    'progress only grows',
  );
  assert.equal(uploads(gh.api).length - uploadsBefore, 3, 'one upload request per file');
});

test('reads the token and the API URL from the environment', async () => {
  const { dir, manifest } = await gh.release('1.5.0');
  const destination = gh.destination({ token: undefined, apiUrl: undefined, env: { GH_TOKEN: TOKEN, GITHUB_API_URL: gh.api.apiUrl } });

  await uploadRelease(destination, manifest, dir, { draft: true });

  await assertServerHolds(gh.api, manifest, dir, { draft: true });
});
