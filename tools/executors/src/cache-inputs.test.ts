/**
 * A cache hit is never stale: on a throwaway copy of this workspace (with a node_modules of its own
 * whose entries link to the real packages), change each thing that reaches a binary and check that
 * exactly the compiles run and the binary shows the change; change things that do not reach a
 * binary and check that every task is a cache hit; and check that the compile refuses to keep a
 * binary built from something its cache key does not cover.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pacote from 'pacote';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';

const TABLE_KEYS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
const ALL_COMPILES = TABLE_KEYS.map((p) => `codebuff-cli:compile-${p}`).sort();
const ALL_NATIVE = TABLE_KEYS.map((p) => `codebuff-cli:native-${p}`).sort();
const ALL_TASKS = [
  'codebuff-cli:bundle',
  ...TABLE_KEYS.flatMap((p) => [`codebuff-cli:bundle-${p}`, `codebuff-cli:runtime-chunks-${p}`]),
  ...ALL_COMPILES,
  ...ALL_NATIVE,
].sort();
const MAIN = 'apps/codebuff-cli/src/main.tsx';

let ws: TestWorkspace;
const path = (relative: string) => join(ws.root, relative);
const read = (relative: string) => readFileSync(path(relative), 'utf8');
const write = (relative: string, text: string) => writeFileSync(path(relative), text);
const edit = (relative: string, from: string | RegExp, to: string) => {
  const before = read(relative);
  const after = before.replace(from, to);
  assert.notEqual(after, before, `${relative}: nothing to replace`);
  write(relative, after);
};
const sha = (relative: string) =>
  createHash('sha256')
    .update(readFileSync(path(relative)))
    .digest('hex');
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', ...args], { cwd: ws.root, stdio: 'pipe' });
/** The linux-x64 binary as compiled (the host can run it). */
const codebuff = (...args: string[]) => execFileSync(path('dist/build/bin/linux-x64/codebuff'), args, { encoding: 'utf8' });

async function nx(...args: string[]) {
  const run = await runNx(ws.root, args);
  return { ...run, ...taskOutcome(run.output) };
}

before(() => {
  ws = copyWorkspace('codebuff-inputs-');
});
after(() => ws.dispose());

test('cold build; the binary carries the library, the npm package and the embedded file; the archive the wasm beside it', async () => {
  const run = await nx('run', 'codebuff-cli:bundle');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.ran, ALL_TASKS);
  assert.match(codebuff('--help'), /Codebuff edits your codebase/, 'text from @codebuff/common');
  assert.match(codebuff('--help'), /^Tip: run codebuff in your project folder/m, 'the embedded tips file');
  const semverVersion = JSON.parse(read('node_modules/semver/package.json')).version as string;
  assert.match(codebuff('--info'), new RegExp(`bundled: semver ${semverVersion.replace(/\./g, '\\.')}`));
  const listing = execFileSync('tar', ['tzf', path('dist/release/1.0.0/codebuff-linux-x64.tar.gz')], { encoding: 'utf8' });
  assert.equal(listing, 'codebuff\ntree-sitter.wasm\nTHIRD-PARTY-NOTICES\n');
  const manifest = JSON.parse(read('dist/release/1.0.0/manifest.json')) as {
    assets: { platform: string; files?: { name: string; sha256: string }[] }[];
  };
  const wasmSha = sha('node_modules/web-tree-sitter/tree-sitter.wasm');
  for (const asset of manifest.assets) {
    const notices = ['THIRD-PARTY-NOTICES', sha(`dist/build/bin/${asset.platform}/THIRD-PARTY-NOTICES`)];
    assert.deepEqual(
      asset.files?.map((f) => [f.name, f.sha256]),
      [['tree-sitter.wasm', wasmSha], notices],
      asset.platform,
    );
  }
});

test("the plugin package's executors.json (which export Nx runs) is an input of every cached task", async () => {
  const manifest = 'tools/executors/package/executors.json';
  const original = read(manifest);
  edit(manifest, "for that platform's compile alone.", "for that platform's compile alone (edited).");
  try {
    const edited = await nx('run', 'codebuff-cli:native-linux-x64');
    assert.equal(edited.code, 0, edited.output);
    assert.deepEqual(edited.ran, ['codebuff-cli:native-linux-x64']);
  } finally {
    write(manifest, original);
  }
  const restored = await nx('run', 'codebuff-cli:native-linux-x64');
  assert.deepEqual({ ran: restored.ran, cached: restored.cached }, { ran: [], cached: ['codebuff-cli:native-linux-x64'] });
});

