/**
 * What people see on the release page, through the real driver and the GitHub stand-in (which
 * validates every request against GitHub's OpenAPI description and keeps Latest as GitHub
 * documents it): generated notes, prerelease for semver prereleases, Latest for the highest
 * version only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadRelease } from '../upload-release';
import { startFixture, TOKEN, type GitHubFixture } from '@codebuff/testing/github-fixture';
import { isPrerelease, makeLatest } from './release-policy';

let gh: GitHubFixture;
before(async () => {
  gh = await startFixture();
});
after(() => gh.close());

const held = (tag: string) => gh.api.releases().find((r) => r.tag === tag)!;
const latest = () =>
  gh.api
    .releases()
    .filter((r) => r.latest)
    .map((r) => r.tag);

async function release(version: string, options: { prerelease?: boolean; draft?: boolean } = {}) {
  const { dir, manifest } = await gh.release(version);
  return uploadRelease(gh.destination({ prerelease: options.prerelease }), manifest, dir, { draft: options.draft });
}

test("a release the upload creates gets GitHub's generated notes and, as the highest version, Latest", async () => {
  await release('2.0.0');
  assert.equal(held('v2.0.0').name, 'v2.0.0');
  assert.match(held('v2.0.0').body ?? '', /^## What's Changed\n\n\*\*Full Changelog\*\*: /);
  assert.deepEqual(latest(), ['v2.0.0']);
  assert.deepEqual(gh.api.validationErrors, []);
});

test('re-releasing an older version publishes it without taking Latest', async () => {
  await release('1.4.2');
  assert.equal(held('v1.4.2').draft, false);
  assert.deepEqual(latest(), ['v2.0.0']);
  assert.ok(gh.logs.includes('v1.4.2 published; Latest stays v2.0.0, a higher version'), gh.logs.join('\n'));
  assert.deepEqual(gh.api.validationErrors, []);
});

test('a semver prerelease is marked prerelease without --prerelease, and never becomes Latest', async () => {
  await release('2.1.0-rc.1');
  assert.deepEqual([held('v2.1.0-rc.1').prerelease, held('v2.1.0-rc.1').draft], [true, false]);
  assert.deepEqual(latest(), ['v2.0.0']);
  await release('2.2.0', { prerelease: true });
  assert.equal(held('v2.2.0').prerelease, true);
  assert.deepEqual(latest(), ['v2.0.0'], '--prerelease on a plain version: not Latest either');
  assert.deepEqual(gh.api.validationErrors, []);
});

test('a higher version takes Latest, after its draft stage', async () => {
  const { dir, manifest } = await gh.release('2.1.0');
  await uploadRelease(gh.destination(), manifest, dir, { draft: true });
  assert.deepEqual(latest(), ['v2.0.0'], 'a draft is not Latest');
  await uploadRelease(gh.destination(), manifest, dir);
  assert.deepEqual(latest(), ['v2.1.0']);
  assert.deepEqual(gh.api.validationErrors, []);
});

test('a release that already exists keeps its own body', async () => {
  const created = await fetch(`${gh.api.apiUrl}/repos/acme/codebuff/releases`, {
    method: 'POST',
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tag_name: 'v2.1.1', name: 'Patch', body: 'Fixes the thing.', draft: true }),
  });
  assert.equal(created.status, 201);
  await release('2.1.1');
  assert.deepEqual([held('v2.1.1').name, held('v2.1.1').body, held('v2.1.1').draft], ['Patch', 'Fixes the thing.', false]);
  assert.deepEqual(latest(), ['v2.1.1']);
  assert.deepEqual(gh.api.validationErrors, []);
});

test('the rules on their own: prerelease by flag or version, Latest against published non-prereleases', () => {
  assert.deepEqual(
    [isPrerelease('1.0.0', false), isPrerelease('1.0.0-beta.1', false), isPrerelease('1.0.0', true), isPrerelease('1.0.0+build.5', false)],
    [false, true, true, false],
  );
  const r = (tag_name: string, extra: { draft?: boolean; prerelease?: boolean } = {}) =>
    ({ tag_name, draft: false, prerelease: false, ...extra }) as never;
  const releases = [r('v2.0.0'), r('v3.0.0', { draft: true }), r('v4.0.0-beta.1', { prerelease: true }), r('not-a-version')];
  assert.deepEqual(makeLatest('1.9.9', false, releases), { value: 'false', newer: 'v2.0.0' });
  assert.deepEqual(makeLatest('2.0.0', false, releases), { value: 'true' }, 'the same version again keeps it');
  assert.deepEqual(makeLatest('2.0.1', false, releases), { value: 'true' }, 'drafts and prereleases do not count');
  assert.deepEqual(makeLatest('5.0.0-rc.1', false, releases), { value: 'false' });
});
