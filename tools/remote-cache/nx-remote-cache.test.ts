import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';
import { type CacheFixture, startCacheFixture } from './test-support';

const TARGET = 'codebuff-cli:bundle-linux-x64';
const TASKS = [
  'codebuff-cli:bundle-linux-x64',
  'codebuff-cli:compile-linux-x64',
  'codebuff-cli:native-linux-x64',
  'codebuff-cli:runtime-chunks-linux-x64',
];
const ARCHIVE = 'dist/build/bundles/linux-x64/codebuff-linux-x64.tar.gz';
const BINARY = 'dist/build/bin/linux-x64/codebuff';
const COMMIT_DATE = '2026-01-02T03:04:05Z';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Two clones of one commit share its committer time; the bundle hashes it (archive mtimes),
 * so the copies must too. copyWorkspace() pins only the author date.
 */
function pinCommitTime(ws: TestWorkspace): void {
  const env = { ...process.env, GIT_COMMITTER_DATE: COMMIT_DATE };
  const result = spawnSync(
    'git',
    ['-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-q', '--amend', '--no-edit', `--date=${COMMIT_DATE}`],
    { cwd: ws.root, env },
  );
  assert.equal(result.status, 0, String(result.stderr));
}

describe('Nx shares task outputs between two workspaces through the cache server and one bucket', () => {
  let cache: CacheFixture;
  const workspaces: TestWorkspace[] = [];
  const workspace = () => {
    const ws = copyWorkspace('codebuff-remote-cache-');
    workspaces.push(ws);
    pinCommitTime(ws);
    return ws;
  };
  const remote = (token: string) => ({
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.server.url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
  });

  before(async () => {
    cache = await startCacheFixture();
  });
  after(async () => {
    for (const ws of workspaces) ws.dispose();
    await cache.close();
  });

  test('a build in the first copy makes every task of the same build in the second a remote cache hit', async (t) => {
    const first = workspace();
    let started = Date.now();
    const built = await runNx(first.root, ['run', TARGET], remote(cache.tokens.readWrite));
    t.diagnostic(`first copy: built and stored in ${Date.now() - started} ms`);
    assert.equal(built.code, 0, built.output);
    assert.deepEqual(taskOutcome(built.output), { ran: TASKS, cached: [] });
    const stored = await cache.stored();
    assert.equal(stored.size, TASKS.length, `one entry per task, got ${[...stored.keys()].join(', ')}`);
    t.diagnostic(`entries: ${[...stored.values()].map((e) => `${(e.length / 1e6).toFixed(1)} MB`).join(', ')}`);

    const second = workspace();
    started = Date.now();
    const restored = await runNx(second.root, ['run', TARGET], remote(cache.tokens.read));
    t.diagnostic(`second copy: restored in ${Date.now() - started} ms`);
    assert.equal(restored.code, 0, restored.output);
    assert.deepEqual(taskOutcome(restored.output), { ran: [], cached: TASKS });
    for (const task of TASKS) assert.match(restored.output, new RegExp(`> nx run ${task}.*\\[remote cache\\]`));
    assert.equal(sha256(join(second.root, ARCHIVE)), sha256(join(first.root, ARCHIVE)));
    assert.equal(sha256(join(second.root, BINARY)), sha256(join(first.root, BINARY)));
    // Reads only: nothing was written by the second build.
    assert.deepEqual([...(await cache.stored()).keys()].sort(), [...stored.keys()].sort());
  });

  test('a build with the read-only token (a pull request) succeeds but stores nothing', async () => {
    const before = await cache.stored();
    const pr = workspace();
    // Another VERSION is another hash: a miss, built locally, then refused by the server. (The
    // platform packages do not depend on the version: they come from the remote cache.)
    const built = await runNx(pr.root, ['run', 'codebuff-cli:compile-linux-x64'], { ...remote(cache.tokens.read), VERSION: '9.9.9' });
    assert.equal(built.code, 0, built.output);
    assert.deepEqual(taskOutcome(built.output), { ran: ['codebuff-cli:compile-linux-x64'], cached: ['codebuff-cli:native-linux-x64'] });
    assert.deepEqual([...(await cache.stored()).keys()].sort(), [...before.keys()].sort());
    assert.ok(
      cache.logs.some((l) => /^PUT \S+ 403 .* read$/.test(l)),
      cache.logs.join('\n'),
    );
  });

  test('a wrong token stops the run with Nx\'s "Unauthorized" and the server\'s one-line reason', async () => {
    const stranger = workspace();
    const run = await runNx(stranger.root, ['run', 'codebuff-cli:compile-linux-x64'], remote('not-the-token-0123456789'));
    assert.notEqual(run.code, 0);
    assert.match(run.output, /Unauthorized: missing or unknown bearer token/);
    assert.equal(run.output.includes(cache.tokens.readWrite), false);
  });
});
