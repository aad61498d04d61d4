import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { FIXTURE_HOST_SKIP, FIXTURE_PROGRAM, makeFixtureRelease } from '../testing/fixture-release';
import { VERSION, useLauncherSuite } from '../testing/launcher-suite';
import { collect } from '../testing/run-launcher';

// A private mount namespace gives each run its own read-only or tiny file system, gone when it ends.
const canMount = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' }).status === 0;

describe('npm launcher: a cache it cannot write to', {
  skip: FIXTURE_HOST_SKIP || (!canMount && 'needs unshare -m and mount (root in a sandbox that allows mounts)'),
}, () => {
  const suite = useLauncherSuite();

  /** Runs the launcher with `mountDir` a fresh tmpfs mounted with `options`, under `shell` (limits). */
  function runWithMount(pkg: string, env: NodeJS.ProcessEnv, mountDir: string, options: string, limits = '') {
    mkdirSync(mountDir, { recursive: true });
    const script = `mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; shift 2; ${limits} exec "$@"`;
    const child = spawn(
      'unshare',
      ['-m', 'sh', '-c', script, 'sh', options, mountDir, process.execPath, join(pkg, 'bin', 'codebuff.js'), '--version'],
      {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    return collect(child, '', 60_000);
  }

  /** A release whose binary is `padding` bytes bigger than the fixture program (a comment). */
  async function paddedRelease(name: string, padding: Buffer) {
    const program = `${FIXTURE_PROGRAM}# ${padding.toString('base64')}\n`;
    const release = await makeFixtureRelease(join(suite.work, name), VERSION, program);
    return { release, base: pathToFileURL(join(release.root, VERSION)).href };
  }

  test('a read-only cache folder is named as read-only, with CODEBUFF_HOME as the way out', async () => {
    const { pkg, env } = suite.setup(suite.httpBase());
    const mount = join(suite.work, 'ro');
    const run = await runWithMount(pkg, { ...env, CODEBUFF_HOME: join(mount, 'cache') }, mount, 'ro');
    assert.notEqual(run.code, 0);
    assert.match(
      run.stderr,
      new RegExp(`error: cannot create ${join(mount, 'cache')}: the file system is read-only \\(EROFS\\); nothing was installed`),
    );
    assert.match(run.stderr, /to repair: set CODEBUFF_HOME to a folder you can write to/);
    assert.doesNotMatch(run.stderr, /ENOENT|network/);
  });

  test('a disk that fills up during the download says so, not "check the network"', async () => {
    const { release, base } = await paddedRelease('big-random', randomBytes(600_000));
    const { pkg, env } = suite.setup(base, release.manifest);
    const mount = join(suite.work, 'full-download');
    const run = await runWithMount(pkg, { ...env, CODEBUFF_HOME: mount }, mount, 'size=256k');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /error: cannot download into \S+: no space left on the device \(ENOSPC\); nothing was installed/);
    assert.match(
      run.stderr,
      /to repair: free some space on the disk that holds \S+ \(the download is \d+\.\d KiB and unpacks to more\), or set CODEBUFF_HOME/,
    );
    assert.doesNotMatch(run.stderr, /network|proxy/);
  });

  test('a disk that fills up while unpacking says so, not "the release is malformed"; nothing half-installed stays', async () => {
    const { release, base } = await paddedRelease('big-compressible', Buffer.alloc(3_000_000, 0));
    assert.ok(release.hostAsset.size < 100_000, 'the archive is small; the binary is not');
    const { pkg, env } = suite.setup(base, release.manifest);
    const mount = join(suite.work, 'full-unpack');
    const run = await runWithMount(pkg, { ...env, CODEBUFF_HOME: mount }, mount, 'size=1m', '');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /error: cannot unpack into \S+: no space left on the device \(ENOSPC\); nothing was installed/);
    assert.doesNotMatch(run.stderr, /malformed|report it/);
  });

  test('a file-size limit (ulimit -f) during the download is named, with how to raise it', async () => {
    const { release, base } = await paddedRelease('big-limit', randomBytes(600_000));
    const { pkg, env, home } = suite.setup(base, release.manifest);
    const mount = join(suite.work, 'limit');
    const run = await runWithMount(pkg, { ...env, CODEBUFF_HOME: home }, mount, 'size=64k', 'ulimit -f 400;');
    assert.notEqual(run.code, 0);
    assert.match(
      run.stderr,
      /error: cannot download into \S+: the file is larger than this process may write \(a file-size limit, ulimit -f\) \(EFBIG\)/,
    );
    assert.match(run.stderr, /to repair: raise the file-size limit \(ulimit -f unlimited\)/);
    assert.deepEqual(
      readdirSync(join(home, VERSION)).filter((n) => !n.startsWith('.')),
      [],
      'no binary, no stamp',
    );
  });
});
