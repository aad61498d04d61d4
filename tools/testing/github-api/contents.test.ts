import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gitBlobSha } from './contents';
import { startGitHubApi, type GitHubApi } from './server';

// The stand-in's contents endpoints: GitHub's rules for creating and updating a file, and its
// OpenAPI checks rejecting what the description does not allow.

const TOKEN = 'ghp_contents0000000000000000000000000000';
let api: GitHubApi;
before(async () => {
  api = await startGitHubApi({ token: TOKEN, repos: ['acme/tap'] });
});
after(() => api.close());

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${api.apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

test('create, read back, update with the sha; a missing or stale sha is refused', async () => {
  const content = Buffer.from('class X < Formula\nend\n');
  const created = await call('PUT', '/repos/acme/tap/contents/Formula/x.rb', { message: 'x 1', content: content.toString('base64') });
  assert.equal(created.status, 201);
  assert.equal(created.json.content.sha, gitBlobSha(content));
  const read = await call('GET', '/repos/acme/tap/contents/Formula/x.rb');
  assert.equal(read.status, 200);
  assert.equal(Buffer.from(read.json.content, 'base64').toString(), content.toString());
  assert.equal((await call('GET', '/repos/acme/tap/contents/Formula/x.rb?ref=other')).status, 404);
  assert.equal((await call('PUT', '/repos/acme/tap/contents/Formula/x.rb', { message: 'x 2', content: 'eA==' })).status, 422, 'no sha');
  assert.equal(
    (await call('PUT', '/repos/acme/tap/contents/Formula/x.rb', { message: 'x 2', content: 'eA==', sha: '0'.repeat(40) })).status,
    409,
    'stale sha',
  );
  const updated = await call('PUT', '/repos/acme/tap/contents/Formula/x.rb', { message: 'x 2', content: 'eA==', sha: read.json.sha });
  assert.equal(updated.status, 200);
  assert.deepEqual(
    api.commits('acme/tap').map((c) => c.message),
    ['x 1', 'x 2'],
  );
  assert.deepEqual(api.validationErrors, []);
});

test('a request GitHub’s description does not allow is recorded as a validation error', async () => {
  const from = api.validationErrors.length;
  const answer = await call('PUT', '/repos/acme/tap/contents/Formula/y.rb', { content: 'eA==', colour: 'blue' });
  assert.equal(answer.status, 500);
  const errors = api.validationErrors.splice(from);
  assert.ok(
    errors.some((e) => /message/.test(e)),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => /additional/.test(e)),
    errors.join('\n'),
  );
});
