/**
 * The real Nx graph on a throwaway copy of this workspace: build every platform, check what
 * lands in dist/release, and check which tasks run versus come from the cache.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';

const TABLE_KEYS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
const RUNTIME_CHUNKS = TABLE_KEYS.map((p) => `codebuff-cli:runtime-chunks-${p}`);
const NATIVE = TABLE_KEYS.map((p) => `codebuff-cli:native-${p}`);
/** What a source change leaves cached: Bun's compressed runtime and the fetched platform packages. */
const SOURCE_FREE = [...RUNTIME_CHUNKS, ...NATIVE];
const ALL_TASKS = [
  'codebuff-cli:bundle',
  ...TABLE_KEYS.flatMap((p) => [`codebuff-cli:bundle-${p}`, `codebuff-cli:compile-${p}`]),
  ...SOURCE_FREE,
].sort();
const BINARIES: Record<string, string> = Object.fromEntries(TABLE_KEYS.map((p) => [p, p === 'win32-x64' ? 'codebuff.exe' : 'codebuff']));
const ASSETS = [
  'codebuff-darwin-arm64.tar.gz',
  'codebuff-darwin-x64.tar.gz',
  'codebuff-linux-arm64.tar.gz',
  'codebuff-linux-x64.tar.gz',
  'codebuff-win32-x64.zip',
];

let ws: TestWorkspace;
let releaseDir: string;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const digests = () => Object.fromEntries(ASSETS.map((a) => [a, sha(join(releaseDir, a))]));
let firstDigests: Record<string, string>;

before(() => {
  ws = copyWorkspace();
  releaseDir = join(ws.root, 'dist/release/1.0.0');
});
after(() => ws.dispose());

test('cold build: every platform compiled and bundled, with SHA256SUMS and manifest.json', async () => {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(taskOutcome(run.output).ran, ALL_TASKS);
  // The installers come from installers.repo in apps/codebuff-cli/release.config.json (libs/release/src/installers).
  const installers = ['codebuff-installer.sh', 'codebuff-installer.ps1', 'codebuff.rb', 'codebuff.json'];
  // Each archive's CycloneDX SBOM beside it (libs/release/src/sbom).
  const sboms = TABLE_KEYS.map((p) => `codebuff-${p}.cdx.json`);
  assert.deepEqual(readdirSync(releaseDir).sort(), ['SHA256SUMS', ...ASSETS, ...sboms, ...installers, 'manifest.json'].sort());
  assert.equal(
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: releaseDir, encoding: 'utf8' }).match(/: OK$/gm)?.length,
    5 + sboms.length + installers.length,
  );

  const manifest = JSON.parse(readFileSync(join(releaseDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.version, '1.0.0');
  for (const asset of manifest.assets) {
    assert.equal(asset.sha256, sha(join(releaseDir, asset.fileName)));
    assert.equal(asset.size, readFileSync(join(releaseDir, asset.fileName)).length);
    assert.equal(asset.binaryName, asset.platform === 'win32-x64' ? 'codebuff.exe' : 'codebuff');
  }
  firstDigests = digests();
});

test('every archive is smaller than gzip -6 of its binary', async () => {
  const gzipSize = (path: string) =>
    new Promise<number>((resolve, reject) => {
      execFile('sh', ['-c', 'gzip -6 -c "$1" | wc -c', 'sh', path], (error, stdout) =>
        error ? reject(error) : resolve(Number(stdout.trim())),
      );
    });
  const manifest = JSON.parse(readFileSync(join(releaseDir, 'manifest.json'), 'utf8'));
  const gzip6 = await Promise.all(
    manifest.assets.map((a: { platform: string }) => gzipSize(join(ws.root, 'dist/build/bin', a.platform, BINARIES[a.platform]))),
  );
  manifest.assets.forEach((asset: { fileName: string; size: number }, i: number) => {
    assert.ok(asset.size <= gzip6[i], `${asset.fileName}: ${asset.size} bytes, gzip -6 gives ${gzip6[i]}`);
  });
});