test('changes that reach no binary: README, tests, the cache server, workflows, another app, upload code', async () => {
  const unrelated = [
    'README.md',
    'apps/codebuff-cli/src/args.test.ts',
    'libs/common/src/project-summary.test.ts',
    'tools/remote-cache/handler.ts',
    '.github/workflows/ci.yml',
    'apps/codebuff-npm/src/launcher/platform.ts',
    'libs/release/src/upload/local.ts',
  ];
  for (const file of unrelated) {
    if (existsSync(path(file))) write(file, `${read(file)}\n// unrelated change\n`);
  }
  write('apps/codebuff-cli/NOTES.md', '# notes\n');
  const run = await nx('run', 'codebuff-cli:bundle');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual({ ran: run.ran, cached: run.cached }, { ran: [], cached: ALL_TASKS });
  git('add', '-A');
  git('commit', '-qm', 'unrelated changes');

  write('tools/remote-cache/handler.ts', `${read('tools/remote-cache/handler.ts')}\n// another unrelated change\n`);
  const affected = await runNx(ws.root, ['show', 'projects', '--affected', '--base=HEAD']);
  assert.equal(affected.code, 0, affected.output);
  assert.doesNotMatch(affected.stdout, /codebuff-cli/);
  git('commit', '-qam', 'cache server');
});

test("release.config.json: upload settings rebuild nothing; the installers' repository re-assembles the release only", async () => {
  edit('apps/codebuff-cli/release.config.json', '"prefix": "codebuff"', '"prefix": "codebuff-mirror"');
  const upload = await nx('run', 'codebuff-cli:bundle');
  assert.equal(upload.code, 0, upload.output);
  assert.deepEqual({ ran: upload.ran, cached: upload.cached }, { ran: [], cached: ALL_TASKS });

  edit('apps/codebuff-cli/release.config.json', '"repo": "CodebuffAI/codebuff"', '"repo": "CodebuffAI/codebuff-fork"');
  const installers = await nx('run', 'codebuff-cli:bundle');
  assert.equal(installers.code, 0, installers.output);
  assert.deepEqual(installers.ran, ['codebuff-cli:bundle']);
  assert.match(read('dist/release/1.0.0/codebuff.rb'), /github\.com\/CodebuffAI\/codebuff-fork\/releases\/download\/v1\.0\.0\//);

  // The license gate's allow-list is a compile input: every compile re-checks; the same binaries,
  // SBOMs and notices leave every bundle cached.
  const config = JSON.parse(read('apps/codebuff-cli/release.config.json'));
  write('apps/codebuff-cli/release.config.json', `${JSON.stringify({ ...config, allowedLicenses: ['MIT', 'ISC', 'MIT-0'] }, null, 2)}\n`);
  const licenses = await nx('run', 'codebuff-cli:bundle');
  assert.equal(licenses.code, 0, licenses.output);
  assert.deepEqual(licenses.ran, ALL_COMPILES);
  git('commit', '-qam', 'release config');
});

test('an installer template changes (read at run time, not imported): the release re-assembles only, with the change', async () => {
  edit(
    'libs/release/src/installers/templates/installer.sh.tmpl',
    '# Installs {{name}} {{version}}:',
    '# Installs {{name}} {{version}} (template changed):',
  );
  const run = await nx('run', 'codebuff-cli:bundle');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.ran, ['codebuff-cli:bundle']);
  assert.match(read('dist/release/1.0.0/codebuff-installer.sh'), /^# Installs codebuff 1\.0\.0 \(template changed\):/m);
  git('commit', '-qam', 'installer template');
});

test('a workspace library changes: nx affected picks the CLI, every compile runs, the binary has the change', async () => {
  edit('libs/common/src/usage.ts', 'Codebuff edits your codebase', 'Codebuff edits your whole codebase');
  git('commit', '-qam', 'library change');
  const shown = await runNx(ws.root, ['show', 'projects', '--affected', '--base=HEAD~1']);
  assert.match(shown.stdout, /codebuff-cli/);
  const run = await nx('affected', '-t', 'bundle', '--base=HEAD~1', '--head=HEAD');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(
    ALL_COMPILES.filter((t) => run.ran.includes(t)),
    ALL_COMPILES,
  );
  assert.match(codebuff('--help'), /Codebuff edits your whole codebase/);
});

test('the embedded file changes: every compile runs', async () => {
  write('apps/codebuff-cli/assets/tips.txt', 'Tip: a changed tip.\n');
  const run = await nx('run', 'codebuff-cli:compile');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.ran, ALL_COMPILES);
  assert.match(codebuff('--help'), /^Tip: a changed tip\.$/m);
});

