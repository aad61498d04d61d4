/**
 * `nx run codebuff-cli:upload --target=...` through the real nx command: the plugin hook must
 * carry --target past Nx, and an identical second run must send nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listKeys } from '@codebuff/testing/s3-fixture';
import { startGitHubApi } from '@codebuff/testing/github-api';
import { startS3rver, type RunningS3 } from '@codebuff/testing/s3rver';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';

let ws: TestWorkspace;
let s3: RunningS3;
let env: NodeJS.ProcessEnv;

before(async () => {
  ws = copyWorkspace();
  s3 = await startS3rver(['releases']);
  env = { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
});
after(async () => {
  await s3.close();
  ws.dispose();
});

/** Files of the release as the bundle target left them (archives, installers, SHA256SUMS, manifest.json). */
const fileCount = () => String(readdirSync(join(ws.root, 'dist/release/1.0.0')).filter((f) => !f.startsWith('.')).length);

const sentLine = (output: string) => /uploaded (\d+), unchanged (\d+), sent ([\d.]+ \w+)/.exec(output)?.slice(1);

test('nx run codebuff-cli:upload --target=s3 --dry-run builds, compares and prints the plan; the bucket stays empty', async () => {
  const run = await runNx(
    ws.root,
    ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`, '--prefix=cb', '--dry-run'],
    env,
  );
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /dry run, nothing sent: s3: s3:\/\/releases\/cb\/1\.0\.0\//);
  assert.match(run.output, new RegExp(`would upload ${fileCount()}: codebuff-`));
  assert.match(run.output, /would replace 0: nothing/);
  assert.match(run.output, /would skip 0 \(unchanged\): nothing/);
  assert.match(run.output, /would then write s3:\/\/releases\/cb\/latest\.json → 1\.0\.0/);
  assert.deepEqual(await listKeys(s3, 'releases', ''), [], 'no object in the bucket');
  // A misspelt flag would have uploaded for real: refused before anything is read or sent.
  const typo = await runNx(
    ws.root,
    [
      'run',
      'codebuff-cli:upload',
      '--target=s3',
      '--bucket=releases',
      `--endpoint=${s3.endpoint}`,
      '--dryrun',
      '--exclude-task-dependencies',
    ],
    env,
  );
  assert.notEqual(typo.code, 0);
  assert.match(typo.output, /error: unknown option --dryrun/);
  assert.deepEqual(await listKeys(s3, 'releases', ''), [], 'still no object');
});

test('nx run codebuff-cli:upload --target=s3 uploads every asset to S3 and publishes latest.json', async () => {
  const run = await runNx(
    ws.root,
    ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`, '--prefix=cb'],
    env,
  );
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(sentLine(run.output)?.slice(0, 2), [fileCount(), '0']);
  const manifest = JSON.parse(readFileSync(join(ws.root, 'dist/release/1.0.0/manifest.json'), 'utf8'));
  for (const asset of manifest.assets) {
    const body = Buffer.from(await (await fetch(`${s3.endpoint}/releases/cb/1.0.0/${asset.fileName}`)).arrayBuffer());
    assert.equal(createHash('sha256').update(body).digest('hex'), asset.sha256, asset.fileName);
  }
  const latest = (await (await fetch(`${s3.endpoint}/releases/cb/latest.json`)).json()) as { version: string };
  assert.equal(latest.version, '1.0.0');
});

test('the same command again: everything from cache, 0 bytes uploaded', async () => {
  const run = await runNx(
    ws.root,
    ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`, '--prefix=cb'],
    env,
  );
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(sentLine(run.output), ['0', fileCount(), '0 B']);
  assert.deepEqual(taskOutcome(run.output).ran, ['codebuff-cli:upload']);
});

test('--target after -- reaches the executor directly, and still uploads to S3', async () => {
  const run = await runNx(
    ws.root,
    ['run', 'codebuff-cli:upload', '--', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`, '--prefix=cb'],
    env,
  );
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /s3: s3:\/\/releases\/cb\/1\.0\.0\//);
  assert.deepEqual(sentLine(run.output), ['0', fileCount(), '0 B']);
});