test('the linux-x64 archive holds the executable (and tree-sitter.wasm and THIRD-PARTY-NOTICES beside it), which reports its version and platform', async () => {
  const listing = execFileSync('tar', ['tvzf', join(releaseDir, 'codebuff-linux-x64.tar.gz')], { encoding: 'utf8' });
  assert.match(
    listing,
    /^-rwxr-xr-x 0\/0 +\d+ \S+ \S+ codebuff\n-rw-r--r-- 0\/0 +\d+ \S+ \S+ tree-sitter\.wasm\n-rw-r--r-- 0\/0 +\d+ \S+ \S+ THIRD-PARTY-NOTICES\n$/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'cb-'));
  execFileSync('tar', ['xzf', join(releaseDir, 'codebuff-linux-x64.tar.gz'), '-C', dir]);
  assert.equal(execFileSync(join(dir, 'codebuff'), ['--version'], { encoding: 'utf8' }), '1.0.0\n');
  assert.match(execFileSync(join(dir, 'codebuff'), ['--info'], { encoding: 'utf8' }), /built for: linux-x64/);
  assert.match(execFileSync(join(dir, 'codebuff'), ['--help'], { encoding: 'utf8' }), /^Usage: codebuff/);
  rmSync(dir, { recursive: true });
  const zipListing = execFileSync('unzip', ['-Z', '-l', join(releaseDir, 'codebuff-win32-x64.zip')], { encoding: 'utf8' });
  assert.match(zipListing, /-rwxr-xr-x .* codebuff\.exe\n/);
});

test('second run with nothing changed: every task from cache', async () => {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(taskOutcome(run.output), { ran: [], cached: ALL_TASKS });
  assert.match(run.output, /Nx read the output from the cache instead of running the command for 21 out of 21 tasks/);
});

test('dist deleted: everything restored from the cache, byte for byte, nothing compiled', async () => {
  rmSync(join(ws.root, 'dist'), { recursive: true });
  const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
  assert.deepEqual(taskOutcome(run.output).ran, []);
  assert.deepEqual(digests(), firstDigests);
});

test('rebuilding without the cache gives byte-identical archives (reproducible)', async () => {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle', '--skip-nx-cache']);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(taskOutcome(run.output).ran, ALL_TASKS);
  assert.deepEqual(digests(), firstDigests);
});

test('with no chunk store the archives are the same bytes (the store only saves work)', async () => {
  rmSync(join(ws.root, 'dist/build/runtime-chunks'), { recursive: true });
  for (const platform of ['linux-x64', 'win32-x64']) {
    const run = await runNx(ws.root, ['run', `codebuff-cli:bundle-${platform}`, '--skip-nx-cache', '--exclude-task-dependencies']);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(taskOutcome(run.output).ran, [`codebuff-cli:bundle-${platform}`]);
    assert.match(run.output, / (\d+) of \1 chunks compressed, 0 reused/);
  }
  const bundles = join(ws.root, 'dist/build/bundles');
  assert.equal(sha(join(bundles, 'linux-x64/codebuff-linux-x64.tar.gz')), firstDigests['codebuff-linux-x64.tar.gz']);
  assert.equal(sha(join(bundles, 'win32-x64/codebuff-win32-x64.zip')), firstDigests['codebuff-win32-x64.zip']);
  const restore = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
  assert.deepEqual(taskOutcome(restore.output).ran, [], 'the store comes back from the cache');
});

test('one platform row changed: that platform alone is rebuilt', async () => {
  const tablePath = join(ws.root, 'libs/release/src/platform-table.json');
  const original = readFileSync(tablePath, 'utf8');
  writeFileSync(tablePath, original.replace('"bun-linux-arm64"', '"bun-linux-arm64-musl"'));
  try {
    const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(taskOutcome(run.output).ran, [
      'codebuff-cli:bundle',
      'codebuff-cli:bundle-linux-arm64',
      'codebuff-cli:compile-linux-arm64',
      'codebuff-cli:native-linux-arm64',
      'codebuff-cli:runtime-chunks-linux-arm64',
    ]);
    assert.notEqual(sha(join(releaseDir, 'codebuff-linux-arm64.tar.gz')), firstDigests['codebuff-linux-arm64.tar.gz']);
    assert.equal(sha(join(releaseDir, 'codebuff-linux-x64.tar.gz')), firstDigests['codebuff-linux-x64.tar.gz']);
  } finally {
    writeFileSync(tablePath, original);
  }
});

