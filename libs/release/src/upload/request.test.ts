import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveUploadRequest } from './request';

test('local is the default destination; its directory comes from the config', () => {
  assert.deepEqual(resolveUploadRequest({}, { local: { dir: 'out' } }, {}), {
    destination: 'local',
    dir: 'out',
    replace: false,
    draft: false,
  });
});

test('each destination refuses to start without what it needs, never falling back', () => {
  assert.throws(() => resolveUploadRequest({ destination: 's3' }, {}, {}), /--target=s3 needs --bucket/);
  assert.throws(() => resolveUploadRequest({ destination: 'github' }, {}, {}), /--target=github needs --repo/);
  assert.throws(() => resolveUploadRequest({ destination: 'github', repo: 'not a repo' }, {}, {}), /invalid --repo "not a repo"/);
  assert.throws(() => resolveUploadRequest({ destination: 'ftp' }, {}, {}), /unknown upload target "ftp": expected github, s3, local/);
});

test('command line beats release.config.json beats the environment', () => {
  const s3 = resolveUploadRequest({ destination: 's3', bucket: 'cli' }, { s3: { bucket: 'config', prefix: 'p' } }, {});
  assert.deepEqual([s3.destination, s3.destination === 's3' && s3.bucket, s3.destination === 's3' && s3.prefix], ['s3', 'cli', 'p']);
  const gh = resolveUploadRequest({ destination: 'github' }, {}, { GITHUB_REPOSITORY: 'codebuff/codebuff' });
  assert.equal(gh.destination === 'github' && gh.repo, 'codebuff/codebuff');
});
