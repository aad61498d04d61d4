import { FIXTURE_HOST_SKIP } from '../testing/fixture-release';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VERSION, useLauncherSuite } from '../testing/launcher-suite';
import { collect, launcherEnv, runLauncher, startLauncher, waitForOutput } from '../testing/run-launcher';
import { STAMP_FILE } from './install';

const LOCK = '.install.lock';

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(pid);
  return pid;
}

/** A lock as a launcher leaves it (token file hard-linked to the lock), last refreshed `ageMs` ago. */
function plantLock(versionDir: string, pid: number, ageMs = 0): string {
  mkdirSync(versionDir, { recursive: true });
  const token = 'feedfacecafebeef';
  const tokenFile = join(versionDir, `${LOCK}.${token}`);
  writeFileSync(tokenFile, JSON.stringify({ pid, host: hostname(), token }));
  linkSync(tokenFile, join(versionDir, LOCK));
  const when = new Date(Date.now() - ageMs);
  utimesSync(tokenFile, when, when);
  return join(versionDir, LOCK);
}

describe('npm launcher: the install lock', { skip: FIXTURE_HOST_SKIP }, () => {
  const suite = useLauncherSuite();

  async function sixFirstRuns(pkg: string, home: string) {
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => runLauncher(pkg, ['--version'], launcherEnv(home), undefined, undefined, 60_000)),
    );
    for (const run of runs) {
      assert.equal(run.stdout, `${VERSION}\n`, `a run failed: ${run.stderr}`);
      assert.equal(run.code, 0, run.stderr);
    }
    return runs;
  }

  test('a stale lock is taken over by one of six first runs at once, round after round', async () => {
    const { pkg } = suite.setup(suite.httpBase());
    for (let round = 0; round < 8; round++) {
      const home = join(suite.work, `stale-round-${round}`);
      const versionDir = join(home, VERSION);
      // Both forms a dead process leaves: this launcher's, and a bare pid (older launchers).
      if (round % 2 === 0) plantLock(versionDir, deadPid());
      else {
        mkdirSync(versionDir, { recursive: true });
        writeFileSync(join(versionDir, LOCK), String(deadPid()));
      }
      const before = suite.downloads();
      await sixFirstRuns(pkg, home);
      assert.equal(suite.downloads() - before, 1, `round ${round}: one download`);
      const left = readdirSync(versionDir).filter((name) => !name.startsWith(`${LOCK}.claim-`));
      assert.deepEqual(left.sort(), ['codebuff', STAMP_FILE].sort(), `round ${round}: nothing but the install is left`);
      assert.deepEqual(readFileSync(join(versionDir, 'codebuff')), suite.release.binary, 'the whole binary');
    }
  });

  test('Ctrl-C during a first run leaves a lock and a .part; the next six runs take it over and resume once', async () => {
    const { pkg, home, versionDir } = suite.setup(suite.httpBase());
    const file = readFileSync(join(suite.release.root, VERSION, suite.release.hostAsset.fileName));
    suite.server.intercept = (_req, res, path) => {
      if (!path.startsWith('/crawl/')) return false;
      res.writeHead(200, { 'content-length': String(file.length) });
      res.write(file.subarray(0, 100)); // then nothing, until the client goes
      return true;
    };
    try {
      const first = startLauncher(
        pkg,
        ['--version'],
        launcherEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${suite.server.origin}/crawl/${VERSION}` }),
      );
      const done = collect(first, undefined, 30_000);
      await waitForOutput(first, 'downloading');
      const part = join(versionDir, `.${suite.release.hostAsset.fileName}.part`);
      for (let i = 0; i < 200 && (statSync(part, { throwIfNoEntry: false })?.size ?? 0) < 100; i++) await sleep(50);
      first.kill('SIGINT');
      const interrupted = await done;
      assert.equal(interrupted.signal, 'SIGINT');
      assert.ok(existsSync(join(versionDir, LOCK)), 'the interrupted run left its lock');

      const before = suite.downloads();
      const runs = await sixFirstRuns(pkg, home);
      assert.equal(suite.downloads() - before, 1);
      assert.equal(suite.server.requests.at(-1)?.range, 'bytes=100-');
      assert.equal(runs.filter((r) => /resuming at 100 bytes/.test(r.stderr)).length, 1);
    } finally {
      suite.server.intercept = undefined;
    }
  });

  test('a lock whose pid is alive but was not refreshed for the stale time is taken over at once', async () => {
    const { pkg, env, versionDir } = suite.setup(suite.httpBase());
    // The pid of a live process (this test runner), as when the system has reused a dead holder's
    // pid; a bare pid, as older launchers wrote, is read too.
    mkdirSync(versionDir, { recursive: true });
    const lock = join(versionDir, LOCK);
    writeFileSync(lock, String(process.pid));
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    utimesSync(lock, hourAgo, hourAgo);
    const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 20_000);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${VERSION}\n`);
  });

  test('waiting for a live lock is said once on stderr; a lock nobody refreshes is taken over after the stale time', async () => {
    const { pkg, home, versionDir } = suite.setup(suite.httpBase());
    const lock = plantLock(versionDir, process.pid);
    const run = await runLauncher(pkg, ['--version'], launcherEnv(home, { CODEBUFF_LOCK_STALE_MS: '2000' }), undefined, undefined, 20_000);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${VERSION}\n`);
    const waits = run.stderr.split('\n').filter((line) => line.includes('waiting for'));
    assert.equal(waits.length, 1, run.stderr);
    assert.match(
      waits[0],
      new RegExp(
        `waiting for another codebuff process \\(pid ${process.pid}\\) that is installing into ${versionDir}; its lock ${lock} was refreshed \\d+ ms ago, and is taken over if not refreshed for 2s`,
      ),
    );
  });

  test('a live holder keeps its lock by refreshing it: a second run waits instead of downloading again', async () => {
    const { pkg, home } = suite.setup(suite.httpBase());
    const file = readFileSync(join(suite.release.root, VERSION, suite.release.hostAsset.fileName));
    let timer: NodeJS.Timeout | undefined;
    suite.server.intercept = (_req, res, path) => {
      if (!path.startsWith('/slow/')) return false;
      // The whole file in ~3 s: longer than the 1 s stale time, so only the heartbeat keeps the lock.
      res.writeHead(200, { 'content-length': String(file.length) });
      let sent = 0;
      const step = Math.ceil(file.length / 12);
      timer = setInterval(() => {
        res.write(file.subarray(sent, sent + step));
        sent += step;
        if (sent >= file.length) {
          clearInterval(timer);
          res.end();
        }
      }, 250);
      res.on('close', () => clearInterval(timer));
      return true;
    };
    try {
      const env = launcherEnv(home, {
        CODEBUFF_LOCK_STALE_MS: '1000',
        CODEBUFF_DOWNLOAD_BASE_URL: `${suite.server.origin}/slow/${VERSION}`,
        CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC: '0',
      });
      const holder = startLauncher(pkg, ['--version'], env);
      const holderDone = collect(holder, undefined, 30_000);
      await waitForOutput(holder, 'downloading');
      const waiter = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
      const held = await holderDone;
      assert.equal(held.code, 0, held.stderr);
      assert.equal(waiter.code, 0, waiter.stderr);
      assert.equal(waiter.stdout, `${VERSION}\n`);
      assert.match(waiter.stderr, /waiting for another codebuff process/);
      assert.doesNotMatch(waiter.stderr, /downloading/);
      assert.equal(suite.server.requests.filter((r) => r.path.startsWith('/slow/')).length, 1);
    } finally {
      clearInterval(timer);
      suite.server.intercept = undefined;
    }
  });
});