test('VERSION (a release tag) is baked in; a bad one fails before any task runs', async () => {
  const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle-linux-x64'], { VERSION: 'v2.0.0' });
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(taskOutcome(run.output).ran, ['codebuff-cli:bundle-linux-x64', 'codebuff-cli:compile-linux-x64']);
  assert.equal(execFileSync(join(ws.root, 'dist/build/bin/linux-x64/codebuff'), ['--version'], { encoding: 'utf8' }), '2.0.0\n');
  const flag = await runNx(ws.root, ['run', 'codebuff-cli:compile-linux-x64', '--version=2.0.0']);
  assert.deepEqual(
    taskOutcome(flag.output).cached,
    ['codebuff-cli:compile-linux-x64', 'codebuff-cli:native-linux-x64'],
    '--version and VERSION hash the same',
  );

  const bad = await runNx(ws.root, ['run', 'codebuff-cli:bundle'], { VERSION: 'latest' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.output, /invalid VERSION "latest": expected semver/);
  assert.deepEqual(taskOutcome(bad.output), { ran: [], cached: [] });
});

test('a source change rebuilds every platform; nx affected finds it; the folder infers the project', async () => {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', ...args], { cwd: ws.root, stdio: 'pipe' });
  const affectedBefore = await runNx(ws.root, ['show', 'projects', '--affected', '--base=HEAD']);
  assert.doesNotMatch(affectedBefore.stdout, /codebuff-cli/);
  const main = join(ws.root, 'apps/codebuff-cli/src/main.tsx');
  const source = readFileSync(main, 'utf8');
  assert.match(source, /running on: /);
  writeFileSync(main, source.replace('running on: ', 'runs on: '));
  git('commit', '-qam', 'edit a message');
  // static: every task's own output is printed (each bundle says how many chunks it compressed).
  const affected = await runNx(ws.root, ['affected', '-t', 'bundle', '--base=HEAD~1', '--head=HEAD', '--outputStyle=static']);
  assert.equal(affected.code, 0, affected.output);
  const outcome = taskOutcome(affected.output);
  assert.deepEqual(
    outcome.ran,
    ALL_TASKS.filter((t) => !SOURCE_FREE.includes(t)),
  );
  assert.deepEqual(
    outcome.cached,
    [...SOURCE_FREE].sort(),
    "Bun's compressed runtime and the platform packages do not depend on the source",
  );
  // Each bundle took the runtime's chunks (80 and more) from the store and compressed the program's:
  // its JavaScript and the files it embeds (OpenTUI's native library, tree-sitter's wasm files).
  const counts = [...affected.output.matchAll(/ (\d+) of (\d+) chunks compressed, (\d+) reused/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
  ]);
  assert.equal(counts.length, TABLE_KEYS.length, affected.output);
  for (const [compressed, distinct, reused] of counts)
    assert.ok(reused >= 80 && compressed < distinct / 2, `${compressed} of ${distinct} chunks compressed, ${reused} reused`);

  const inFolder = await runNx(ws.root, ['bundle'], {}, join(ws.root, 'apps/codebuff-cli'));
  assert.equal(inFolder.code, 0, inFolder.output);
  assert.deepEqual(taskOutcome(inFolder.output).cached, ALL_TASKS);
});

test('a bad release.config.json stops Nx with one clear line', async () => {
  const configPath = join(ws.root, 'apps/codebuff-cli/release.config.json');
  const original = readFileSync(configPath, 'utf8');
  try {
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(original), platforms: ['linux-x64', 'linux-ppc64'] }));
    const run = await runNx(ws.root, ['run', 'codebuff-cli:bundle']);
    assert.notEqual(run.code, 0);
    assert.match(
      run.output,
      /unknown platform "linux-ppc64"; valid platforms: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64/,
    );
    assert.equal(existsSync(join(ws.root, 'dist/release/1.0.0/manifest.json')), true, 'the last good release is left alone');
  } finally {
    writeFileSync(configPath, original);
  }
});
