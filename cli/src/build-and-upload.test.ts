import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { copyWorkspace, runCommand, taskOutcome, type TestWorkspace, WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import { planInvocation } from './build-and-upload';

test("the seed's three usages become Nx commands", () => {
  assert.deepEqual(planInvocation(['--version', '1.0.0', '--target', 'github', '--repo', 'o/r'], {}), {
    args: ['run', 'codebuff-cli:upload', '--destination=github', '--repo=o/r'],
    env: { VERSION: '1.0.0' },
  });
  assert.deepEqual(planInvocation(['--version', 'v1.0.0', '--target', 's3', '--bucket', 'my-bucket'], {}), {
    args: ['run', 'codebuff-cli:upload', '--destination=s3', '--bucket=my-bucket'],
    env: { VERSION: '1.0.0' },
  });
  assert.deepEqual(planInvocation(['--version', '1.0.0', '--local-only'], {}), {
    args: ['run-many', '--projects=codebuff-cli', '--targets=bundle', '--output-style=static'],
    env: { VERSION: '1.0.0' },
  });
  assert.deepEqual(planInvocation(['--local-only', '--platforms', 'linux-x64,win32-x64'], {}).valueOf(), {
    args: ['run-many', '--projects=codebuff-cli', '--targets=bundle-linux-x64,bundle-win32-x64', '--output-style=static'],
    env: {},
  });
});

test('--dry-run reaches the upload executor as --dry-run (Nx hands it on as dryRun)', () => {
  assert.deepEqual(planInvocation(['--version', '1.0.0', '--target', 's3', '--bucket', 'b', '--dry-run'], {}), {
    args: ['run', 'codebuff-cli:upload', '--destination=s3', '--bucket=b', '--dry-run'],
    env: { VERSION: '1.0.0' },
  });
  assert.throws(() => planInvocation(['--local-only', '--dry-run'], {}), /--dry-run previews an upload; --local-only uploads nothing/);
});

test('bad input is refused before anything runs', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--version', '1.0.0', '--bogus'], /Unknown option '--bogus'/],
    [['--version', 'one', '--local-only'], /invalid --version "one"/],
    [['--version', '1.0.0'], /say where to upload/],
    [['--target', 's3'], /--target=s3 needs --bucket/],
    [['--target', 'ftp'], /unknown upload target "ftp"/],
    [['--local-only', '--platforms', 'linux-x64,beos-x86'], /unknown platform "beos-x86"; valid platforms:/],
    [['--target', 'local', '--platforms', 'linux-x64'], /--platforms works only with --local-only/],
  ];
  for (const [argv, pattern] of cases) assert.throws(() => planInvocation(argv, {}), pattern);
});

test("release.config.json's upload settings are the defaults: its bucket needs no --bucket", () => {
  assert.deepEqual(planInvocation(['--version', '1.0.0', '--target', 's3'], {}, { s3: { bucket: 'from-config' } }), {
    args: ['run', 'codebuff-cli:upload', '--destination=s3'],
    env: { VERSION: '1.0.0' },
  });
  assert.throws(() => planInvocation(['--target', 's3'], {}, { s3: { prefix: 'codebuff' } }), /--target=s3 needs --bucket/);
});

let ws: TestWorkspace;
before(() => {
  ws = copyWorkspace();
});
after(() => ws.dispose());

for (const runtime of ['node', 'bun'] as const) {
  test(`runs under ${runtime}: --help, and a usage error exits 2 with one line`, async () => {
    const exe = runtime === 'node' ? process.execPath : join(WORKSPACE_ROOT, 'node_modules/.bin/bun');
    const help = await runCommand(exe, ['cli/build-and-upload.mjs', '--help'], { cwd: ws.root });
    assert.equal(help.code, 0, help.output);
    assert.match(help.stdout, /^Usage: build-and-upload.mjs --version/);
    const bad = await runCommand(exe, ['cli/build-and-upload.mjs', '--version', '1.0.0', '--target', 's3'], { cwd: ws.root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'build-and-upload: --target=s3 needs --bucket NAME (or upload.s3.bucket in release.config.json)\n');
  });
}

test('--local-only builds through the Nx graph and shares its cache', async () => {
  const bun = join(WORKSPACE_ROOT, 'node_modules/.bin/bun');
  const env = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', CI: 'true', FORCE_COLOR: '0' };
  const first = await runCommand(bun, ['cli/build-and-upload.mjs', '--version', '1.0.0', '--local-only', '--platforms', 'linux-x64'], {
    cwd: ws.root,
    env,
  });
  assert.equal(first.code, 0, first.output);
  assert.deepEqual(taskOutcome(first.output).ran, [
    'codebuff-cli:bundle-linux-x64',
    'codebuff-cli:compile-linux-x64',
    'codebuff-cli:native-linux-x64',
    'codebuff-cli:runtime-chunks-linux-x64',
  ]);
  assert.ok(existsSync(join(ws.root, 'dist/build/bundles/linux-x64/codebuff-linux-x64.tar.gz')));
  const second = await runCommand(process.execPath, ['cli/build-and-upload.mjs', '--local-only', '--platforms', 'linux-x64'], {
    cwd: ws.root,
    env,
  });
  assert.deepEqual(taskOutcome(second.output).cached, [
    'codebuff-cli:bundle-linux-x64',
    'codebuff-cli:compile-linux-x64',
    'codebuff-cli:native-linux-x64',
    'codebuff-cli:runtime-chunks-linux-x64',
  ]);
});
