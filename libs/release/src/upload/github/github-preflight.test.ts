import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadRelease } from '../upload-release';
import {
  assertServerHolds,
  REPO,
  rejectsOneLine,
  startFixture,
  uploads,
  writes,
  type GitHubFixture,
} from '@codebuff/testing/github-fixture';
import { githubDestination } from './destination';
import { isReleaseError } from '../../errors';

// Bad input and refusals: one line, before any asset is sent.

let gh: GitHubFixture;
before(async () => {
  gh = await startFixture({ readOnlyToken: 'ghp_readonly0000000000000000000000000000' });
});
after(() => gh.close());

async function refusedBeforeUpload(run: () => Promise<unknown>, pattern: RegExp): Promise<string> {
  const counts = { writes: writes(gh.api).length, uploads: uploads(gh.api).length };
  const error = await rejectsOneLine(run(), pattern);
  assert.equal(writes(gh.api).length, counts.writes, 'nothing created, changed or deleted');
  assert.equal(uploads(gh.api).length, counts.uploads, 'no asset sent');
  return error.message;
}

test('an invalid repository is refused when the destination is made', () => {
  for (const repo of ['codebuff', 'a/b/c', '/x', 'acme/', 'ac me/codebuff', 'acme/..']) {
    assert.throws(
      () => githubDestination({ repo, token: 'x', env: {} }),
      (e: unknown) => isReleaseError(e) && /^invalid GitHub repository ".*": expected owner\/name/.test(e.message),
    );
  }
  assert.throws(() => githubDestination({ repo: REPO, apiUrl: 'ftp://example', env: {} }), /invalid GitHub API URL/);
});

test('no token: one line naming GITHUB_TOKEN / GH_TOKEN, and not a single request', async () => {
  const { dir, manifest } = await gh.release('3.0.0');
  const requests = gh.api.requests.length;
  await refusedBeforeUpload(
    () => uploadRelease(gh.destination({ token: undefined }), manifest, dir),
    /^no GitHub token for acme\/codebuff: set GITHUB_TOKEN or GH_TOKEN/,
  );
  assert.equal(gh.api.requests.length, requests);
});

test('unknown repository, wrong token, read-only token: one line each, nothing sent', async () => {
  const { dir, manifest } = await gh.release('3.1.0');
  await refusedBeforeUpload(
    () => uploadRelease(gh.destination({ repo: 'acme/missing' }), manifest, dir),
    /^GitHub repository acme\/missing not found at http:\/\/127\.0\.0\.1:\d+, or the token cannot see it$/,
  );
  await refusedBeforeUpload(
    () => uploadRelease(gh.destination({ token: 'ghp_wrong00000000000000000000000000000000' }), manifest, dir),
    /^checking access to acme\/codebuff failed: GitHub rejected the token \(401 Bad credentials\)/,
  );
  await refusedBeforeUpload(
    () => uploadRelease(gh.destination({ token: 'ghp_readonly0000000000000000000000000000' }), manifest, dir),
    /^the token can read acme\/codebuff but not write to it/,
  );
  assert.deepEqual(gh.api.validationErrors, []);
});

test('a rate limit too low for the number of files stops the run before it starts', async () => {
  const { dir, manifest } = await gh.release('3.2.0');
  gh.api.rateLimit.remaining = 12;
  try {
    await refusedBeforeUpload(
      () => uploadRelease(gh.destination(), manifest, dir),
      /^GitHub API rate limit too low: \d+ requests left until \d\d:\d\d UTC, uploading 3 files needs up to 19/,
    );
  } finally {
    gh.api.rateLimit.remaining = gh.api.rateLimit.limit;
  }
});

test('an asset of 2 GiB or more is refused in preflight', async () => {
  const { manifest } = await gh.release('3.3.0');
  const huge = { ...manifest, assets: manifest.assets.map((a) => ({ ...a, size: 3 * 1024 ** 3 })) };
  await refusedBeforeUpload(
    () => gh.destination().preflight(huge),
    /^GitHub release assets must be under 2 GiB: codebuff-linux-x64\.tar\.gz \(3\.00 GiB\)$/,
  );
});

test('a published immutable release: a finished re-run passes, new or different assets are refused up front', async () => {
  const { dir, manifest } = await gh.release('3.4.0');
  await uploadRelease(gh.destination(), manifest, dir);
  gh.api.setImmutable('v3.4.0');

  const again = await uploadRelease(gh.destination(), manifest, dir);
  assert.equal(again.bytesSent, 0, 'an identical re-run has nothing to do');

  // The same version rebuilt differently, with one more platform.
  const rebuilt = await gh.release('3.4.0', { 'linux-x64': 64 * 1024, 'darwin-arm64': 32 * 1024 });
  await refusedBeforeUpload(
    () => uploadRelease(gh.destination(), rebuilt.manifest, rebuilt.dir, { replace: true }),
    /^release v3\.4\.0 of acme\/codebuff is published and immutable, so GitHub accepts no new or replaced assets \(missing codebuff-darwin-arm64\.tar\.gz; different codebuff-linux-x64\.tar\.gz\); publish a new version instead$/,
  );
  await assertServerHolds(gh.api, manifest, dir, { draft: false });
});

test('immutable releases on: the published release becomes immutable, and a changed rebuild is refused up front', async () => {
  const strict = await startFixture({ immutableReleases: true });
  try {
    const { dir, manifest } = await strict.release('3.5.0');
    await uploadRelease(strict.destination(), manifest, dir);
    assert.equal(strict.api.releases()[0].immutable, true);
    const rebuilt = await strict.release('3.5.0');
    await rejectsOneLine(
      uploadRelease(strict.destination(), rebuilt.manifest, rebuilt.dir, { replace: true }),
      /is published and immutable/,
    );
    await assertServerHolds(strict.api, manifest, dir, { draft: false });
  } finally {
    await strict.close();
  }
});
