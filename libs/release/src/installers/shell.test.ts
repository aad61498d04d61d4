import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFileServer, type FileServer } from '@codebuff/npm/testing/file-server';
import { makeTestRelease } from '../testing/release-fixture';
import { shellInstaller } from './shell';
import { buildRealLinuxRelease, fakeCommands, fakeUname, run, SETTINGS, type RealRelease } from '../testing/installer-fixtures';

// The shell installer run for real by dash and busybox sh against a release served on 127.0.0.1:
// a Bun-compiled linux-x64 binary, packed and assembled by the library, installers included.

const VERSION = '1.4.0';
/** Absolute, so it is found when a test's PATH holds only busybox's own applets. */
const busybox = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
const hasBusybox = busybox !== undefined;
const SHELLS: Array<{ name: string; argv: string[]; skip: string | false }> = [
  { name: 'dash', argv: ['dash'], skip: false },
  {
    name: 'busybox sh',
    argv: [busybox ?? 'busybox', 'sh'],
    skip: hasBusybox ? false : 'busybox is not installed (.ci/run installs it with apt-get)',
  },
];

const NEXT = '1.5.0';
let release: RealRelease;
/** The next release, which carries a file beside the binary. */
let next: RealRelease;
let server: FileServer;
let nextServer: FileServer;
let tampered: string;

before(async () => {
  release = await buildRealLinuxRelease(VERSION);
  server = await startFileServer(release.root);
  next = await buildRealLinuxRelease(NEXT, { besideBinary: 'data from beside the binary' });
  nextServer = await startFileServer(next.root);
  // The same release with one byte of the archive changed, under another path of the same server.
  tampered = join(release.root, 'tampered');
  mkdirSync(tampered);
  for (const file of readdirSync(release.dir)) copyFileSync(join(release.dir, file), join(tampered, file));
  const archive = join(tampered, 'codebuff-linux-x64.tar.gz');
  const bytes = readFileSync(archive);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(archive, bytes);
});
after(async () => {
  await server?.close();
  await nextServer?.close();
});

function baseEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Built from scratch: a developer's own CODEBUFF_* or XDG_* must not leak into the runs.
  return { PATH: process.env.PATH, HOME: home, ...extra };
}

const script = () => join(release.dir, 'codebuff-installer.sh');

/** Every running process's command line, from /proc (no dependency on procps being installed). */
function commandLines(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return ''; // the process ended while we looked
      }
    });
}

/** An HTTP server that accepts connections and never answers them. */
async function silentServer(): Promise<{ origin: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('assemble wrote the installer, listed in SHA256SUMS and the manifest', () => {
  const names = (release.manifest.installers ?? []).map((i) => i.fileName);
  assert.deepEqual(names, ['codebuff-installer.sh', 'codebuff.rb'], 'a linux-only release: no PowerShell installer, no Scoop manifest');
  assert.match(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: release.dir, encoding: 'utf8' }), /codebuff-installer\.sh: OK/);
  const asset = release.manifest.assets[0];
  assert.match(readFileSync(script(), 'utf8'), new RegExp(`linux-x64\\) asset=${asset.fileName} sha256=${asset.sha256} `));
});

