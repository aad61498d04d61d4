import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { copyWorkspace, runCommand, runNx, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

const SCRIPT = join(WORKSPACE_ROOT, 'tools/workflows/verify-asset.mjs');
const HOST = `${process.platform}-${process.arch}`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const verify = (args: string[]) => runCommand(process.execPath, [SCRIPT, ...args], { cwd: WORKSPACE_ROOT, timeoutMs: 120_000 });

interface Release {
  dir: string;
  fileName: string;
}

/**
 * A release folder as `gh release download` leaves it: manifest.json, SHA256SUMS (GoReleaser's
 * `<sha256>  <file>` lines) and the archive, made from `binary` with the system's tar or zip.
 */
function makeRelease(root: string, binary: string, opts: { version: string; platform: string; archive: 'tar.gz' | 'zip' }): Release {
  const dir = mkdtempSync(join(root, 'release-'));
  const staging = mkdtempSync(join(root, 'staging-'));
  copyFileSync(binary, join(staging, 'codebuff'));
  chmodSync(join(staging, 'codebuff'), 0o755);
  const fileName = `codebuff-${opts.platform}.${opts.archive}`;
  const packed =
    opts.archive === 'zip'
      ? spawnSync('zip', ['-q', '-X', join(dir, fileName), 'codebuff'], { cwd: staging })
      : spawnSync('tar', ['-czf', join(dir, fileName), '-C', staging, 'codebuff']);
  assert.equal(packed.status, 0, String(packed.stderr));
  const digest = sha256(join(dir, fileName));
  writeFileSync(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  codebuff-other.tar.gz\n${digest}  ${fileName}\n`);
  const asset = {
    platform: opts.platform,
    fileName,
    archive: opts.archive,
    binaryName: 'codebuff',
    size: readFileSync(join(dir, fileName)).length,
    sha256: digest,
  };
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ schemaVersion: 1, name: 'codebuff', version: opts.version, tag: `v${opts.version}`, assets: [asset] }),
  );
  return { dir, fileName };
}

describe('verify-asset.mjs: checksum, unpack and --version of one release asset', {
  skip: process.platform === 'win32' ? 'fake binaries are shell scripts' : false,
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'verify-asset-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fakeBinary = (version: string, builtFor: string) => {
    const file = join(root, `fake-${version}-${builtFor}`);
    writeFileSync(
      file,
      `#!/bin/sh\ncase "$1" in\n  --version) echo ${version} ;;\n  --info) printf 'codebuff ${version}\\nbuilt for: ${builtFor}\\nrunning on: x\\n' ;;\nesac\n`,
    );
    return file;
  };

  test('a good .tar.gz and a good .zip pass, and the report names what was checked', async () => {
    for (const archive of ['tar.gz', 'zip'] as const) {
      const release = makeRelease(root, fakeBinary('1.2.3', HOST), { version: '1.2.3', platform: HOST, archive });
      const result = await verify(['--dir', release.dir, '--platform', HOST, '--version', 'v1.2.3']);
      assert.equal(result.code, 0, result.output);
      assert.match(
        result.stdout,
        new RegExp(
          `^verified ${release.fileName.replace('.', '\\.')}: sha256 [0-9a-f]{64} matches SHA256SUMS and manifest.json; codebuff --version = 1\\.2\\.3; built for ${HOST}`,
        ),
      );
    }
  });

  test('every failure is one line on stderr and exit 1', async () => {
    const good = () => makeRelease(root, fakeBinary('1.2.3', HOST), { version: '1.2.3', platform: HOST, archive: 'tar.gz' });
    const cases: Array<[string, () => string[]]> = [
      [
        'checksum mismatch for',
        () => {
          const r = good();
          appendFileSync(join(r.dir, r.fileName), 'x');
          return ['--dir', r.dir, '--platform', HOST, '--version', '1.2.3'];
        },
      ],
      [
        'SHA256SUMS and manifest.json disagree',
        () => {
          const r = good();
          writeFileSync(join(r.dir, 'SHA256SUMS'), `${'a'.repeat(64)}  ${r.fileName}\n`);
          return ['--dir', r.dir, '--platform', HOST, '--version', '1.2.3'];
        },
      ],
      [
        'SHA256SUMS has no line for',
        () => {
          const r = good();
          writeFileSync(join(r.dir, 'SHA256SUMS'), '');
          return ['--dir', r.dir, '--platform', HOST, '--version', '1.2.3'];
        },
      ],
      ['manifest.json is for version 1.2.3, expected 1.2.4', () => ['--dir', good().dir, '--platform', HOST, '--version', '1.2.4']],
      [
        'codebuff --version printed "1.2.2", expected "1.2.3"',
        () => {
          const r = makeRelease(root, fakeBinary('1.2.2', HOST), { version: '1.2.3', platform: HOST, archive: 'tar.gz' });
          return ['--dir', r.dir, '--platform', HOST, '--version', '1.2.3'];
        },
      ],
      [
        'says it was built for other-arch, expected',
        () => [
          '--dir',
          makeRelease(root, fakeBinary('1.2.3', 'other-arch'), { version: '1.2.3', platform: HOST, archive: 'tar.gz' }).dir,
          '--platform',
          HOST,
          '--version',
          '1.2.3',
        ],
      ],
      ['checked on a', () => ['--dir', good().dir, '--platform', 'sunos-sparc', '--version', '1.2.3']],
      [
        'manifest.json lists no asset for sunos-sparc',
        () => ['--dir', good().dir, '--platform', 'sunos-sparc', '--version', '1.2.3', '--any-host'],
      ],
      [
        'invalid file name',
        () => {
          const r = good();
          const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
          manifest.assets[0].binaryName = '../../bin/sh';
          writeFileSync(join(r.dir, 'manifest.json'), JSON.stringify(manifest));
          return ['--dir', r.dir, '--platform', HOST, '--version', '1.2.3'];
        },
      ],
      ['invalid --version "latest"', () => ['--dir', root, '--platform', HOST, '--version', 'latest']],
      ['--dir is required', () => ['--platform', HOST, '--version', '1.2.3']],
      ['manifest.json not found', () => ['--dir', mkdtempSync(join(root, 'empty-')), '--platform', HOST, '--version', '1.2.3']],
    ];
    for (const [expected, args] of cases) {
      const result = await verify(args());
      assert.equal(result.code, 1, `${expected}: ${result.output}`);
      assert.ok(
        result.stderr.startsWith('verify-asset: ') && result.stderr.includes(expected),
        `expected "${expected}", got: ${result.stderr}`,
      );
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
    }
  });

  test('the real CLI, built by Nx for this host, passes (its --version and --info are what the check reads)', async () => {
    const ws = copyWorkspace('verify-asset-ws-');
    try {
      const built = await runNx(ws.root, ['run', `codebuff-cli:bundle-${HOST}`], { VERSION: '7.8.9' });
      assert.equal(built.code, 0, built.output);
      const bundle = JSON.parse(readFileSync(join(ws.root, 'dist/build/bundles', HOST, 'bundle.json'), 'utf8')) as {
        fileName: string;
        sha256: string;
        binaryName: string;
        archive: string;
        size: number;
      };
      const dir = join(root, 'real');
      mkdirSync(dir);
      copyFileSync(join(ws.root, 'dist/build/bundles', HOST, bundle.fileName), join(dir, bundle.fileName));
      writeFileSync(join(dir, 'SHA256SUMS'), `${bundle.sha256}  ${bundle.fileName}\n`);
      const asset = {
        platform: HOST,
        fileName: bundle.fileName,
        archive: bundle.archive,
        binaryName: bundle.binaryName,
        size: bundle.size,
        sha256: bundle.sha256,
      };
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({ schemaVersion: 1, name: 'codebuff', version: '7.8.9', tag: 'v7.8.9', assets: [asset] }),
      );
      const result = await verify(['--dir', dir, '--platform', HOST, '--version', '7.8.9']);
      assert.equal(result.code, 0, result.output);
      assert.match(result.stdout, new RegExp(`codebuff --version = 7\\.8\\.9; built for ${HOST}`));
    } finally {
      ws.dispose();
    }
  });
});
