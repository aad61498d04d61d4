import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyWorkspace, runCommand, runNx, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

const SCRIPT = join(WORKSPACE_ROOT, 'tools/workflows/affected-base.mjs');
const ZEROS = '0'.repeat(40);

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function commit(cwd: string, file: string, text: string): string {
  writeFileSync(join(cwd, file), text);
  git(cwd, 'add', file);
  git(cwd, 'commit', '-qm', `change ${file}`);
  return git(cwd, 'rev-parse', 'HEAD');
}

/** Runs the script as the workflow does; returns what it wrote to $GITHUB_OUTPUT. */
async function affectedBase(cwd: string, env: NodeJS.ProcessEnv) {
  const output = join(mkdtempSync(join(tmpdir(), 'gh-output-')), 'output');
  writeFileSync(output, '');
  const result = await runCommand(process.execPath, [SCRIPT], {
    cwd,
    env: { GITHUB_OUTPUT: output, EVENT_NAME: '', BASE_REF: '', BEFORE: '', REF_NAME: '', DEFAULT_BRANCH: 'main', ...env },
  });
  const written = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=') as [string, string]),
  );
  rmSync(join(output, '..'), { recursive: true, force: true });
  return { ...result, base: written.base as string | undefined, head: written.head as string | undefined };
}

describe('affected-base.mjs: the base for nx affected on pull requests and pushes', () => {
  const root = mkdtempSync(join(tmpdir(), 'affected-base-'));
  const origin = join(root, 'origin');
  const clone = join(root, 'clone');
  let first: string;
  let second: string;

  before(() => {
    git(root, 'init', '-q', '-b', 'main', origin);
    first = commit(origin, 'a.txt', 'one');
    second = commit(origin, 'a.txt', 'two');
    git(root, 'clone', '-q', origin, clone);
    git(clone, 'checkout', '-q', '-b', 'feature');
    commit(clone, 'b.txt', 'feature work');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const head = () => git(clone, 'rev-parse', 'HEAD');

  test('pull request: origin/<base branch>', async () => {
    const r = await affectedBase(clone, { EVENT_NAME: 'pull_request', BASE_REF: 'main' });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual([r.base, r.head], ['origin/main', head()]);
  });

  test('push: the commit before the push', async () => {
    const r = await affectedBase(clone, { EVENT_NAME: 'push', BEFORE: first, REF_NAME: 'feature' });
    assert.deepEqual([r.base, r.head], [first, head()]);
  });

  test('first push of a branch (before is all zeros): the default branch', async () => {
    const r = await affectedBase(clone, { EVENT_NAME: 'push', BEFORE: ZEROS, REF_NAME: 'feature' });
    assert.deepEqual([r.base, r.head], ['origin/main', head()]);
    assert.match(r.stdout, /new branch: compared with main/);
  });

  test('push to the default branch with no usable before (zeros, or gone after a force-push): the parent commit', async () => {
    for (const before of [ZEROS, 'f'.repeat(40)]) {
      const r = await affectedBase(origin, { EVENT_NAME: 'push', BEFORE: before, REF_NAME: 'main' });
      assert.deepEqual([r.base, r.head], [first, second], r.output);
    }
  });

  test('the very first commit: no base, the workflow builds everything', async () => {
    const lone = join(root, 'lone');
    git(root, 'init', '-q', '-b', 'main', lone);
    const only = commit(lone, 'a.txt', 'only');
    const r = await affectedBase(lone, { EVENT_NAME: 'push', BEFORE: ZEROS, REF_NAME: 'main' });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual([r.base, r.head], ['', only]);
  });

  test('pull request in a shallow checkout: a clear error, exit 1', async () => {
    const shallow = join(root, 'shallow');
    git(root, 'clone', '-q', '--depth', '1', '--no-single-branch', `file://${clone}`, shallow);
    git(shallow, 'update-ref', '-d', 'refs/remotes/origin/main');
    const r = await affectedBase(shallow, { EVENT_NAME: 'pull_request', BASE_REF: 'main' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^affected-base: origin\/main is not in this checkout: check out with fetch-depth: 0\n$/);
    assert.equal(r.base, undefined);
  });

  test('with the real nx: a new branch that changes the CLI affects the CLI and not the release library', async () => {
    const ws = copyWorkspace('affected-base-ws-');
    try {
      git(ws.root, 'remote', 'add', 'origin', ws.root);
      git(ws.root, 'fetch', '-q', 'origin');
      git(ws.root, 'checkout', '-q', '-b', 'feature');
      appendFileSync(join(ws.root, 'apps/codebuff-cli/src/main.tsx'), '\n// a change\n');
      git(ws.root, 'commit', '-qam', 'change the CLI');
      const range = await affectedBase(ws.root, { EVENT_NAME: 'push', BEFORE: ZEROS, REF_NAME: 'feature' });
      assert.equal(range.base, 'origin/main', range.output);
      const shown = await runNx(ws.root, ['show', 'projects', '--affected', `--base=${range.base}`, `--head=${range.head}`, '--json']);
      assert.equal(shown.code, 0, shown.output);
      const affected = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('['))) as string[];
      assert.ok(affected.includes('codebuff-cli'), shown.stdout);
      assert.equal(affected.includes('release'), false, shown.stdout);
    } finally {
      ws.dispose();
    }
  });
});