test('without --target the upload goes to the local directory, and says so', async () => {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:upload']);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /local: .*dist\/uploads\/1\.0\.0\//);
  const latest = JSON.parse(readFileSync(join(ws.root, 'dist/uploads/latest.json'), 'utf8'));
  assert.equal(latest.version, '1.0.0');
});

test('a destination that cannot be reached or named is refused with one line, nothing sent', async () => {
  const missingBucket = await runNx(
    ws.root,
    ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=no-such-bucket', `--endpoint=${s3.endpoint}`],
    env,
  );
  assert.notEqual(missingBucket.code, 0);
  assert.match(missingBucket.output, /error: .*no-such-bucket.*(does not exist|not found)/i);
  const noBucket = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=s3'], env);
  // Both refused by the plugin hook, in Nx's own format, before any task runs.
  assert.match(noBucket.output, /^ NX +--target=s3 needs --bucket NAME/m);
  const typo = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=s33']);
  assert.match(typo.output, /^ NX +unknown upload target "s33"/m);
  for (const r of [noBucket, typo]) {
    assert.notEqual(r.code, 0);
    assert.deepEqual(taskOutcome(r.output), { ran: [], cached: [] });
  }
  for (const r of [missingBucket, noBucket, typo]) assert.doesNotMatch(r.output, /S3RVER/, 'no secret in output');
});

test('nx run codebuff-cli:upload --target=github --draft, then without --draft: one release, published once', async () => {
  const token = 'ghp_e2eTokenThatMustNeverBePrinted';
  const api = await startGitHubApi({ token, repos: ['acme/codebuff'] });
  try {
    const ghEnv = { GITHUB_TOKEN: token, GITHUB_API_URL: api.apiUrl };
    const dry = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=github', '--repo=acme/codebuff', '--dry-run'], ghEnv);
    assert.equal(dry.code, 0, dry.output);
    assert.match(dry.output, new RegExp(`would upload ${fileCount()}: `));
    assert.match(
      dry.output,
      /would then create and publish GitHub release v1\.0\.0 of acme\/codebuff at .* with GitHub's generated notes: Latest/,
    );
    assert.deepEqual(
      api.requests.filter((r) => r.method !== 'GET'),
      [],
      'a dry run sends only GET requests',
    );
    assert.deepEqual(api.releases(), []);
    const draft = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=github', '--repo=acme/codebuff', '--draft'], ghEnv);
    assert.equal(draft.code, 0, draft.output);
    assert.deepEqual(sentLine(draft.output)?.slice(0, 2), [fileCount(), '0']);
    let [release] = api.releases();
    assert.equal(release.draft, true);
    const published = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=github', '--repo=acme/codebuff'], ghEnv);
    assert.equal(published.code, 0, published.output);
    assert.deepEqual(sentLine(published.output), ['0', fileCount(), '0 B']);
    assert.equal(api.releases().length, 1);
    [release] = api.releases();
    assert.equal(release.draft, false);
    assert.equal(release.tag, 'v1.0.0');
    assert.equal(release.latest, true);
    assert.match(release.body ?? '', /Full Changelog/, "GitHub's generated notes");
    const manifest = JSON.parse(readFileSync(join(ws.root, 'dist/release/1.0.0/manifest.json'), 'utf8'));
    for (const asset of manifest.assets) {
      const held = release.assets.find((a) => a.name === asset.fileName);
      assert.equal(held?.digest, `sha256:${asset.sha256}`);
    }
    assert.deepEqual(api.validationErrors, []);
    for (const r of [draft, published]) assert.doesNotMatch(r.output, /ghp_e2eToken/);
  } finally {
    await api.close();
  }
});
