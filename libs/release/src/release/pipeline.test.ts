import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundlePlatform } from '../bundle/bundle';
import { compileBinary } from '../compile/compile';
import { getPlatform } from '../platforms';
import { assembleRelease } from './assemble';

const EPOCH = 1767323045;

function cliProject(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), source);
  return dir;
}

const HELLO = `declare const CODEBUFF_VERSION: string; declare const CODEBUFF_PLATFORM: string;
console.log(CODEBUFF_VERSION + ' ' + CODEBUFF_PLATFORM);`;

test('compile → bundle → assemble gives a checked release directory', async () => {
  const cli = cliProject(HELLO);
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const linux = getPlatform('linux-x64');
  const record = await compileBinary({
    platform: linux,
    entry: join(cli, 'src/main.ts'),
    outDir: join(out, 'bin/linux-x64'),
    version: '1.2.3',
    cwd: cli,
  });
  assert.equal(execFileSync(join(out, 'bin/linux-x64/codebuff'), { encoding: 'utf8' }), '1.2.3 linux-x64\n');
  // Bun's metafile stays beside the binary: the list of what was compiled in (the SBOM's source, when the compile makes one).
  assert.deepEqual(readdirSync(join(out, 'bin/linux-x64')).sort(), ['bun-metafile.json', 'codebuff', 'compile.json']);
  assert.equal(JSON.parse(readFileSync(join(out, 'bin/linux-x64/compile.json'), 'utf8')).sha256, record.sha256);

  const bundle = await bundlePlatform({
    platform: linux,
    binDir: join(out, 'bin/linux-x64'),
    outDir: join(out, 'bundles/linux-x64'),
    sourceDateEpoch: EPOCH,
  });
  assert.equal(bundle.fileName, 'codebuff-linux-x64.tar.gz');
  assert.equal(bundle.binarySha256, record.sha256);

  const manifest = await assembleRelease({
    name: 'codebuff',
    version: '1.2.3',
    platforms: [linux],
    bundleDirs: { 'linux-x64': join(out, 'bundles/linux-x64') },
    releaseRoot: join(out, 'release'),
  });
  assert.equal(manifest.tag, 'v1.2.3');
  assert.deepEqual(manifest.assets, [
    {
      platform: 'linux-x64',
      fileName: 'codebuff-linux-x64.tar.gz',
      archive: 'tar.gz',
      binaryName: 'codebuff',
      size: bundle.size,
      sha256: bundle.sha256,
    },
  ]);
  const releaseDir = join(out, 'release/1.2.3');
  assert.deepEqual(readdirSync(releaseDir).sort(), ['SHA256SUMS', 'codebuff-linux-x64.tar.gz', 'manifest.json']);
  assert.match(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: releaseDir, encoding: 'utf8' }), /codebuff-linux-x64.tar.gz: OK/);

  // A newer version replaces the old one in dist/release, as GoReleaser's dist does.
  writeFileSync(join(out, 'release', 'stale.txt'), 'x');
  await assembleRelease({
    name: 'codebuff',
    version: '1.2.3',
    platforms: [linux],
    bundleDirs: { 'linux-x64': join(out, 'bundles/linux-x64') },
    releaseRoot: join(out, 'release'),
  });
  assert.deepEqual(readdirSync(join(out, 'release')), ['1.2.3']);
});

test('bundle refuses a binary that is not what compile recorded (a bad cache restore)', async () => {
  const cli = cliProject(HELLO);
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const linux = getPlatform('linux-x64');
  await compileBinary({ platform: linux, entry: join(cli, 'src/main.ts'), outDir: join(out, 'bin'), version: '1.0.0', cwd: cli });
  writeFileSync(join(out, 'bin', 'codebuff'), 'truncated');
  await assert.rejects(
    bundlePlatform({ platform: linux, binDir: join(out, 'bin'), outDir: join(out, 'bundle'), sourceDateEpoch: EPOCH }),
    /binary for linux-x64 does not match what compile recorded/,
  );
  assert.equal(existsSync(join(out, 'bundle')), false);
});

test('a compile error names the platform, shows Bun, and leaves no output directory', async () => {
  const cli = cliProject('const x: number = ;\n');
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  await assert.rejects(
    compileBinary({
      platform: getPlatform('darwin-arm64'),
      entry: join(cli, 'src/main.ts'),
      outDir: join(out, 'bin'),
      version: '1.0.0',
      cwd: cli,
    }),
    (error: Error) => {
      assert.match(error.message, /^compile failed for darwin-arm64 \(bun-darwin-arm64\):\n/);
      assert.match(error.message, /error: Unexpected/);
      return true;
    },
  );
  await assert.rejects(
    compileBinary({
      platform: getPlatform('linux-x64'),
      entry: join(cli, 'src/nope.ts'),
      outDir: join(out, 'bin'),
      version: '1.0.0',
      cwd: cli,
    }),
    /entry file not found: .*nope\.ts/,
  );
  assert.deepEqual(readdirSync(out), []);
});

test('without a version given, assemble takes the one every bundle agrees on, or refuses', async () => {
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  for (const [dir, version] of [
    ['a', '1.0.0'],
    ['b', '2.0.0'],
  ]) {
    mkdirSync(join(out, dir));
    writeFileSync(join(out, dir, 'bundle.json'), JSON.stringify({ version }));
  }
  await assert.rejects(
    assembleRelease({
      name: 'codebuff',
      platforms: [getPlatform('linux-x64'), getPlatform('win32-x64')],
      bundleDirs: { 'linux-x64': join(out, 'a'), 'win32-x64': join(out, 'b') },
      releaseRoot: join(out, 'release'),
    }),
    /^ReleaseError: platform bundles disagree on the version: 1.0.0, 2.0.0$/,
  );
  assert.equal(existsSync(join(out, 'release')), false);
});

test('assemble refuses bundles of different versions', async () => {
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  mkdirSync(join(out, 'b'));
  writeFileSync(join(out, 'b', 'bundle.json'), JSON.stringify({ platform: 'linux-x64', version: '1.0.0' }));
  await assert.rejects(
    assembleRelease({
      name: 'codebuff',
      version: '2.0.0',
      platforms: [getPlatform('linux-x64')],
      bundleDirs: { 'linux-x64': join(out, 'b') },
      releaseRoot: join(out, 'release'),
    }),
    /bundle for linux-x64 is version 1.0.0, expected 2.0.0/,
  );
  assert.equal(existsSync(join(out, 'release', '2.0.0')), false);
});
