/**
 * Nx's daemon as a developer runs it, on a workspace copy: the plugin in the daemon's own process
 * (the workspace's .env sets NX_ISOLATE_PLUGINS=false), one daemon across commands. What one
 * command's hook sets must not reach the next command, and an edit to the plugin must reach the
 * very next command (tools/executors/README.md, "Plugin isolation").
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';

const DAEMON = { NX_DAEMON: 'true' };
let ws: TestWorkspace;

before(() => {
  ws = copyWorkspace('codebuff-daemon-');
});
after(() => ws.dispose());

const daemonLog = () => readFileSync(join(ws.root, '.nx/workspace-data/d/daemon.log'), 'utf8');
/** How many daemons have started in this workspace, from the daemon's own log. */
const daemonStarts = () => daemonLog().match(/Started listening on/g)?.length ?? 0;
/** How many times the daemon recomputed the graph because the hook's variables were still in its environment. */
const recomputesForHookVariables = () =>
  daemonLog().match(/Graph recompute necessary due to env variable refresh\. Changed keys: .*CODEBUFF_/g)?.length ?? 0;

async function nx(args: string[]) {
  const run = await runNx(ws.root, args, DAEMON);
  return { ...run, outcome: taskOutcome(run.output) };
}

const binaryVersion = () => execFileSync(join(ws.root, 'dist/build/bin/linux-x64/codebuff'), ['--version'], { encoding: 'utf8' });

test('.env keeps the plugin in Nx’s process', () => {
  assert.match(readFileSync(join(ws.root, '.env'), 'utf8'), /^NX_ISOLATE_PLUGINS=false$/m);
});

test('one daemon, three commands: a --version reaches its own command’s hash and binary, not the next command’s', async () => {
  const v2 = await nx(['run', 'codebuff-cli:compile-linux-x64', '--version=2.0.0']);
  assert.equal(v2.code, 0, v2.output);
  assert.deepEqual(v2.outcome.ran, ['codebuff-cli:compile-linux-x64', 'codebuff-cli:native-linux-x64']);
  assert.equal(binaryVersion(), '2.0.0\n');
  const started = daemonStarts();
  const recomputes = recomputesForHookVariables();

  const plain = await nx(['run', 'codebuff-cli:compile-linux-x64']);
  assert.equal(plain.code, 0, plain.output);
  assert.deepEqual(plain.outcome.ran, ['codebuff-cli:compile-linux-x64'], 'no VERSION: another hash, compiled again');
  assert.equal(binaryVersion(), '1.0.0\n', 'the VERSION the previous command set is gone');

  const again = await nx(['run', 'codebuff-cli:compile-linux-x64', '--version=2.0.0']);
  assert.deepEqual(again.outcome.cached, ['codebuff-cli:compile-linux-x64', 'codebuff-cli:native-linux-x64'], again.output);
  assert.equal(binaryVersion(), '2.0.0\n');
  assert.equal(daemonStarts(), started, 'the same daemon served all three');
  // The hook's variables were put back after each command (postTasksExecution), so the next one's
  // environment matched the daemon's and the graph stayed as computed.
  assert.equal(recomputesForHookVariables(), recomputes, 'no graph recomputed for the hook variables');
});

test('an edit to the plugin’s sources reaches the next command of a running daemon', async () => {
  const noop = await nx(['run', 'codebuff-cli:compile-linux-x64']);
  assert.equal(noop.code, 0, noop.output);
  const started = daemonStarts();
  // The hook's check of --version, through libs/release (bundled into the plugin's build).
  const file = join(ws.root, 'libs/release/src/version.ts');
  const source = readFileSync(file, 'utf8');
  assert.match(source, /expected semver such as/);
  writeFileSync(file, source.replace('expected semver such as', 'expected a semver version such as'));
  try {
    const bad = await nx(['run', 'codebuff-cli:compile-linux-x64', '--version=latest']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /invalid --version "latest": expected a semver version such as 1\.2\.3/, bad.output);
    assert.deepEqual(bad.outcome, { ran: [], cached: [] });
    assert.equal(daemonStarts(), started, 'the daemon that had loaded the plugin before the edit answered');
  } finally {
    writeFileSync(file, source);
  }
});
