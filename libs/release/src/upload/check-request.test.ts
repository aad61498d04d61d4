import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkUploadRequest } from './check-request';

test('each destination is checked as its own options would be, before anything is read or sent', () => {
  assert.throws(() => checkUploadRequest({ destination: 's3' }, {}, {}), /--target=s3 needs --bucket NAME/);
  assert.throws(() => checkUploadRequest({ destination: 's3', bucket: 's3://b' }, {}, {}), /invalid S3 bucket name "s3:\/\/b"/);
  assert.throws(() => checkUploadRequest({ destination: 's3', bucket: 'releases', prefix: '/x/' }, {}, {}), /invalid S3 prefix/);
  assert.throws(() => checkUploadRequest({ destination: 'ftp' }, {}, {}), /unknown upload target "ftp"/);
  assert.throws(() => checkUploadRequest({ destination: 'github' }, {}, {}), /--target=github needs --repo/);
  assert.throws(
    () => checkUploadRequest({ destination: 'github', repo: 'a/b' }, {}, {}),
    /no GitHub token for a\/b: set GITHUB_TOKEN or GH_TOKEN/,
  );
  assert.throws(
    () => checkUploadRequest({ destination: 'github', repo: 'a/b' }, {}, { GH_TOKEN: 't', GITHUB_API_URL: 'ftp://x' }),
    /invalid GitHub API URL/,
  );
  assert.equal(checkUploadRequest({ destination: 'github', repo: 'a/b' }, {}, { GH_TOKEN: 't' }).destination, 'github');
  assert.equal(checkUploadRequest({ destination: 's3' }, { s3: { bucket: 'from-config' } }, {}).destination, 's3');
  assert.equal(checkUploadRequest({}, {}, {}).destination, 'local');
});

test('a secret in an endpoint is refused without being echoed', () => {
  assert.throws(
    () => checkUploadRequest({ destination: 's3', bucket: 'releases', endpoint: 'https://key:s3cr3t@r2.example' }, {}, {}),
    (error: Error) => /must not contain a user name or password/.test(error.message) && !error.message.includes('s3cr3t'),
  );
});

test('where GITHUB_* variables are withheld (the Nx daemon), their absence is not held against the upload', () => {
  const hidden = { githubVariablesHidden: true };
  assert.equal(checkUploadRequest({ destination: 'github' }, {}, {}, hidden), undefined, 'the repository may be in GITHUB_REPOSITORY');
  assert.equal(
    checkUploadRequest({ destination: 'github', repo: 'a/b' }, {}, {}, hidden)?.destination,
    'github',
    'the token may be in GITHUB_TOKEN',
  );
  // What does not rest on those variables is still checked.
  assert.throws(() => checkUploadRequest({ destination: 'github', repo: 'nope' }, {}, {}, hidden), /invalid --repo "nope"/);
  assert.throws(() => checkUploadRequest({ destination: 's3' }, {}, {}, hidden), /--target=s3 needs --bucket/);
});
