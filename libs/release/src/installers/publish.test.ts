import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startGitHubApi, type GitHubApi } from '@codebuff/testing/github-api';
import { isReleaseError } from '../errors';
import { releaseFiles, writeManifest, type ReleaseManifest } from '../manifest';
import { githubDestination } from '../upload/github/destination';
import { makeTestRelease } from '../testing/release-fixture';
import { uploadRelease } from '../upload/upload-release';
import { formatSha256Sums } from '../checksums';
import { writeInstallers } from './generate';
import { publishInstallersAfterUpload, publishTargets, publishToTaps } from './publish';
import { SETTINGS } from '../testing/installer-fixtures';

// Publishing the formula and the Scoop manifest through the contents API of the GitHub stand-in,
// which checks every request and response against GitHub's OpenAPI description.

const TOKEN = 'ghp_tapwriter00000000000000000000000000000';
const READ_ONLY = 'ghp_tapreader00000000000000000000000000000';
const TAP = 'acme/homebrew-tap';
const BUCKET = 'acme/scoop-bucket';
const CONFIG = {
  name: 'codebuff',
  installers: { repo: 'acme/codebuff', homebrew: { tap: TAP }, scoop: { bucket: BUCKET, path: 'bucket/codebuff.json' } },
};

let api: GitHubApi;
let releaseDir: string;
let manifest: ReleaseManifest;
const logs: string[] = [];
const options = () => ({ token: TOKEN, apiUrl: api.apiUrl, env: {}, log: (m: string) => logs.push(m) });
const puts = () => api.requests.filter((r) => r.method === 'PUT');

/** A release directory as assemble leaves it: archives, installers, SHA256SUMS and manifest listing them. */
async function releaseWithInstallers(version: string) {
  const made = await makeTestRelease(version);
  made.manifest.installers = await writeInstallers(made.releaseDir, made.manifest, SETTINGS);
  writeFileSync(join(made.releaseDir, 'SHA256SUMS'), formatSha256Sums([...made.manifest.assets, ...made.manifest.installers]));
  await writeManifest(made.releaseDir, made.manifest);
  return made;
}

before(async () => {
  ({ releaseDir, manifest } = await releaseWithInstallers('1.2.3'));
});
beforeEach(async () => {
  await api?.close();
  api = await startGitHubApi({ token: TOKEN, readOnlyToken: READ_ONLY, repos: ['acme/codebuff', TAP, BUCKET] });
  logs.length = 0;
});
after(() => api?.close());

test('first publish creates Formula/codebuff.rb and bucket/codebuff.json with the release’s bytes; a re-run sends nothing', async () => {
  const targets = publishTargets(CONFIG, manifest);
  const first = await publishToTaps(targets, manifest, releaseDir, options());
  assert.deepEqual(
    first.map((r) => [r.target.repo, r.target.path, r.outcome]),
    [
      [TAP, 'Formula/codebuff.rb', 'created'],
      [BUCKET, 'bucket/codebuff.json', 'created'],
    ],
  );
  const [formula] = api.files(TAP);
  assert.equal(formula.path, 'Formula/codebuff.rb');
  assert.equal(formula.branch, 'main');
  assert.deepEqual(formula.bytes, readFileSync(join(releaseDir, 'codebuff.rb')));
  assert.deepEqual(api.files(BUCKET)[0].bytes, readFileSync(join(releaseDir, 'codebuff.json')));
  assert.deepEqual(
    api.commits(TAP).map((c) => c.message),
    ['codebuff 1.2.3'],
  );

  const again = await publishToTaps(targets, manifest, releaseDir, options());
  assert.deepEqual(
    again.map((r) => r.outcome),
    ['unchanged', 'unchanged'],
  );
  assert.equal(puts().length, 2, 'the second run wrote nothing');
  assert.deepEqual(api.validationErrors, []);
});

test('an older formula is updated in place (with its sha); a newer one is left alone', async () => {
  api.seedFile(TAP, 'Formula/codebuff.rb', 'class Codebuff < Formula\n  version "1.0.0"\nend\n');
  api.seedFile(BUCKET, 'bucket/codebuff.json', '{ "version": "9.0.0" }\n');
  const results = await publishToTaps(publishTargets(CONFIG, manifest), manifest, releaseDir, options());
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['updated', 'newer-there'],
  );
  assert.deepEqual(api.files(TAP)[0].bytes, readFileSync(join(releaseDir, 'codebuff.rb')));
  assert.equal(api.files(BUCKET)[0].bytes.toString(), '{ "version": "9.0.0" }\n');
  assert.match(logs.join('\n'), /acme\/scoop-bucket\/bucket\/codebuff\.json already describes 9\.0\.0, newer than 1\.2\.3: left alone/);
  assert.equal(puts().length, 1);
  assert.deepEqual(api.validationErrors, []);
});

