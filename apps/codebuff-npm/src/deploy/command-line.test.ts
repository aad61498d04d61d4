import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

function run(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', script), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--help documents every option of both scripts', () => {
  const deploy = run('deploy.mjs', ['--help']);
  assert.equal(deploy.code, 0);
  for (const option of ['--github', '--s3-base', '--base-url', '--registry', '--tag', '--dry-run'])
    assert.ok(deploy.stdout.includes(option), option);
  const local = run('deploy-local.mjs', ['--help']);
  assert.equal(local.code, 0);
  for (const option of ['--no-build', '--prefix']) assert.ok(local.stdout.includes(option), option);
});

test('bad input is one line on stderr and a non-zero exit, before any work', () => {
  const cases: [string, string[], RegExp][] = [
    ['deploy.mjs', [], /^deploy: missing <version> \(see --help\)\n$/],
    ['deploy.mjs', ['1.0.0', '--github', 'a/b', '--verify'], /^deploy: Unknown option '--verify'\n$/],
    ['deploy.mjs', ['1.0', '--github', 'a/b'], /^deploy: invalid version "1\.0": expected semver/],
    ['deploy.mjs', ['1.0.0'], /^deploy: where are the uploaded binaries\?/],
    ['deploy.mjs', ['1.0.0', '--github', 'a/b', '--registry', 'ftp://x'], /^deploy: invalid --registry "ftp:\/\/x"/],
    ['deploy.mjs', ['1.0.0', '--github', 'a/b', 'extra'], /^deploy: unexpected argument "extra"/],
    [
      'deploy.mjs',
      ['0.0.1-nothing-here', '--base-url', 'file:///nonexistent-codebuff-dir'],
      /^deploy: no local dist\/release\/0\.0\.1-nothing-here\/manifest\.json and none at file:\/\/\/nonexistent-codebuff-dir\/0\.0\.1-nothing-here\/manifest\.json/,
    ],
    ['deploy-local.mjs', ['v1.x'], /^deploy-local: invalid version "v1\.x"/],
    [
      'deploy-local.mjs',
      ['0.0.1-nothing-here', '--no-build'],
      /^deploy-local: no build of 0\.0\.1-nothing-here in .*: run without --no-build\n$/,
    ],
    ['deploy-local.mjs', ['1.0.0', '--prefix'], /^deploy-local: Option '--prefix <value>' argument missing/],
  ];
  for (const [script, args, expected] of cases) {
    const result = run(script, args);
    assert.equal(result.code, 1, `${script} ${args.join(' ')}`);
    assert.match(result.stderr, expected, `${script} ${args.join(' ')}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.equal(result.stdout, '');
  }
});