for (const shell of SHELLS) {
  describe(`codebuff-installer.sh under ${shell.name}`, { skip: shell.skip }, () => {
    const [command, ...prefix] = shell.argv;

    test('parses (sh -n)', async () => {
      const result = await run(command, [...prefix, '-n', script()], baseEnv(tmpdir()));
      assert.equal(result.code, 0, result.stderr);
    });

    test('installs the binary into CODEBUFF_INSTALL_DIR; it runs and prints the version', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const dir = join(home, 'tools', 'bin');
      const result = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}/`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(
        result.stdout,
        new RegExp(`downloading codebuff ${VERSION} for linux-x64 from ${server.origin}/${VERSION}/codebuff-linux-x64.tar.gz\\n`),
        'trailing slash dropped, like the launcher',
      );
      assert.match(result.stdout, new RegExp(`installed codebuff ${VERSION} to ${dir}/codebuff\\n`));
      assert.match(result.stdout, /is not on your PATH; add it/);
      assert.deepEqual(readdirSync(dir), ['codebuff'], 'nothing else left in the install dir');
      assert.equal(execFileSync(join(dir, 'codebuff'), ['--version'], { encoding: 'utf8' }), `${VERSION}\n`);
    });

    test('an update from a one-file release to one with a file beside the binary puts both in place', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const dir = join(home, 'bin');
      const first = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(readdirSync(dir), ['codebuff']);
      const update = await run(
        command,
        [...prefix, join(next.dir, 'codebuff-installer.sh')],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${nextServer.origin}/${NEXT}`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(update.code, 0, update.stderr);
      assert.deepEqual(readdirSync(dir).sort(), ['codebuff', 'data.txt'], 'no staging leftovers');
      assert.equal(execFileSync(join(dir, 'codebuff'), ['--version'], { encoding: 'utf8' }), `${NEXT}\n`);
      assert.equal(execFileSync(join(dir, 'codebuff'), ['--beside'], { encoding: 'utf8' }), 'data from beside the binary\n');
    });

    test('a folder where the binary would go is refused before anything is written', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const dir = join(home, 'bin');
      mkdirSync(join(dir, 'codebuff'), { recursive: true });
      const result = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `codebuff installer: ${dir}/codebuff exists and is not a file; move it away and run again; nothing was installed\n`,
      );
      assert.deepEqual(readdirSync(join(dir, 'codebuff')), [], 'nothing went into the folder');
      assert.equal(result.stdout, '', 'refused before the download');
    });

    test('an install folder named like an option (-bin) is a folder, not an option', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const result = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}`, CODEBUFF_INSTALL_DIR: '-bin' }),
        home,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(execFileSync(join(home, '-bin', 'codebuff'), ['--version'], { encoding: 'utf8' }), `${VERSION}\n`);
    });

    test('a server that accepts and never answers: the download gives up within its limits, one line, nothing installed', async () => {
      const silent = await silentServer();
      try {
        const home = mkdtempSync(join(tmpdir(), 'home-'));
        const dir = join(home, 'bin');
        const started = Date.now();
        const limits = {
          CODEBUFF_DOWNLOAD_TIMEOUT_MS: '1000',
          CODEBUFF_DOWNLOAD_LOW_SPEED_MS: '1000',
          CODEBUFF_DOWNLOAD_DEADLINE_MS: '3000',
        };
        const result = await run(
          command,
          [...prefix, script()],
          baseEnv(home, { ...limits, CODEBUFF_DOWNLOAD_BASE_URL: `${silent.origin}/${VERSION}`, CODEBUFF_INSTALL_DIR: dir }),
        );
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          new RegExp(`^codebuff installer: download failed: ${silent.origin}/${VERSION}/codebuff-linux-x64\\.tar\\.gz \\(.+\\)\\n$`),
        );
        assert.ok(Date.now() - started < 15_000, `gave up after ${Date.now() - started} ms`);
        assert.equal(existsSync(dir), false);
      } finally {
        await silent.close();
      }
    });

    for (const [signal, status] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
      ['SIGHUP', 129],
      ['SIGPIPE', 141],
    ] as const) {
      test(`${signal} during a download that hangs: ends at once with ${status}, no temp folder, no downloader left`, async () => {
        const silent = await silentServer();
        const temp = mkdtempSync(join(tmpdir(), 'installer-tmp-'));
        try {
          const home = mkdtempSync(join(tmpdir(), 'home-'));
          const child = spawn(command, [...prefix, script()], {
            env: baseEnv(home, {
              TMPDIR: temp,
              CODEBUFF_DOWNLOAD_BASE_URL: `${silent.origin}/${VERSION}`,
              CODEBUFF_INSTALL_DIR: join(home, 'bin'),
            }),
          });
          let stdout = '';
          child.stdout.on('data', (c: Buffer) => (stdout += c));
          const closed = new Promise<number | null>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? -1 : null))));
          while (silent.connections() === 0) await sleep(50); // the download is under way
          const sent = Date.now();
          child.kill(signal);
          const code = await closed;
          assert.equal(code, status, stdout);
          assert.ok(Date.now() - sent < 3_000, `took ${Date.now() - sent} ms to stop`);
          assert.deepEqual(readdirSync(temp), [], 'the temp folder is gone');
          await sleep(200);
          assert.equal(
            commandLines().some((line) => line.includes(temp)),
            false,
            'no downloader still writing into it',
          );
        } finally {
          await silent.close();
        }
      });
    }

    test('default install dir: $XDG_BIN_HOME, else ~/.local/bin; no PATH hint when it is on PATH', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const xdg = join(home, 'xdg-bin');
      const first = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}`, XDG_BIN_HOME: xdg }),
      );
      assert.equal(first.code, 0, first.stderr);
      assert.equal(execFileSync(join(xdg, 'codebuff'), ['--version'], { encoding: 'utf8' }), `${VERSION}\n`);
      const local = join(home, '.local', 'bin');
      const second = await run(command, [...prefix, script()], {
        ...baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}` }),
        PATH: `${local}:${process.env.PATH}`,
      });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(execFileSync(join(local, 'codebuff'), ['--version'], { encoding: 'utf8' }), `${VERSION}\n`);
      assert.doesNotMatch(second.stdout, /not on your PATH/);
    });

    test('a tampered archive: refused in one line, nothing in the install dir', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const dir = join(home, 'bin');
      const result = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/tampered`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^codebuff installer: checksum mismatch for codebuff-linux-x64\.tar\.gz from http:\/\/127\.0\.0\.1:\d+\/tampered\/codebuff-linux-x64\.tar\.gz: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; nothing was installed\n$/,
      );
      assert.equal(existsSync(dir), false, 'the install dir is not even created');
    });

    test('the server gone: one line, non-zero, nothing installed', async () => {
      const gone = await startFileServer(release.root);
      const origin = gone.origin;
      await gone.close();
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const dir = join(home, 'bin');
      const result = await run(
        command,
        [...prefix, script()],
        baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${origin}/${VERSION}`, CODEBUFF_INSTALL_DIR: dir }),
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`^codebuff installer: download failed: ${origin}/${VERSION}/codebuff-linux-x64\\.tar\\.gz \\(.+\\)\\n$`),
      );
      assert.equal(existsSync(dir), false);
    });

    test('an unsupported platform: one line listing what the release has, before any download', async () => {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const fake = fakeCommands({ uname: fakeUname('Linux', 's390x') });
      const result = await run(command, [...prefix, script()], {
        ...baseEnv(home, { CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}` }),
        PATH: `${fake}:${process.env.PATH}`,
      });
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `codebuff installer: codebuff ${VERSION} has no build for this platform (linux-s390x); supported: linux-x64\n`,
      );
      assert.equal(result.stdout, '');
    });
  });
}