test('a configured branch is where the file goes', async () => {
  const config = {
    ...CONFIG,
    installers: { ...CONFIG.installers, homebrew: { tap: TAP, branch: 'release', path: 'Formula/c/codebuff.rb' } },
  };
  await publishToTaps(
    publishTargets(config, manifest).filter((t) => t.kind === 'homebrew'),
    manifest,
    releaseDir,
    options(),
  );
  assert.deepEqual(
    api.files(TAP).map((f) => [f.branch, f.path]),
    [['release', 'Formula/c/codebuff.rb']],
  );
  assert.deepEqual(api.validationErrors, []);
});

test('refusals are one line without the token, and nothing is written', async () => {
  const targets = publishTargets(CONFIG, manifest);
  const oneLine = async (promise: Promise<unknown>, pattern: RegExp) => {
    const error = await promise.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(isReleaseError(error), String(error));
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n|ghp_/);
  };
  await oneLine(
    publishToTaps(targets, manifest, releaseDir, { ...options(), token: undefined }),
    /^publishing to acme\/homebrew-tap and acme\/scoop-bucket needs a token with contents: write there: set CODEBUFF_TAP_TOKEN \(or GITHUB_TOKEN\)$/,
  );
  await oneLine(
    publishToTaps(targets, manifest, releaseDir, { ...options(), token: READ_ONLY }),
    /^publishing codebuff\.rb to acme\/homebrew-tap\/Formula\/codebuff\.rb failed: the token is not allowed to do this \(403 .*\); it needs contents: write$/,
  );
  const missing = publishTargets({ ...CONFIG, installers: { ...CONFIG.installers, homebrew: { tap: 'acme/no-such-tap' } } }, manifest);
  await oneLine(
    publishToTaps(missing, manifest, releaseDir, options()),
    /^publishing codebuff\.rb to acme\/no-such-tap\/Formula\/codebuff\.rb failed: GitHub answered 404 Not Found$/,
  );
  const tampered = [{ ...targets[0], sha256: 'e'.repeat(64) }];
  await oneLine(
    publishToTaps(tampered, manifest, releaseDir, options()),
    /codebuff\.rb does not match manifest\.json; rebuild with the bundle target$/,
  );
  assert.deepEqual([...api.files(TAP), ...api.files(BUCKET), ...api.commits(TAP), ...api.commits(BUCKET)], [], 'nothing written');
  assert.deepEqual(api.validationErrors, []);
});

test('end to end: the installers go up with the release like any asset; tap and bucket follow only a published GitHub release of the same repository', async () => {
  const destination = githubDestination({ repo: 'acme/codebuff', token: TOKEN, apiUrl: api.apiUrl, env: {}, log: (m) => logs.push(m) });
  const request = { destination: 'github', repo: 'acme/codebuff', draft: false, prerelease: false, replace: false } as const;
  const after = (extra: Partial<Parameters<typeof publishInstallersAfterUpload>[0]>) =>
    publishInstallersAfterUpload({ config: CONFIG, request, published: true, manifest, releaseDir, options: options(), ...extra });

  await uploadRelease(destination, manifest, releaseDir, { draft: true });
  await after({ published: false });
  await after({ request: { destination: 's3', bucket: 'b', prefix: 'p', replace: false, draft: false } });
  await after({ request: { ...request, repo: 'acme/fork' } });
  assert.equal(puts().length, 0, 'nothing written to the tap or bucket');
  assert.deepEqual(
    logs.filter((l) => /not updated/.test(l)),
    [
      'acme/homebrew-tap/Formula/codebuff.rb, acme/scoop-bucket/bucket/codebuff.json not updated: the release is not published yet',
      'acme/homebrew-tap/Formula/codebuff.rb, acme/scoop-bucket/bucket/codebuff.json not updated: they are updated after a GitHub release is published',
      'acme/homebrew-tap/Formula/codebuff.rb, acme/scoop-bucket/bucket/codebuff.json not updated: the installers download from acme/codebuff, but this release went to acme/fork',
    ],
  );

  const summary = await uploadRelease(destination, manifest, releaseDir, {});
  assert.equal(summary.published, true);
  await after({});
  const [release] = api.releases('acme/codebuff');
  assert.deepEqual(release.assets.map((a) => a.name).sort(), [...releaseFiles(manifest)].sort());
  for (const installer of manifest.installers!) {
    const asset = release.assets.find((a) => a.name === installer.fileName)!;
    assert.equal(asset.digest, `sha256:${installer.sha256}`);
  }
  assert.match(
    readFileSync(join(releaseDir, 'SHA256SUMS'), 'utf8'),
    new RegExp(`${manifest.installers![0].sha256}  codebuff-installer.sh`),
  );
  assert.equal(api.files(TAP).length, 1);
  assert.equal(api.files(BUCKET).length, 1);
  assert.deepEqual(api.validationErrors, []);
});
