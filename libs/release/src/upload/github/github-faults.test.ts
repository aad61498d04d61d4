import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadRelease } from '../upload-release';
import { assertServerHolds, rejectsOneLine, startFixture, uploads, type GitHubFixture } from '@codebuff/testing/github-fixture';

// Each fault is armed on the stand-in, then one run must end with every asset uploaded,
// verified by digest and published, with no duplicate asset or release.

let gh: GitHubFixture;
before(async () => {
  gh = await startFixture();
});
after(() => gh.close());

const newUploads = (from: number) =>
  uploads(gh.api)
    .slice(from)
    .map((r) => r.status);

test('500 on the uploads of two files: each retried after a fresh 1 s backoff, every asset complete', async () => {
  const { dir, manifest } = await gh.release('2.0.0');
  const from = uploads(gh.api).length;
  gh.api.faults.failUploads = { count: 1, status: 500 };
  let rearmed = false;
  const reporter = {
    start: () => () => {},
    // Fail the next file's first attempt too, once the first file is through.
    done: () => {
      if (!rearmed) gh.api.faults.failUploads = { count: 1, status: 500 };
      rearmed = true;
    },
    info: () => {},
  };

  await uploadRelease(gh.destination(), manifest, dir, { concurrency: 1, reporter });

  assert.deepEqual(newUploads(from), [500, 201, 500, 201, 201]);
  const sent = uploads(gh.api).slice(from);
  for (const i of [0, 2]) {
    const wait = sent[i + 1].at - sent[i].at;
    // plugin-retry waits (attempt)^2 s; 4 s here would mean attempts leaked from the earlier request.
    assert.ok(wait >= 900 && wait < 2500, `retry ${i / 2 + 1} came after ${wait} ms`);
  }
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('502 leaving a half-made (starter) asset: the leftover is deleted and the asset sent again', async () => {
  const { dir, manifest } = await gh.release('2.1.0');
  const from = uploads(gh.api).length;
  gh.api.faults.failUploads = { count: 1, status: 502, leaveHalfAsset: true };

  await uploadRelease(gh.destination(), manifest, dir, { concurrency: 1 });

  // 502, then the retry meets the leftover (422 already_exists), which is deleted before the last attempt.
  assert.deepEqual(newUploads(from), [502, 422, 201, 201, 201]);
  assert.ok(gh.logs.some((m) => /removing the half-made asset \(state starter\)/.test(m)));
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('connection dropped mid-body: the starter asset it leaves is replaced in the same run', async () => {
  const { dir, manifest } = await gh.release('2.2.0', { 'linux-x64': 512 * 1024 });
  const from = uploads(gh.api).length;
  gh.api.faults.dropUploads = { count: 1, afterBytes: 100_000 };

  await uploadRelease(gh.destination(), manifest, dir, { concurrency: 1 });

  assert.deepEqual(newUploads(from), [-1, 422, 201, 201, 201], 'dropped, name taken by the leftover, then sent whole');
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('403 secondary rate limit with Retry-After: 1 is waited out and retried', async () => {
  const { dir, manifest } = await gh.release('2.3.0');
  const from = uploads(gh.api).length;
  gh.api.faults.secondaryRateLimit = { count: 1, retryAfterSeconds: 1 };
  const started = Date.now();

  await uploadRelease(gh.destination(), manifest, dir, { concurrency: 1 });

  assert.deepEqual(newUploads(from), [403, 201, 201, 201]);
  assert.ok(Date.now() - started >= 1000, 'waited for Retry-After');
  assert.ok(gh.logs.some((m) => /secondary rate limit on POST .*retrying in 1s/.test(m)));
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('an upload that keeps failing leaves a draft and names the file; the next run finishes it', async () => {
  const { dir, manifest } = await gh.release('2.4.0');
  // The first file drops twice: once in the attempt, once in the attempt after removing the leftover.
  gh.api.faults.dropUploads = { count: 2, afterBytes: 10_000 };

  await rejectsOneLine(
    uploadRelease(gh.destination(), manifest, dir, { concurrency: 1 }),
    /uploading codebuff-linux-x64\.tar\.gz to GitHub release v2\.4\.0 .*failed.*run again/,
  );
  const [release] = gh.api.releases().filter((r) => r.tag === 'v2.4.0');
  assert.equal(release.draft, true, 'nothing published');
  assert.equal(release.assets.find((a) => a.name === 'codebuff-linux-x64.tar.gz')?.state, 'starter');

  const summary = await uploadRelease(gh.destination(), manifest, dir);
  assert.deepEqual(
    summary.uploaded,
    ['codebuff-linux-x64.tar.gz', 'manifest.json'],
    'only the broken file is sent again, then the manifest, which goes last',
  );
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('rate limit exhausted mid-run: the run stops unpublished; after the reset a re-run completes', async () => {
  const { dir, manifest } = await gh.release('2.5.0');
  const reporter = {
    start: () => () => {},
    // Spend the whole limit once the first file is up, as another job on the same token might.
    done: () => {
      gh.api.rateLimit.remaining = 0;
    },
    info: () => {},
  };

  await rejectsOneLine(
    uploadRelease(gh.destination(), manifest, dir, { concurrency: 1, reporter }),
    /failed: GitHub rate limit reached \(403 API rate limit exceeded/,
  );
  assert.equal(gh.api.releases().find((r) => r.tag === 'v2.5.0')?.draft, true);

  gh.api.rateLimit.remaining = gh.api.rateLimit.limit;
  await uploadRelease(gh.destination(), manifest, dir);
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});