describe('platform choice, from the manifest only', () => {
  let allServer: FileServer;
  let allScript: string;
  before(async () => {
    // Every row of the platform table plus a row the installer code has never heard of: the
    // archives are random bytes (they will not unpack), which is enough to see which one is chosen.
    const { releaseDir, manifest } = await makeTestRelease('2.0.0');
    manifest.assets.push({
      platform: 'freebsd-x64',
      fileName: 'codebuff-freebsd-x64.tar.gz',
      archive: 'tar.gz',
      binaryName: 'codebuff',
      size: 4,
      sha256: 'f'.repeat(64),
    });
    allScript = join(releaseDir, 'codebuff-installer.sh');
    writeFileSync(allScript, shellInstaller(manifest, SETTINGS));
    allServer = await startFileServer(join(releaseDir, '..'));
  });
  after(() => allServer?.close());

  const cases: Array<{ machine: string; uname: [string, string]; translated?: string; expect: string }> = [
    { machine: 'Linux aarch64', uname: ['Linux', 'aarch64'], expect: 'linux-arm64' },
    { machine: 'an Intel Mac', uname: ['Darwin', 'x86_64'], translated: '0', expect: 'darwin-x64' },
    { machine: 'an Apple silicon Mac under Rosetta', uname: ['Darwin', 'x86_64'], translated: '1', expect: 'darwin-arm64' },
    { machine: 'an Apple silicon Mac', uname: ['Darwin', 'arm64'], expect: 'darwin-arm64' },
    { machine: 'FreeBSD amd64 (a row added to the manifest)', uname: ['FreeBSD', 'amd64'], expect: 'freebsd-x64' },
  ];
  test('a 32-bit ARM userland on a 64-bit CPU (uname -m armv8l) is refused, not given the arm64 build', async () => {
    const fake = fakeCommands({ uname: fakeUname('Linux', 'armv8l') });
    const result = await run('dash', [allScript], {
      PATH: `${fake}:${process.env.PATH}`,
      HOME: mkdtempSync(join(tmpdir(), 'home-')),
      CODEBUFF_DOWNLOAD_BASE_URL: `${allServer.origin}/2.0.0`,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^codebuff installer: codebuff 2\.0\.0 has no build for this platform \(linux-arm(v8l)?\); supported: /);
    assert.equal(result.stdout, '');
  });

  for (const c of cases) {
    test(`${c.machine} → ${c.expect}`, async () => {
      const commands: Record<string, string> = { uname: fakeUname(...c.uname) };
      if (c.translated !== undefined) commands.sysctl = `echo ${c.translated}`;
      const fake = fakeCommands(commands);
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const result = await run('dash', [allScript], {
        PATH: `${fake}:${process.env.PATH}`,
        HOME: home,
        CODEBUFF_DOWNLOAD_BASE_URL: `${allServer.origin}/2.0.0`,
      });
      assert.match(
        result.stdout,
        new RegExp(`^downloading codebuff 2\\.0\\.0 for ${c.expect} from ${allServer.origin}/2\\.0\\.0/codebuff-${c.expect}\\.tar\\.gz\\n`),
        result.stderr,
      );
      assert.equal(result.code, 1, 'random bytes never install');
      assert.equal(existsSync(join(home, '.local', 'bin')), false);
    });
  }

  test('Windows zips are left to the PowerShell installer', () => {
    const text = readFileSync(allScript, 'utf8');
    assert.doesNotMatch(text, /win32/);
  });
});

describe('busybox alone (an Alpine-like machine: no curl, busybox wget)', {
  skip: hasBusybox ? false : 'busybox is not installed (.ci/run installs it with apt-get)',
}, () => {
  test('downloads with wget, checks with busybox sha256sum, installs', async () => {
    const tools = mkdtempSync(join(tmpdir(), 'busybox-bin-'));
    execFileSync(busybox!, ['--install', '-s', tools]);
    assert.equal(existsSync(join(tools, 'curl')), false);
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const dir = join(home, 'bin');
    const result = await run(busybox!, ['sh', script()], {
      PATH: tools,
      HOME: home,
      CODEBUFF_DOWNLOAD_BASE_URL: `${server.origin}/${VERSION}`,
      CODEBUFF_INSTALL_DIR: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(execFileSync(join(dir, 'codebuff'), ['--version'], { encoding: 'utf8' }), `${VERSION}\n`);
    assert.ok(
      server.requests.some((r) => r.path === `/${VERSION}/codebuff-linux-x64.tar.gz` && /wget/i.test(r.userAgent ?? '')),
      'fetched by wget',
    );
  });

  test('a server that never answers: wget gives up at the deadline (timeout), one line, nothing installed', async () => {
    const tools = mkdtempSync(join(tmpdir(), 'busybox-bin-'));
    execFileSync(busybox!, ['--install', '-s', tools]);
    const silent = await silentServer();
    try {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const started = Date.now();
      const env = {
        PATH: tools,
        HOME: home,
        CODEBUFF_DOWNLOAD_DEADLINE_MS: '2000',
        CODEBUFF_DOWNLOAD_BASE_URL: `${silent.origin}/${VERSION}`,
        CODEBUFF_INSTALL_DIR: join(home, 'bin'),
      };
      const result = await run(busybox!, ['sh', script()], env);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^codebuff installer: download failed: .+ \(no complete download within 2s \(CODEBUFF_DOWNLOAD_DEADLINE_MS\)\)\n$/,
      );
      assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
      assert.equal(existsSync(join(home, 'bin')), false);
    } finally {
      await silent.close();
    }
  });

  test('SIGTERM while wget hangs: ends at once with 143, and no wget is left behind', async () => {
    const tools = mkdtempSync(join(tmpdir(), 'busybox-bin-'));
    execFileSync(busybox!, ['--install', '-s', tools]);
    const silent = await silentServer();
    const temp = mkdtempSync(join(tmpdir(), 'installer-tmp-'));
    try {
      const home = mkdtempSync(join(tmpdir(), 'home-'));
      const env = {
        PATH: tools,
        HOME: home,
        TMPDIR: temp,
        CODEBUFF_DOWNLOAD_BASE_URL: `${silent.origin}/${VERSION}`,
        CODEBUFF_INSTALL_DIR: join(home, 'bin'),
      };
      const child = spawn(busybox!, ['sh', script()], { env });
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      while (silent.connections() === 0) await sleep(50);
      child.kill('SIGTERM');
      assert.equal(await closed, 143);
      assert.deepEqual(readdirSync(temp), []);
      await sleep(200);
      assert.equal(
        commandLines().some((line) => line.includes(temp)),
        false,
        'no wget still writing into the temp folder',
      );
    } finally {
      await silent.close();
    }
  });
});