test('a pipeline module the compile imports changes (version.ts): every compile runs; nx affected sees platforms.ts', async () => {
  write('libs/release/src/version.ts', `${read('libs/release/src/version.ts')}\n// pipeline change\n`);
  const run = await nx('run', 'codebuff-cli:compile');
  assert.equal(run.code, 0, run.output);
  // The native executor does not load version.ts (config.ts no longer imports it), so the fetches stay cached.
  assert.deepEqual(run.ran, ALL_COMPILES);
  assert.deepEqual(run.cached, ALL_NATIVE);
  git('commit', '-qam', 'pipeline change');
  write('libs/release/src/platforms.ts', `${read('libs/release/src/platforms.ts')}\n// pipeline change\n`);
  const affected = await runNx(ws.root, ['show', 'projects', '--affected', '--base=HEAD']);
  assert.match(affected.stdout, /codebuff-cli/);
  git('commit', '-qam', 'platforms change');
});

/** Another version of semver that npm already installed somewhere in node_modules, with its lockfile entry. */
function anotherSemver(): { dir: string; version: string; entry: Record<string, unknown> } {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, Record<string, unknown>> };
  const current = lock.packages['node_modules/semver'].version;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.endsWith('/node_modules/semver') && entry.version !== current && existsSync(path(key))) {
      return { dir: key, version: entry.version as string, entry };
    }
  }
  throw new Error('no other semver version installed');
}

test('an npm package the CLI bundles moves to another version in the lockfile: every compile runs, the binary has it', async () => {
  const other = anotherSemver();
  // What `npm install semver@<other>` leaves behind: that version in node_modules, in package.json and in the lockfile.
  rmSync(path('node_modules/semver'));
  cpSync(path(other.dir), path('node_modules/semver'), { recursive: true, dereference: true });
  const lock = JSON.parse(read('package-lock.json'));
  lock.packages['node_modules/semver'] = {
    ...lock.packages['node_modules/semver'],
    version: other.version,
    resolved: other.entry.resolved,
    integrity: other.entry.integrity,
  };
  lock.packages[''].dependencies.semver = other.version;
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const pkg = JSON.parse(read('package.json'));
  pkg.dependencies.semver = other.version;
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);

  const run = await nx('run', 'codebuff-cli:compile');
  assert.equal(run.code, 0, run.output);
  // The native executor runs semver itself (native-set.ts checks ranges), so it reruns too.
  assert.deepEqual(run.ran, [...ALL_COMPILES, ...ALL_NATIVE].sort());
  assert.match(codebuff('--info'), new RegExp(`bundled: semver ${other.version.replace(/\./g, '\\.')}\n`));
});

test('node_modules that drifted from the lockfile: the compile refuses instead of hashing one version and shipping another', async () => {
  const lock = JSON.parse(read('package-lock.json'));
  const pinned = lock.packages['node_modules/semver'].version as string;
  const pkgPath = 'node_modules/semver/package.json';
  const original = read(pkgPath);
  write(pkgPath, original.replace(`"version": "${pinned}"`, '"version": "99.0.0"'));
  try {
    const run = await nx('run', 'codebuff-cli:compile-linux-x64', '--skip-nx-cache');
    assert.notEqual(run.code, 0);
    assert.match(
      run.output,
      new RegExp(
        `error: codebuff-cli:compile-linux-x64: node_modules/semver is semver@99\\.0\\.0, but package-lock.json pins ${pinned.replace(/\./g, '\\.')} there; run npm ci`,
      ),
    );
  } finally {
    write(pkgPath, original);
  }
});

