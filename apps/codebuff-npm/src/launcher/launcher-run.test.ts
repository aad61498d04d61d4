import { FIXTURE_HOST_SKIP } from '../testing/fixture-release';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VERSION, useLauncherSuite } from '../testing/launcher-suite';
import { collect, runLauncher, waitForOutput } from '../testing/run-launcher';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux') ?? false;

describe('npm launcher: running the binary', { skip: FIXTURE_HOST_SKIP }, () => {
  const suite = useLauncherSuite();

  test('a cached binary that lost its exec bit is repaired by a run and by postinstall (npm rebuild), without a download', async () => {
    const { pkg, env, versionDir } = suite.setup(suite.httpBase());
    assert.equal((await runLauncher(pkg, ['--version'], env)).code, 0);
    const binary = join(versionDir, 'codebuff');
    const before = suite.downloads();

    chmodSync(binary, 0o644);
    const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${VERSION}\n`);
    assert.equal(statSync(binary).mode & 0o777, 0o755);

    chmodSync(binary, 0o600);
    const rebuild = await runLauncher(pkg, [], env, undefined, 'postinstall.js', 30_000);
    assert.equal(rebuild.code, 0);
    assert.match(rebuild.stderr, /installed .*codebuff/);
    assert.equal(statSync(binary).mode & 0o777, 0o755);
    assert.equal((await runLauncher(pkg, ['--version'], env)).stdout, `${VERSION}\n`);
    assert.equal(suite.downloads() - before, 0, 'the bytes were fine: nothing downloaded again');
  });

  test('SIGINT sent to the launcher pid alone (a supervisor, an IDE) reaches the program', async () => {
    const { pkg, env } = suite.setup(suite.httpBase());
    assert.equal((await runLauncher(pkg, ['--version'], env)).code, 0);
    // detached: a session of its own, no controlling terminal, as under a supervisor.
    const child = spawn(process.execPath, [join(pkg, 'bin', 'codebuff.js'), 'wait-int'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const done = collect(child, undefined, 30_000);
    await waitForOutput(child, 'ready');
    child.kill('SIGINT');
    const run = await done;
    assert.equal(run.stdout, 'ready\ngot-int 1\n', run.stderr);
    assert.equal(run.code, 43);
  });

  test('Ctrl-C in a terminal reaches the program once, not twice', {
    skip: !hasScript && 'needs util-linux script for a pty',
  }, async () => {
    const { pkg, env } = suite.setup(suite.httpBase());
    assert.equal((await runLauncher(pkg, ['--version'], env)).code, 0);
    const command = `${process.execPath} ${join(pkg, 'bin', 'codebuff.js')} wait-int`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const done = collect(terminal, null, 30_000); // stdin stays open: it is what we type into the pty
    await waitForOutput(terminal, 'ready');
    terminal.stdin?.write('\x03'); // the terminal's interrupt character: SIGINT to the foreground group
    const run = await done;
    terminal.stdin?.end();
    // The program counts for a second after the first SIGINT before it exits.
    assert.match(run.stdout, /got-int 1/);
    assert.doesNotMatch(run.stdout, /got-int 2/);
  });
});
