/**
 * An upload that cannot succeed is refused by the plugin hook, through the real nx command on a
 * workspace copy with nothing built: one line, a non-zero exit, and no task run (no compile, no
 * bundle, nothing in dist/). Without the hook's check the whole build ran first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nxCommand } from '@codebuff/release/run-process';
import { CI_NX_ENV, copyWorkspace, runCommand, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';

let ws: TestWorkspace;

before(() => {
  ws = copyWorkspace('codebuff-refused-');
});
after(() => ws.dispose());

const TOKEN = 'ghp_refusedTokenThatMustNeverBePrinted';
const SECRET = 'wJalrXUtnFEMIrefusedSecretKey';
// Nothing from the caller's environment may decide these cases.
const clean = { GITHUB_TOKEN: '', GH_TOKEN: '', GITHUB_REPOSITORY: '', AWS_ACCESS_KEY_ID: 'AKIAREFUSED', AWS_SECRET_ACCESS_KEY: SECRET };

async function refused(args: string[], env: NodeJS.ProcessEnv, message: RegExp) {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:upload', ...args], { ...clean, ...env });
  const label = args.join(' ');
  assert.notEqual(run.code, 0, `${label}: refused\n${run.output}`);
  assert.match(run.output, message, label);
  // The message is the one line Nx prints for a failed hook; nothing else of ours.
  assert.equal(run.output.split('\n').filter((l) => message.test(l)).length, 1, label);
  assert.deepEqual(taskOutcome(run.output), { ran: [], cached: [] }, `${label}: no task ran`);
  assert.doesNotMatch(run.output, /compile-|bundle-/, label);
  assert.equal(existsSync(join(ws.root, 'dist')), false, `${label}: nothing built`);
  for (const secret of [TOKEN, SECRET, 'pa55word']) assert.equal(run.output.includes(secret), false, `${label}: no secret printed`);
}

test('without the daemon: every destination refuses what it lacks before any task runs', async () => {
  const daemonless = { NX_DAEMON: 'false' };
  await refused(['--target=s3'], daemonless, /--target=s3 needs --bucket NAME/);
  await refused(['--target=s3', '--bucket=s3://releases'], daemonless, /invalid S3 bucket name "s3:\/\/releases"/);
  await refused(
    ['--target=s3', '--bucket=releases', '--endpoint=http://user:pa55word@127.0.0.1:9'],
    daemonless,
    /invalid S3 endpoint: it must not contain a user name or password/,
  );
  await refused(['--target=s33'], daemonless, /unknown upload target "s33": expected github, s3, local/);
  // Without the daemon CI runs the plugin in Nx's own process; Nx's default puts it in a worker.
  await refused(['--target=s33'], { ...daemonless, NX_ISOLATE_PLUGINS: 'true' }, /unknown upload target "s33"/);
  await refused(['--', '--target=ftp'], daemonless, /unknown upload target "ftp"/);
  await refused(['--target=github'], daemonless, /--target=github needs --repo owner\/name/);
  await refused(
    ['--target=github', '--repo=acme/codebuff'],
    daemonless,
    /no GitHub token for acme\/codebuff: set GITHUB_TOKEN or GH_TOKEN/,
  );
  await refused(['--target=github', '--repo=not-a-repo'], { ...daemonless, GITHUB_TOKEN: TOKEN }, /invalid --repo "not-a-repo"/);
  // A local folder the next build would delete, or the workspace itself, however it is spelled.
  await refused(
    ['--target=local', '--dir=dist/release'],
    daemonless,
    /--dir dist\/release is inside dist\/release, which every build rewrites/,
  );
  await refused(['--target=local', '--dir=./dist/release/1.0.0'], daemonless, /--dir \.\/dist\/release\/1\.0\.0 is inside dist\/release/);
  await refused(['--target=local', `--dir=${join(ws.root, 'apps/../dist/build/x')}`], daemonless, /is inside dist\/build/);
  await refused(['--target=local', '--dir=apps/..'], daemonless, /--dir apps\/\.\. is the workspace itself/);
  await refused(['--target=local', '--dir='], daemonless, /--dir is empty/);
  symlinkSync(join(ws.root, 'dist-link-target'), join(ws.root, 'out'), 'dir');
  symlinkSync('dist', join(ws.root, 'dist-link-target'), 'dir');
  await refused(['--target=local', '--dir=out/release'], daemonless, /--dir out\/release is inside dist\/release/);
});

const canMount = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' }).status === 0;

test('a read-only --dir is refused as read-only before any task runs (not ENOENT after the build)', {
  skip: !canMount && 'needs unshare -m and mount',
}, async () => {
  const mount = mkdtempSync(join(tmpdir(), 'refused-ro-'));
  // nx in a mount namespace of its own, where `mount` is a read-only tmpfs.
  const shell = 'mount -t tmpfs -o ro tmpfs "$1" || exit 99; shift; exec "$@"';
  const [node, nx] = nxCommand(ws.root);
  const run = await runCommand(
    'unshare',
    ['-m', 'sh', '-c', shell, 'sh', mount, node, ...nx, 'run', 'codebuff-cli:upload', '--target=local', `--dir=${join(mount, 'releases')}`],
    {
      cwd: ws.root,
      env: { ...CI_NX_ENV, ...clean },
    },
  );
  assert.notEqual(run.code, 0, run.output);
  assert.match(
    run.output,
    new RegExp(
      `--dir ${join(mount, 'releases')} cannot be written: ${mount}: the file system is read-only \\(EROFS\\); upload into a folder you can write to`,
    ),
  );
  assert.deepEqual(taskOutcome(run.output), { ran: [], cached: [] }, 'no task ran');
  assert.equal(existsSync(join(ws.root, 'dist')), false, 'nothing built');
});

test('with the daemon: the same refusals, except what rests on GITHUB_* variables Nx withholds from it', async () => {
  const daemon = { NX_DAEMON: 'true' };
  await refused(['--target=s3'], daemon, /--target=s3 needs --bucket NAME/);
  await refused(['--target=s33'], daemon, /unknown upload target "s33"/);
  await refused(['--target=github', '--repo=not-a-repo'], daemon, /invalid --repo "not-a-repo"/);
  // GITHUB_REPOSITORY and GITHUB_TOKEN never reach the daemon: the hook must not refuse for their
  // absence. The upload task runs (alone here) and fails for the missing release instead.
  const run = await runNx(ws.root, ['run', 'codebuff-cli:upload', '--target=github', '--exclude-task-dependencies'], {
    ...clean,
    ...daemon,
    GITHUB_REPOSITORY: 'acme/codebuff',
    GITHUB_TOKEN: TOKEN,
  });
  assert.notEqual(run.code, 0);
  assert.deepEqual(taskOutcome(run.output).ran, ['codebuff-cli:upload'], run.output);
  assert.doesNotMatch(run.output, /needs --repo|no GitHub token/);
  assert.match(run.output, /manifest\.json/);
  assert.equal(run.output.includes(TOKEN), false);
});
