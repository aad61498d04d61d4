import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { githubOperations } from './openapi';
import { startGitHubApi, type GitHubApi } from './server';

// The stand-in itself: it must behave like GitHub where the release tools depend on it, and its
// OpenAPI checks must actually reject what GitHub's description does not allow.

const TOKEN = 'ghp_standin000000000000000000000000000000';
const READ_ONLY = 'ghp_readonly0000000000000000000000000000';
let api: GitHubApi;

before(async () => {
  api = await startGitHubApi({ token: TOKEN, readOnlyToken: READ_ONLY, repos: ['acme/codebuff'] });
});
after(() => api.close());

async function call(method: string, url: string, options: { body?: unknown; raw?: Buffer; token?: string | null; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `token ${options.token ?? TOKEN}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.raw) headers['content-type'] = options.type ?? 'application/octet-stream';
  const response = await fetch(url, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    redirect: 'manual',
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}

/** Runs `work` and returns the validation errors it caused, clearing them. */
async function newValidationErrors(work: () => Promise<unknown>): Promise<string[]> {
  const from = api.validationErrors.length;
  await work();
  return api.validationErrors.splice(from);
}

test('create, upload on the upload origin, list: digest computed from the bytes received', async () => {
  const created = await call('POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { tag_name: 'v1.0.0', draft: true } });
  assert.equal(created.status, 201);
  assert.equal(created.json.draft, true);
  const uploadUrl = String(created.json.upload_url).replace(/\{\?name,label\}$/, '');
  assert.ok(uploadUrl.startsWith(`${api.uploadsUrl}/`), 'upload_url is on its own origin');

  const bytes = Buffer.from('hello release');
  const uploaded = await call('POST', `${uploadUrl}?name=hello.txt`, { raw: bytes, type: 'text/plain' });
  assert.equal(uploaded.status, 201);
  assert.equal(uploaded.json.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.equal(uploaded.json.state, 'uploaded');

  const again = await call('POST', `${uploadUrl}?name=hello.txt`, { raw: bytes });
  assert.equal(again.status, 422);
  assert.equal(again.json.errors[0].code, 'already_exists');

  const listed = await call('GET', `${api.apiUrl}/repos/acme/codebuff/releases/${created.json.id}/assets`);
  assert.deepEqual(
    listed.json.map((a: { name: string; size: number }) => [a.name, a.size]),
    [['hello.txt', bytes.length]],
  );
  assert.deepEqual(api.validationErrors, []);
});

test('requests GitHub does not document are recorded and answered 500', async () => {
  const cases: Array<[string, string, { body?: unknown; raw?: Buffer }, RegExp]> = [
    ['GET', `${api.apiUrl}/repos/acme/codebuff/releases?bogus=1`, {}, /query must NOT have additional properties .*bogus/],
    ['GET', `${api.apiUrl}/repos/acme/codebuff/releases?per_page=many`, {}, /query\/per_page must be integer/],
    ['POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { tag_name: 'v9', draft: 'yes' } }, /body\/draft must be boolean/],
    ['POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { draft: true } }, /must have required property 'tag_name'/],
    ['POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { tag_name: 'v9', draftt: true } }, /additional properties .*draftt/],
    ['PATCH', `${api.apiUrl}/repos/acme/codebuff/releases/abc`, { body: {} }, /path\/release_id must be integer/],
    ['POST', `${api.apiUrl}/repos/acme/codebuff/releases/1/assets?name=x`, { raw: Buffer.from('x') }, /served on the upload origin/],
    ['PUT', `${api.apiUrl}/repos/acme/codebuff/releases`, {}, /PUT is not an operation of/],
    ['GET', `${api.apiUrl}/repos/acme/codebuff/tags`, {}, /no GitHub operation at/],
    ['POST', `${api.uploadsUrl}/repos/acme/codebuff/releases/1/assets`, { raw: Buffer.from('x') }, /must have required property 'name'/],
  ];
  for (const [method, url, options, pattern] of cases) {
    let status = 0;
    const errors = await newValidationErrors(async () => ({ status } = await call(method, url, options)));
    assert.equal(status, 500, `${method} ${url}`);
    assert.ok(
      errors.some((e) => pattern.test(e)),
      `${method} ${url}: ${errors.join(' | ')}`,
    );
  }
  // A streamed body without Content-Length (chunked), as a careless client would send it.
  const chunked = await newValidationErrors(async () => {
    const body = new ReadableStream({
      start: (c) => {
        c.enqueue(new TextEncoder().encode('x'));
        c.close();
      },
    });
    const response = await fetch(`${api.uploadsUrl}/repos/acme/codebuff/releases/1/assets?name=x`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'text/plain' },
    } as RequestInit);
    assert.equal(response.status, 500);
  });
  assert.ok(
    chunked.some((e) => /upload without Content-Length/.test(e)),
    chunked.join(' | '),
  );
});

test('responses are checked against the description, with nullable and the starter patch understood', () => {
  const listAssets = githubOperations().get('repos/list-release-assets')!;
  const asset = {
    url: 'http://127.0.0.1/a',
    browser_download_url: 'http://127.0.0.1/d',
    id: 1,
    node_id: 'x',
    name: 'a',
    label: null,
    state: 'starter',
    content_type: 'application/gzip',
    size: 0,
    digest: null,
    download_count: 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    uploader: null,
  };
  assert.deepEqual(listAssets.checkResponse(200, [asset]), []);
  assert.ok(listAssets.checkResponse(200, [{ ...asset, name: null }]).some((e) => /response\/0\/name must be string/.test(e)));
  assert.ok(
    listAssets.checkResponse(200, [{ ...asset, state: 'broken' }]).some((e) => /state must be equal to one of the allowed values/.test(e)),
  );
  assert.ok(
    listAssets.checkResponse(200, [{ ...asset, created_at: 'yesterday' }]).some((e) => /created_at must match format "date-time"/.test(e)),
  );
  assert.deepEqual(listAssets.checkResponse(418, {}), ['status 418 is not documented for repos/list-release-assets']);
});

test('authentication: none, wrong, read-only', async () => {
  const url = `${api.apiUrl}/repos/acme/codebuff/releases`;
  assert.deepEqual(
    [(await call('GET', url, { token: null })).json.message, (await call('GET', url, { token: 'nope' })).json.message],
    ['Requires authentication', 'Bad credentials'],
  );
  assert.equal((await call('GET', `${api.apiUrl}/repos/acme/codebuff`, { token: READ_ONLY })).json.permissions.push, false);
  const write = await call('POST', url, { token: READ_ONLY, body: { tag_name: 'v2.0.0' } });
  assert.equal(write.status, 403);
  assert.equal((await call('GET', `${api.apiUrl}/repos/acme/other`)).status, 404);
  assert.deepEqual(api.validationErrors, []);
});

test('an immutable release refuses uploads and deletes', async () => {
  const created = await call('POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { tag_name: 'v3.0.0' } });
  const uploadUrl = String(created.json.upload_url).replace(/\{.*\}$/, '');
  const asset = await call('POST', `${uploadUrl}?name=a.txt`, { raw: Buffer.from('a') });
  api.setImmutable('v3.0.0');
  assert.equal((await call('GET', `${api.apiUrl}/repos/acme/codebuff/releases/${created.json.id}`)).json.immutable, true);
  assert.equal((await call('POST', `${uploadUrl}?name=b.txt`, { raw: Buffer.from('b') })).status, 422);
  assert.equal((await call('DELETE', `${api.apiUrl}/repos/acme/codebuff/releases/assets/${asset.json.id}`)).status, 422);
  assert.deepEqual(
    api
      .releases()
      .find((r) => r.tag === 'v3.0.0')!
      .assets.map((a) => a.name),
    ['a.txt'],
  );
  assert.deepEqual(api.validationErrors, []);
});

test('lists page with a Link header; browser_download_url redirects to the bytes of published assets only', async () => {
  for (const tag of ['v4.0.0', 'v4.0.1', 'v4.0.2'])
    await call('POST', `${api.apiUrl}/repos/acme/codebuff/releases`, { body: { tag_name: tag, draft: tag === 'v4.0.2' } });
  const first = await call('GET', `${api.apiUrl}/repos/acme/codebuff/releases?per_page=2`);
  assert.equal(first.json.length, 2);
  const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
  assert.ok(next, 'a next link');
  assert.equal(first.json[0].tag_name, 'v4.0.2', 'newest first');

  const published = api.releases().find((r) => r.tag === 'v4.0.1')!;
  const draft = api.releases().find((r) => r.tag === 'v4.0.2')!;
  const body = Buffer.from('binary bytes');
  const put = async (id: number) =>
    (await call('POST', `${api.uploadsUrl}/repos/acme/codebuff/releases/${id}/assets?name=tool.tar.gz`, { raw: body })).json;
  const publicAsset = await put(published.id);
  const draftAsset = await put(draft.id);
  const redirect = await fetch(publicAsset.browser_download_url, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.deepEqual(Buffer.from(await (await fetch(publicAsset.browser_download_url)).arrayBuffer()), body);
  assert.equal((await fetch(draftAsset.browser_download_url)).status, 404, 'drafts are not public');
  assert.deepEqual(api.validationErrors, []);
});

test('Latest and generated notes behave as GitHub documents them: make_latest, prereleases, drafts', async () => {
  const gh = await startGitHubApi({ token: TOKEN, repos: ['acme/latest'] });
  const releases = `${gh.apiUrl}/repos/acme/latest/releases`;
  const send = async (method: string, url: string, body: unknown) => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const latestTag = async () => {
    const response = await fetch(`${releases}/latest`, { headers: { authorization: `token ${TOKEN}` } });
    return response.status === 200 ? ((await response.json()) as { tag_name: string }).tag_name : response.status;
  };
  try {
    assert.equal(await latestTag(), 404, 'no Latest before any release');
    const v2 = await send('POST', releases, { tag_name: 'v2.0.0', draft: true, generate_release_notes: true });
    assert.equal(v2.json.name, 'v2.0.0');
    assert.equal(v2.json.body, `## What's Changed\n\n**Full Changelog**: ${gh.apiUrl}/acme/latest/commits/v2.0.0`);
    assert.equal(await latestTag(), 404, 'a draft is never Latest');
    await send('PATCH', `${releases}/${v2.json.id}`, { draft: false });
    assert.equal(await latestTag(), 'v2.0.0', 'a newly published release becomes Latest by default');

    const old = await send('POST', releases, { tag_name: 'v1.5.0', body: 'Hand-written.', generate_release_notes: true, draft: true });
    assert.equal(
      old.json.body,
      `Hand-written.\n\n## What's Changed\n\n**Full Changelog**: ${gh.apiUrl}/acme/latest/compare/v2.0.0...v1.5.0`,
    );
    await send('PATCH', `${releases}/${old.json.id}`, { draft: false, make_latest: 'false' });
    assert.equal(await latestTag(), 'v2.0.0', "make_latest: 'false' leaves Latest alone");
    await send('PATCH', `${releases}/${old.json.id}`, { make_latest: 'true' });
    assert.equal(await latestTag(), 'v1.5.0', "make_latest: 'true' takes it");
    await send('PATCH', `${releases}/${old.json.id}`, { make_latest: 'legacy' });
    assert.equal(await latestTag(), 'v2.0.0', "'legacy': the highest version");

    const beta = await send('POST', releases, { tag_name: 'v3.0.0-beta.1', prerelease: true });
    assert.equal(beta.status, 201);
    assert.equal(await latestTag(), 'v2.0.0', 'a prerelease never becomes Latest');
    const refused = await send('PATCH', `${releases}/${beta.json.id}`, { make_latest: 'true' });
    assert.equal(refused.status, 422);
    assert.deepEqual(
      gh.releases('acme/latest').map((r) => [r.tag, r.latest]),
      [
        ['v2.0.0', true],
        ['v1.5.0', false],
        ['v3.0.0-beta.1', false],
      ],
    );
    assert.deepEqual(gh.validationErrors, []);

    // The description's enum is enforced: a make_latest GitHub does not know is a broken request.
    const bad = await send('PATCH', `${releases}/${v2.json.id}`, { make_latest: 'yes' });
    assert.equal(bad.status, 500);
    assert.ok(
      gh.validationErrors.some((e) => /body\/make_latest must be equal to one of the allowed values/.test(e)),
      gh.validationErrors.join(' | '),
    );
  } finally {
    await gh.close();
  }
});