test('a native package for another platform stops that platform only, with one line', async () => {
  // A package like a native addon's per-platform build: npm installs it only on linux-x64 hosts.
  const dir = path('node_modules/fixture-native-linux-x64');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'fixture-native-linux-x64', version: '1.0.0', license: 'MIT', main: 'index.js', os: ['linux'], cpu: ['x64'] }),
  );
  writeFileSync(join(dir, 'index.js'), "exports.nativeName = 'linux-x64 addon';\n");
  const lock = JSON.parse(read('package-lock.json'));
  lock.packages['node_modules/fixture-native-linux-x64'] = {
    version: '1.0.0',
    resolved: 'https://registry.npmjs.org/fixture-native-linux-x64/-/fixture-native-linux-x64-1.0.0.tgz',
    integrity: `sha512-${createHash('sha512').update('fixture').digest('base64')}`,
    os: ['linux'],
    cpu: ['x64'],
  };
  lock.packages[''].dependencies['fixture-native-linux-x64'] = '1.0.0';
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const pkg = JSON.parse(read('package.json'));
  pkg.dependencies['fixture-native-linux-x64'] = '1.0.0';
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  const main = read(MAIN);
  write(MAIN, `import { nativeName } from 'fixture-native-linux-x64';\nif (process.env.CODEBUFF_NATIVE) console.log(nativeName);\n${main}`);
  try {
    const darwin = await nx('run', 'codebuff-cli:compile-darwin-arm64');
    assert.notEqual(darwin.code, 0);
    assert.match(
      darwin.output,
      /error: codebuff-cli:compile-darwin-arm64: fixture-native-linux-x64@1\.0\.0 is native code for linux x64, not darwin-arm64/,
    );
    assert.equal(existsSync(path('dist/build/bin/darwin-arm64/codebuff')), true, 'the last good binary is left in place');

    const host = await nx('run', 'codebuff-cli:compile-linux-x64');
    assert.equal(host.code, 0, host.output);
    assert.equal(
      execFileSync(path('dist/build/bin/linux-x64/codebuff'), ['--version'], {
        encoding: 'utf8',
        env: { ...process.env, CODEBUFF_NATIVE: '1' },
      }).split('\n')[0],
      'linux-x64 addon',
    );
  } finally {
    write(MAIN, main);
  }
});

test('a source file imports a file outside every declared input: the compile fails naming it, and no archive is written', async () => {
  const ok = await nx('run', 'codebuff-cli:bundle-linux-x64');
  assert.equal(ok.code, 0, ok.output);
  const archiveBefore = sha('dist/build/bundles/linux-x64/codebuff-linux-x64.tar.gz');
  const binaryBefore = sha('dist/build/bin/linux-x64/codebuff');
  write('codebuff-settings.json', '{ "greeting": "hello" }\n');
  const main = read(MAIN);
  write(
    MAIN,
    `import settings from '../../../codebuff-settings.json';\nif (process.env.CODEBUFF_SETTINGS) console.log(settings.greeting);\n${main}`,
  );
  try {
    const run = await nx('run', 'codebuff-cli:bundle-linux-x64');
    assert.notEqual(run.code, 0);
    const errors = run.output.split('\n').filter((line) => line.startsWith('error: '));
    assert.deepEqual(errors, [
      "error: codebuff-cli:compile-linux-x64: Bun bundled codebuff-settings.json, which is not an input of the task (a change to it would not rebuild the binary); move it into the project or a library it imports, or add it to the target's inputs",
    ]);
    assert.equal(run.ran.includes('codebuff-cli:bundle-linux-x64'), false);
    assert.equal(sha('dist/build/bin/linux-x64/codebuff'), binaryBefore);
    assert.equal(sha('dist/build/bundles/linux-x64/codebuff-linux-x64.tar.gz'), archiveBefore);
  } finally {
    write(MAIN, main);
  }
});

// ---- OpenTUI's platform packages: what each platform's tasks hash, and bad lockfile input ----

type Lock = { packages: Record<string, { version?: string; integrity?: string; cpu?: string[] }> };
const CORE = 'node_modules/@opentui/core';
const DARWIN_ARM64 = 'node_modules/@opentui/core-darwin-arm64';

/** Edits package-lock.json for the length of `body`, then puts it back byte for byte. */
async function withLock(edit: (lock: Lock) => void, body: () => Promise<void>): Promise<void> {
  const original = read('package-lock.json');
  const lock = JSON.parse(original) as Lock;
  edit(lock);
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  try {
    await body();
  } finally {
    write('package-lock.json', original);
  }
}

