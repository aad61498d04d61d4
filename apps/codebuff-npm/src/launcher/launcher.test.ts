import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ReleaseManifest } from '@codebuff/release/manifest';
import { type FileServer, startFileServer } from '../testing/file-server';
import {
  type FixtureRelease,
  HOST_PLATFORM,
  buildLauncherInto,
  makeFixtureRelease,
  stageFixturePackage,
  FIXTURE_HOST_SKIP,
} from '../testing/fixture-release';
import { collect, launcherEnv, runLauncher, startLauncher } from '../testing/run-launcher';
import { STAMP_FILE } from './install';

const VERSION = '9.9.9';

describe('npm launcher', { skip: FIXTURE_HOST_SKIP }, () => {
  let work: string;
  let launcherDir: string;
  let release: FixtureRelease;
  let server: FileServer;
  const cleanups: (() => void)[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'launcher-test-'));
    launcherDir = join(work, 'launcher');
    await buildLauncherInto(launcherDir);
    release = await makeFixtureRelease(join(work, 'release'), VERSION);
    server = await startFileServer(release.root);
  });

  after(async () => {
    await server?.close();
    for (const cleanup of cleanups) cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** A staged package for `baseUrl` and an empty cache dir. */
  function setup(baseUrl: string, manifest: ReleaseManifest = release.manifest) {
    const staged = stageFixturePackage(manifest, baseUrl, launcherDir);
    cleanups.push(staged.dispose);
    const home = mkdtempSync(join(work, 'home-'));
    return { pkg: staged.dir, home, versionDir: join(home, VERSION), env: launcherEnv(home) };
  }

  const httpBase = () => `${server.origin}/${VERSION}`;
  const assetPath = () => `/${VERSION}/${release.hostAsset.fileName}`;
  const downloads = (path = assetPath()) => server.requests.filter((r) => r.path === path).length;

  test('first run downloads through a 302 redirect, verifies, runs; the second run needs no network', async () => {
    const { pkg, env, versionDir } = setup(`${server.origin}/redirect/${VERSION}`);
    const first = await runLauncher(pkg, ['--version'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `${VERSION}\n`);
    assert.match(first.stderr, /downloading codebuff-.*\.tar\.gz/);
    assert.ok(server.requests.some((r) => r.path === `/redirect/${VERSION}/${release.hostAsset.fileName}`));
    assert.match(server.requests.at(-1)?.userAgent ?? '', /^codebuff-launcher\/9\.9\.9 node\//);
    const stamp = JSON.parse(readFileSync(join(versionDir, STAMP_FILE), 'utf8'));
    assert.equal(stamp.assetSha256, release.hostAsset.sha256);
    assert.deepEqual(readdirSync(versionDir).sort(), ['codebuff', STAMP_FILE].sort());

    // Offline: the whole release location is gone.
    const offline = stageFixturePackage(release.manifest, 'http://127.0.0.1:9/nothing-listens-here', launcherDir);
    cleanups.push(offline.dispose);
    const before = server.requests.length;
    const second = await runLauncher(offline.dir, ['--version'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `${VERSION}\n`);
    assert.equal(second.stderr, '');
    assert.equal(server.requests.length, before);
  });

  test('passes arguments, stdin, stdout and the exit code through', async () => {
    const { pkg, env } = setup(httpBase());
    const cat = await runLauncher(pkg, ['cat'], env, 'line one\nline two\n');
    assert.equal(cat.stdout, 'line one\nline two\n');
    assert.equal(cat.code, 7);
    const args = await runLauncher(pkg, ['args', 'two words', '--flag=x', '', '"quoted"', '$HOME'], env);
    assert.equal(args.stdout, '[two words]\n[--flag=x]\n[]\n["quoted"]\n[$HOME]\n');
    assert.equal(args.code, 0);
  });

  test('forwards SIGTERM to the program and dies of the signal that killed the program', async () => {
    const { pkg, env } = setup(httpBase());
    assert.equal((await runLauncher(pkg, ['--version'], env)).code, 0);

    const child = startLauncher(pkg, ['wait-term'], env);
    const done = collect(child);
    await new Promise<void>((resolve) => child.stdout?.on('data', (c: Buffer) => String(c).includes('ready') && resolve()));
    child.kill('SIGTERM');
    const termed = await done;
    assert.equal(termed.stdout, 'ready\ngot-term\n');
    assert.equal(termed.code, 42);

    const killed = await runLauncher(pkg, ['die'], env);
    assert.equal(killed.stdout, 'dying\n');
    assert.equal(killed.signal, 'SIGKILL');
  });

  test('a checksum mismatch is a clear error and leaves nothing installed', async () => {
    const { pkg, env, versionDir } = setup(`${server.origin}/tampered`);
    // Same size, different bytes: only the sha256 can tell.
    const good = readFileSync(join(release.root, VERSION, release.hostAsset.fileName));
    const bad = Buffer.from(good);
    bad[bad.length - 20] ^= 0xff;
    server.intercept = (_req, res, path) => {
      if (!path.startsWith('/tampered/')) return false;
      res.writeHead(200, { 'content-length': String(bad.length) }).end(bad);
      return true;
    };
    try {
      const run = await runLauncher(pkg, ['--version'], env);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`checksum mismatch for ${release.hostAsset.fileName} from ${server.origin}/tampered/`));
      assert.match(run.stderr, new RegExp(`the release manifest says ${release.hostAsset.sha256}`));
      assert.match(run.stderr, /to repair: run `npm rebuild -g codebuff`/);
      assert.deepEqual(readdirSync(versionDir), [], 'no binary, no stamp, no .part, no staging dir');
    } finally {
      server.intercept = undefined;
    }
  });

  test('a body longer than the manifest says is cut off and refused', async () => {
    const { pkg, env, versionDir } = setup(`${server.origin}/long`);
    server.intercept = (_req, res, path) => {
      if (!path.startsWith('/long/')) return false;
      res.writeHead(200).end(Buffer.alloc(release.hostAsset.size + 4096, 1));
      return true;
    };
    try {
      const run = await runLauncher(pkg, ['--version'], env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /sent more than the expected \d+ bytes/);
      assert.ok(!existsSync(join(versionDir, 'codebuff')));
    } finally {
      server.intercept = undefined;
    }
  });

  test('an unsupported platform names the supported ones', async () => {
    const manifest = { ...release.manifest, assets: release.manifest.assets.filter((a) => a.platform !== HOST_PLATFORM) };
    const { pkg, env, home } = setup(httpBase(), manifest);
    const run = await runLauncher(pkg, ['--version'], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`has no binary for this platform \\(${HOST_PLATFORM}\\); supported platforms: plan9-mips`));
    assert.deepEqual(readdirSync(home), []);
  });

  test('a missing asset and an unreachable server say what was tried; nothing is installed', async () => {
    const missing = setup(`${server.origin}/no-such-dir`);
    const notFound = await runLauncher(missing.pkg, ['--version'], missing.env);
    assert.equal(notFound.code, 1);
    assert.match(
      notFound.stderr,
      /could not download codebuff 9\.9\.9 for .* from http:\/\/127\.0\.0\.1:\d+\/no-such-dir\/codebuff-.*: .* is not at that location/,
    );
    assert.match(notFound.stderr, /check the network and proxy settings/);
    assert.ok(!existsSync(join(missing.versionDir, 'codebuff')));

    const closed = await startFileServer(release.root);
    await closed.close();
    const refused = setup(`${closed.origin}/${VERSION}`);
    const started = Date.now();
    const run = await runLauncher(refused.pkg, ['--version'], refused.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /failed after 4 attempts: .*ECONNREFUSED/);
    assert.equal((run.stderr.match(/retrying/g) ?? []).length, 3);
    assert.ok(Date.now() - started >= 3000, 'backs off between attempts (0.5 + 1 + 2 s)');
    assert.ok(!existsSync(join(refused.versionDir, 'codebuff')));
  });

  test('a stalled transfer times out, and the retry resumes the .part with a Range request', async () => {
    const { pkg, home } = setup(`${server.origin}/stall`);
    const env = launcherEnv(home, { CODEBUFF_DOWNLOAD_TIMEOUT_MS: '400' });
    const file = readFileSync(join(release.root, VERSION, release.hostAsset.fileName));
    const half = Math.floor(file.length / 2);
    let calls = 0;
    server.intercept = (req, res, path) => {
      if (!path.startsWith('/stall/')) return false;
      calls++;
      if (calls === 1) {
        // Half the body, then silence: the socket timeout must fire.
        res.writeHead(200, { 'content-length': String(file.length) });
        res.write(file.subarray(0, half));
        return true;
      }
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, {
        'content-length': String(file.length - start),
        ...(start ? { 'content-range': `bytes ${start}-${file.length - 1}/${file.length}` } : {}),
      });
      res.end(file.subarray(start));
      return true;
    };
    try {
      const run = await runLauncher(pkg, ['--version'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${VERSION}\n`);
      assert.match(run.stderr, /attempt 1 failed \(no data from .* for 400 ms\); retrying/);
      const stalled = server.requests.filter((r) => r.path.startsWith('/stall/'));
      assert.equal(stalled.length, 2);
      assert.equal(stalled[1].range, `bytes=${half}-`);
    } finally {
      server.intercept = undefined;
    }
  });

  test('a .part left by an interrupted run is resumed', async () => {
    const { pkg, env, versionDir } = setup(httpBase());
    const file = readFileSync(join(release.root, VERSION, release.hostAsset.fileName));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(versionDir, { recursive: true });
    writeFileSync(join(versionDir, `.${release.hostAsset.fileName}.part`), file.subarray(0, 100));
    const run = await runLauncher(pkg, ['--version'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /resuming at 100 bytes/);
    assert.equal(server.requests.at(-1)?.range, 'bytes=100-');
  });

  test('concurrent first runs download once', async () => {
    const { pkg, env } = setup(httpBase());
    const before = downloads();
    const runs = await Promise.all([1, 2, 3].map(() => runLauncher(pkg, ['--version'], env)));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${VERSION}\n`);
    }
    assert.equal(downloads() - before, 1);
  });

  test('file:// release locations work and report a missing file', async () => {
    const { pkg, env } = setup(`${pathToFileURL(release.root).href}/${VERSION}`);
    const run = await runLauncher(pkg, ['--version'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${VERSION}\n`);
    const missing = setup(`${pathToFileURL(join(release.root, 'nope')).href}`);
    const failed = await runLauncher(missing.pkg, ['--version'], missing.env);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /not at that location/);
  });

  test('CODEBUFF_DOWNLOAD_BASE_URL points the download at a mirror', async () => {
    const { pkg, home } = setup('http://127.0.0.1:9/unreachable');
    const env = launcherEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/mirror/${VERSION}` });
    server.intercept = (_req, res, path) => {
      if (!path.startsWith('/mirror/')) return false;
      res.writeHead(200).end(readFileSync(join(release.root, path.slice('/mirror/'.length))));
      return true;
    };
    try {
      const run = await runLauncher(pkg, ['--version'], env);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(server.requests.some((r) => r.path === `/mirror/${VERSION}/${release.hostAsset.fileName}`));
    } finally {
      server.intercept = undefined;
    }
  });

  test('postinstall installs, never fails the install, and repairs a damaged binary', async () => {
    const down = setup(`${server.origin}/no-such-dir`);
    const offline = await runLauncher(down.pkg, [], down.env, undefined, 'postinstall.js');
    assert.equal(offline.code, 0, 'a failed download does not fail the install');
    assert.match(offline.stderr, /could not download .*\n.*to repair.*\n.*will try to download its binary again on first run/);

    const skipped = await runLauncher(down.pkg, [], { ...down.env, CODEBUFF_SKIP_DOWNLOAD: '1' }, undefined, 'postinstall.js');
    assert.equal(skipped.code, 0);
    assert.match(skipped.stderr, /CODEBUFF_SKIP_DOWNLOAD/);

    const { pkg, env, versionDir } = setup(httpBase());
    const installed = await runLauncher(pkg, [], env, undefined, 'postinstall.js');
    assert.equal(installed.code, 0);
    assert.match(installed.stderr, /installed .*codebuff/);
    const binary = join(versionDir, 'codebuff');
    const original = readFileSync(binary);

    // Same size, different bytes: a run does not notice (it only stats), a rebuild re-hashes.
    const damaged = Buffer.from(original);
    damaged[10] ^= 0xff;
    writeFileSync(binary, damaged);
    const before = downloads();
    const repaired = await runLauncher(pkg, [], env, undefined, 'postinstall.js');
    assert.equal(repaired.code, 0);
    assert.equal(downloads() - before, 1);
    assert.deepEqual(readFileSync(binary), original);

    const again = await runLauncher(pkg, [], env, undefined, 'postinstall.js');
    assert.equal(again.code, 0);
    assert.equal(downloads() - before, 1, 'an intact install is not downloaded again');
  });

  test('a package for a rebuilt release (new sha256, same version) replaces the cached binary', async () => {
    const { pkg, env, versionDir, home } = setup(httpBase());
    assert.equal((await runLauncher(pkg, ['--version'], env)).code, 0);
    const rebuiltRoot = join(work, 'rebuilt');
    const rebuilt = await makeFixtureRelease(rebuiltRoot, VERSION, '#!/bin/sh\necho rebuilt\n');
    const other = await startFileServer(rebuiltRoot);
    try {
      const staged = stageFixturePackage(rebuilt.manifest, `${other.origin}/${VERSION}`, launcherDir);
      cleanups.push(staged.dispose);
      const run = await runLauncher(staged.dir, ['--version'], launcherEnv(home));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'rebuilt\n');
      assert.deepEqual(readdirSync(versionDir).sort(), ['codebuff', STAMP_FILE].sort(), 'the old binary was moved aside and removed');
    } finally {
      await other.close();
    }
  });

  test('HTTP_PROXY and HTTPS_PROXY (CONNECT) carry the download; NO_PROXY bypasses them', async () => {
    // ESM-only package; its types need a module resolution this workspace does not use.
    const proxyPackage = 'proxy';
    const { createProxy } = (await import(proxyPackage)) as { createProxy(): import('node:http').Server };
    const proxy = createProxy();
    const tunnels: string[] = [];
    const proxied: string[] = [];
    proxy.on('connect', (req: { url?: string }) => tunnels.push(req.url ?? ''));
    proxy.on('request', (req: { url?: string }) => proxied.push(req.url ?? ''));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const tls = makeCertificate(work);
    const https = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const file = join(release.root, decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': String(statSync(file).size) }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    // A host name, as real release hosts have: https-proxy-agent sends SNI and checks the
    // certificate against it (an IP literal would need neither). localhost is 127.0.0.1 here.
    const httpsOrigin = `https://localhost:${(https.address() as AddressInfo).port}`;
    try {
      const plain = setup(httpBase());
      const viaHttp = await runLauncher(plain.pkg, ['--version'], { ...plain.env, HTTP_PROXY: proxyUrl });
      assert.equal(viaHttp.code, 0, viaHttp.stderr);
      assert.match(viaHttp.stderr, new RegExp(`via ${proxyUrl}`));
      assert.deepEqual(proxied, [`${server.origin}/${VERSION}/${release.hostAsset.fileName}`], 'the proxy forwarded the download');

      const secure = setup(`${httpsOrigin}/${VERSION}`);
      const viaConnect = await runLauncher(secure.pkg, ['--version'], {
        ...secure.env,
        HTTPS_PROXY: proxyUrl,
        NODE_EXTRA_CA_CERTS: tls.certPath,
      });
      assert.equal(viaConnect.code, 0, viaConnect.stderr);
      assert.deepEqual(tunnels, [`localhost:${(https.address() as AddressInfo).port}`]);

      const bypass = setup(httpBase());
      const direct = await runLauncher(bypass.pkg, ['--version'], { ...bypass.env, HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
      assert.equal(direct.code, 0, direct.stderr);
      assert.equal(proxied.length, 1, 'NO_PROXY: the proxy saw nothing more');
      assert.equal(server.requests.at(-1)?.path, `/${VERSION}/${release.hostAsset.fileName}`);
    } finally {
      proxy.close();
      https.close();
    }
  });
});

/** A self-signed certificate for localhost, made with the system's openssl. */
function makeCertificate(dir: string): { key: Buffer; cert: Buffer; certPath: string } {
  const keyPath = join(dir, 'tls-key.pem');
  const certPath = join(dir, 'tls-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}
