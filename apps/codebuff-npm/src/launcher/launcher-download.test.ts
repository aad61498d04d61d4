import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { sha256File } from '@codebuff/release/checksums';
import { HOST_PLATFORM, FIXTURE_HOST_SKIP } from '../testing/fixture-release';
import { VERSION, useLauncherSuite } from '../testing/launcher-suite';
import { collect, launcherEnv, runLauncher } from '../testing/run-launcher';

/** util-linux `script` gives the launcher a real terminal (a pty) for the progress line. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux') ?? false;

describe('npm launcher: downloads', { skip: FIXTURE_HOST_SKIP }, () => {
  const suite = useLauncherSuite();
  const assetFile = () => readFileSync(join(suite.release.root, VERSION, suite.release.hostAsset.fileName));
  const drips = new Set<NodeJS.Timeout>();

  /** Answers `prefix` requests with the right length, then one byte every 100 ms (10 bytes/s). */
  function crawl(prefix: string): void {
    const file = assetFile();
    suite.server.intercept = (req, res, path) => {
      if (!path.startsWith(prefix)) return false;
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, {
        'content-length': String(file.length - start),
        ...(start ? { 'content-range': `bytes ${start}-${file.length - 1}/${file.length}` } : {}),
      });
      drip(res, file.subarray(start));
      return true;
    };
  }

  function drip(res: ServerResponse, bytes: Buffer): void {
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < bytes.length) res.write(bytes.subarray(sent, ++sent));
    }, 100);
    drips.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      drips.delete(timer);
    });
  }

  function stopCrawling(): void {
    suite.server.intercept = undefined;
    for (const timer of drips) clearInterval(timer);
    drips.clear();
  }

  test('a crawling mirror is dropped under the minimum speed, retried, and given up with one error line', async () => {
    const { pkg, home, versionDir } = suite.setup(`${suite.server.origin}/crawl-speed/${VERSION}`);
    crawl('/crawl-speed/');
    try {
      const env = launcherEnv(home, { CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC: '1000', CODEBUFF_DOWNLOAD_LOW_SPEED_MS: '500' });
      const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.equal((run.stderr.match(/^codebuff: error:/gm) ?? []).length, 1, run.stderr);
      assert.match(
        run.stderr,
        /error: could not download .* failed after 4 attempts: .* is too slow: \d+ bytes in \d+ ms, under 1000 bytes\/s \(CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC\)/,
      );
      assert.equal((run.stderr.match(/is too slow.*; retrying/g) ?? []).length, 3);
      assert.ok(!existsSync(join(versionDir, 'codebuff')));
    } finally {
      stopCrawling();
    }
  });

  test('the total deadline ends a download that never stops trickling, in the launcher and in postinstall', async () => {
    const { pkg, home } = suite.setup(`${suite.server.origin}/crawl-deadline/${VERSION}`);
    crawl('/crawl-deadline/');
    try {
      // Minimum speed off: only the deadline can end this.
      const env = launcherEnv(home, { CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC: '0', CODEBUFF_DOWNLOAD_DEADLINE_MS: '2000' });
      const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /error: could not download codebuff 9\.9\.9 .*: gave up after 2s \(CODEBUFF_DOWNLOAD_DEADLINE_MS\)\n/);
      assert.doesNotMatch(run.stderr, /retrying/);

      const install = await runLauncher(pkg, [], env, undefined, 'postinstall.js', 30_000);
      assert.equal(install.code, 0, 'npm install ends, and succeeds');
      assert.match(install.stderr, /gave up after 2s/);
    } finally {
      stopCrawling();
    }
  });

  test('on a terminal a progress line is redrawn while downloading; piped stderr gets no progress line', {
    skip: !hasScript && 'needs util-linux script for a pty',
  }, async () => {
    const file = assetFile();
    suite.server.intercept = (_req, res, path) => {
      if (!path.startsWith('/halves/')) return false;
      const half = Math.floor(file.length / 2);
      res.writeHead(200, { 'content-length': String(file.length) });
      res.write(file.subarray(0, half));
      setTimeout(() => res.end(file.subarray(half)), 600);
      return true;
    };
    try {
      const tty = suite.setup(`${suite.server.origin}/halves/${VERSION}`);
      const command = `${process.execPath} ${join(tty.pkg, 'bin', 'codebuff.js')} --version`;
      const viaPty = await collect(
        spawn('script', ['-qfec', command, '/dev/null'], { env: tty.env, stdio: ['pipe', 'pipe', 'pipe'] }),
        undefined,
        30_000,
      );
      assert.equal(viaPty.code, 0, viaPty.stdout + viaPty.stderr);
      assert.match(viaPty.stdout, /\r\x1b\[Kcodebuff: \d+\.\d KiB \/ \d+\.\d KiB {2}\d+%/);
      assert.match(viaPty.stdout, /\r\x1b\[K9\.9\.9\r?\n/, 'the progress line is cleared before the program runs');

      const piped = suite.setup(`${suite.server.origin}/halves/${VERSION}`);
      const run = await runLauncher(piped.pkg, ['--version'], piped.env, undefined, undefined, 30_000);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /[\r\x1b]|iB \/ /);
    } finally {
      suite.server.intercept = undefined;
    }
  });

  test('a .part that is a symlink is refused, and nothing is written to its target', async () => {
    const { pkg, env, versionDir } = suite.setup(suite.httpBase());
    mkdirSync(versionDir, { recursive: true });
    const target = join(suite.work, 'precious-file');
    writeFileSync(target, 'precious');
    const part = join(versionDir, `.${suite.release.hostAsset.fileName}.part`);
    symlinkSync(target, part);
    const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`error: ${part} is a symbolic link; refusing to write the download through it`));
    assert.match(run.stderr, /to repair: delete it/);
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.ok(!existsSync(join(versionDir, 'codebuff')));
  });

  test('a Content-Length other than the manifest size is refused before a byte is read, without blaming the network', async () => {
    const { pkg, env, versionDir } = suite.setup(`${suite.server.origin}/bigger/${VERSION}`);
    const size = suite.release.hostAsset.size;
    suite.server.intercept = (_req, res, path) => {
      if (!path.startsWith('/bigger/')) return false;
      res.writeHead(200, { 'content-length': String(size + 1_000_000) });
      res.write(Buffer.alloc(1000, 1)); // and the rest never comes: only the header can end this quickly
      return true;
    };
    try {
      const before = suite.server.requests.length;
      const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 20_000);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        new RegExp(
          `error: ${suite.release.hostAsset.fileName} at .*/bigger/.* is not the file this package was published with: the server announces ${size + 1_000_000} bytes, the release manifest says ${size}; nothing was downloaded`,
        ),
      );
      assert.doesNotMatch(run.stderr, /network|retrying/);
      assert.equal(suite.server.requests.length - before, 1, 'not retried');
      assert.deepEqual(readdirSync(versionDir), [], 'no .part was started');
    } finally {
      suite.server.intercept = undefined;
    }
  });

  test('"resuming" is said only when the .part is really continued', async () => {
    const file = assetFile();
    // A .part longer than the asset is discarded.
    const long = suite.setup(suite.httpBase());
    mkdirSync(long.versionDir, { recursive: true });
    writeFileSync(join(long.versionDir, `.${suite.release.hostAsset.fileName}.part`), Buffer.alloc(file.length + 10));
    const discarded = await runLauncher(long.pkg, ['--version'], long.env, undefined, undefined, 30_000);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.doesNotMatch(discarded.stderr, /resuming/);

    // A server that ignores Range answers 200 with the whole file: the .part starts over.
    const ignored = suite.setup(`${suite.server.origin}/no-range/${VERSION}`);
    suite.server.intercept = (_req, res, path) => {
      if (!path.startsWith('/no-range/')) return false;
      res.writeHead(200, { 'content-length': String(file.length) }).end(file);
      return true;
    };
    try {
      mkdirSync(ignored.versionDir, { recursive: true });
      writeFileSync(join(ignored.versionDir, `.${suite.release.hostAsset.fileName}.part`), file.subarray(0, 100));
      const restarted = await runLauncher(ignored.pkg, ['--version'], ignored.env, undefined, undefined, 30_000);
      assert.equal(restarted.code, 0, restarted.stderr);
      assert.equal(suite.server.requests.at(-1)?.range, 'bytes=100-', 'it asked to resume');
      assert.doesNotMatch(restarted.stderr, /resuming/);
    } finally {
      suite.server.intercept = undefined;
    }
  });

  test('an archive the launcher cannot unpack is named, with the repair step', async () => {
    // A "zip" that is not one, published with its real size and sha256: only the unpacker can refuse it.
    const root = join(suite.work, 'bad-zip');
    mkdirSync(join(root, VERSION), { recursive: true });
    const fileName = `codebuff-${HOST_PLATFORM}.zip`;
    const path = join(root, VERSION, fileName);
    writeFileSync(path, Buffer.from('PK\x03\x04 this is not really a zip archive '.repeat(20)));
    const asset = {
      platform: HOST_PLATFORM,
      fileName,
      archive: 'zip' as const,
      binaryName: 'codebuff',
      size: statSync(path).size,
      sha256: await sha256File(path),
    };
    const manifest = { ...suite.release.manifest, assets: [asset] };
    const { pkg, env, versionDir } = suite.setup(`${pathToFileURL(root).href}/${VERSION}`, manifest);
    const run = await runLauncher(pkg, ['--version'], env, undefined, undefined, 30_000);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`error: could not unpack ${fileName} \\(sha256 as published\\): .+; nothing was installed\\n`));
    assert.match(run.stderr, /to repair: run `npm rebuild -g codebuff`.*; if it fails again, the release itself is malformed: report it/);
    assert.ok(!existsSync(join(versionDir, 'codebuff')));
  });
});