/** The same tarball's integrity with its sha1 added: another lockfile entry for the very same bytes. */
async function withSha1(key: string, lock: Lock): Promise<void> {
  const name = key.slice('node_modules/'.length);
  const manifest = (await pacote.manifest(`${name}@${lock.packages[key].version}`, { fullMetadata: true })) as unknown as {
    dist: { shasum: string };
  };
  lock.packages[key].integrity = `${lock.packages[key].integrity} sha1-${Buffer.from(manifest.dist.shasum, 'hex').toString('base64')}`;
}

/** Runs a bundle that must fail: one error line matching `line`, and the platform's binary and archive untouched. */
async function refused(platform: string, line: RegExp): Promise<void> {
  const binary = `dist/build/bin/${platform}/codebuff`;
  const archive = `dist/build/bundles/${platform}/codebuff-${platform}.tar.gz`;
  const before = [sha(binary), sha(archive)];
  const run = await nx('run', `codebuff-cli:bundle-${platform}`);
  assert.notEqual(run.code, 0, run.output);
  assert.match(run.output, line);
  assert.deepEqual([sha(binary), sha(archive)], before, 'the previous binary and archive stay');
}

test("a bump of @opentui/core's pin rebuilds all five compiles; one platform package's pin rebuilds that platform alone", async () => {
  const settle = await nx('run', 'codebuff-cli:bundle');
  assert.equal(settle.code, 0, settle.output);
  const lock = JSON.parse(read('package-lock.json')) as Lock;
  await withSha1(CORE, lock);
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const core = await nx('run', 'codebuff-cli:compile');
  assert.equal(core.code, 0, core.output);
  assert.deepEqual(core.ran, ALL_COMPILES, 'every compile, no refetch of any platform package');

  await withSha1(DARWIN_ARM64, lock);
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const one = await nx('run', 'codebuff-cli:compile');
  assert.equal(one.code, 0, one.output);
  assert.deepEqual(one.ran, ['codebuff-cli:compile-darwin-arm64', 'codebuff-cli:native-darwin-arm64']);
  git('commit', '-qam', 'lockfile pins with sha1 too');
});

test('bad lockfile input: one line naming the package and the platform; the previous binary and archive stay', async () => {
  const built = await nx('run', 'codebuff-cli:bundle');
  assert.equal(built.code, 0, built.output);
  // The lockfile lacks the target's platform package.
  await withLock(
    (lock) => delete lock.packages[DARWIN_ARM64],
    () =>
      refused(
        'darwin-arm64',
        /darwin-arm64: the code imports @opentui\/core-darwin-arm64, which package-lock\.json does not provide for darwin-arm64/,
      ),
  );
  // The registry's tarball is not the one the lockfile pins.
  await withLock(
    (lock) => void (lock.packages[DARWIN_ARM64].integrity = `sha512-${createHash('sha512').update('another tarball').digest('base64')}`),
    () =>
      refused(
        'darwin-arm64',
        /darwin-arm64: @opentui\/core-darwin-arm64@0\.4\.5 from the registry does not match the integrity package-lock\.json pins/,
      ),
  );
  // A platform package at a version its parent does not ask for (refused before any task runs).
  await withLock(
    (lock) => void (lock.packages[DARWIN_ARM64].version = '0.4.1'),
    () =>
      refused(
        'darwin-arm64',
        /darwin-arm64: package-lock\.json pins @opentui\/core-darwin-arm64@0\.4\.1, but @opentui\/core requires 0\.4\.5/,
      ),
  );
  // A lockfile entry whose cpu says x64: the darwin-x64 compile would take it; the tarball says arm64.
  await withLock(
    (lock) => void (lock.packages[DARWIN_ARM64].cpu = ['x64']),
    () => refused('darwin-x64', /darwin-x64: @opentui\/core-darwin-arm64@0\.4\.5 is built for darwin\/arm64, not darwin-x64/),
  );
  // An unknown platform in the exclusions.
  const config = read('apps/codebuff-cli/release.config.json');
  write('apps/codebuff-cli/release.config.json', config.replace('"linux-arm64": {', '"plan9-mips": { "x": "y" },\n    "linux-arm64": {'));
  try {
    await refused('darwin-arm64', /nativeExclusions: unknown platform "plan9-mips"/);
  } finally {
    write('apps/codebuff-cli/release.config.json', config);
  }
});
