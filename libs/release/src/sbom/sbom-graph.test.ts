/**
 * The SBOMs, notices and license gate on the real build graph: a throwaway copy of this workspace
 * (node_modules of its own whose entries link to the real packages), built with Nx as a user would.
 * Each check reads what the build left: the SBOM files, Bun's metafile, the archives' bytes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { copyWorkspace, runNx, taskOutcome, type TestWorkspace } from '@codebuff/testing/workspace';
import { parseSha256Sums } from '../checksums';
import { runtimePackageName } from '../native/native-set';
import { readPlatformTable } from '../platforms';

const PLATFORMS = readPlatformTable().map((row) => row.key);
const RELEASE = 'dist/release/1.0.0';
const CLI = 'apps/codebuff-cli';
const CONFIG = `${CLI}/release.config.json`;

interface Component {
  type: string;
  group?: string;
  name: string;
  version: string;
  purl?: string;
  licenses?: { license?: { id?: string }; expression?: string }[];
  hashes?: { alg: string; content: string }[];
}
interface Sbom {
  serialNumber: string;
  metadata: { component: { name: string; version: string } };
  components: Component[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

let ws: TestWorkspace;
const path = (relative: string) => join(ws.root, relative);
const read = (relative: string) => readFileSync(path(relative), 'utf8');
const write = (relative: string, text: string) => writeFileSync(path(relative), text);
const sha = (relative: string) =>
  createHash('sha256')
    .update(readFileSync(path(relative)))
    .digest('hex');
const sbomOf = (platform: string): Sbom => JSON.parse(read(`dist/build/bin/${platform}/sbom.cdx.json`)) as Sbom;
const fullName = (c: Component) => (c.group ? `${c.group}/${c.name}` : c.name);
const npmComponents = (sbom: Sbom) =>
  sbom.components
    .filter((c) => c.type === 'library' && c.purl?.startsWith('pkg:npm/'))
    .map((c) => `${fullName(c)}@${c.version}`)
    .sort();

async function nx(...args: string[]) {
  const run = await runNx(ws.root, args);
  return { ...run, ...taskOutcome(run.output) };
}

/** What the metafile says is in the binary, derived here on its own: each input under node_modules, by its package's folder. */
function packagesInMetafile(platform: string): string[] {
  const metafile = JSON.parse(read(`dist/build/bin/${platform}/bun-metafile.json`)) as { inputs: Record<string, unknown> };
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    const dir = resolve(path(CLI), match[1] + match[2]);
    found.add(`${match[2]}@${(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version}`);
  }
  return [...found].sort();
}

before(() => {
  ws = copyWorkspace('codebuff-sbom-');
});
after(() => ws.dispose());

test('a release: five SBOMs that validate against CycloneDX 1.6, each listing exactly the packages the metafile shows, in SHA256SUMS and the manifest', async () => {
  const run = await nx('run', 'codebuff-cli:bundle');
  assert.equal(run.code, 0, run.output);
  const sums = new Map(parseSha256Sums(read(`${RELEASE}/SHA256SUMS`)).map((e) => [e.fileName, e.sha256]));
  const manifest = JSON.parse(read(`${RELEASE}/manifest.json`)) as {
    assets: { platform: string; sbom?: { fileName: string; sha256: string; size: number } }[];
  };
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const bun = (JSON.parse(read('node_modules/bun/package.json')) as { version: string }).version;
  for (const platform of PLATFORMS) {
    const file = `codebuff-${platform}.cdx.json`;
    const text = read(`${RELEASE}/${file}`);
    assert.equal(await validator.validate(text), null, `${file} is valid CycloneDX 1.6`);
    assert.equal(text, read(`dist/build/bin/${platform}/sbom.cdx.json`), "the release carries the compile's SBOM unchanged");
    assert.equal(sums.get(file), sha(`${RELEASE}/${file}`), `${file} in SHA256SUMS`);
    const asset = manifest.assets.find((a) => a.platform === platform);
    assert.deepEqual(asset?.sbom, { fileName: file, size: Buffer.byteLength(text), sha256: sha(`${RELEASE}/${file}`) });

    const sbom = JSON.parse(text) as Sbom;
    assert.deepEqual(npmComponents(sbom), packagesInMetafile(platform), `${platform}: the SBOM's npm packages are the metafile's`);
    const row = readPlatformTable().find((r) => r.key === platform);
    const runtime = sbom.components.filter((c) => c.type === 'platform').map((c) => `${fullName(c)}@${c.version}`);
    assert.deepEqual(runtime, [`${runtimePackageName(row?.bunTarget ?? '')}@${bun}`], `${platform}: Bun's runtime for the target`);
    const libraries = sbom.components
      .filter((c) => !c.purl)
      .map(fullName)
      .sort();
    assert.deepEqual(libraries, ['@codebuff/common', '@codebuff/sdk']);
    assert.deepEqual([sbom.metadata.component.name, sbom.metadata.component.version], ['codebuff', '1.0.0']);
    for (const c of sbom.components.filter((c) => c.purl)) {
      assert.ok(
        c.hashes?.some((h) => h.alg === 'SHA-512'),
        `${fullName(c)}: the lockfile's integrity as a hash`,
      );
      assert.ok(c.licenses?.length, `${fullName(c)}: a license`);
    }
    // An edge the lockfile gives: @opentui/react depends on react.
    const react = sbom.components.find((c) => fullName(c) === 'react');
    assert.ok(sbom.dependencies.find((d) => d.ref.startsWith('pkg:npm/%40opentui/react@'))?.dependsOn?.includes(react?.purl ?? '?'));
  }
});

test("darwin-arm64's SBOM names its own platform package and no other platform's; linux-x64's likewise", () => {
  const darwin = npmComponents(sbomOf('darwin-arm64'));
  assert.ok(
    darwin.some((c) => c.startsWith('@opentui/core-darwin-arm64@')),
    darwin.join(', '),
  );
  assert.deepEqual(
    darwin.filter((c) => /^@opentui\/core-(linux|win32|darwin-x64)/.test(c)),
    [],
  );
  const linux = npmComponents(sbomOf('linux-x64'));
  assert.ok(linux.some((c) => c.startsWith('@opentui/core-linux-x64@')));
  assert.deepEqual(
    linux.filter((c) => /^@opentui\/core-(darwin|win32|linux-arm64)/.test(c)),
    [],
  );
});

test('each archive carries THIRD-PARTY-NOTICES beside the binary, with the license text of a bundled package', () => {
  const listing = execFileSync('tar', ['tzf', path(`${RELEASE}/codebuff-linux-x64.tar.gz`)], { encoding: 'utf8' });
  assert.equal(listing, 'codebuff\ntree-sitter.wasm\nTHIRD-PARTY-NOTICES\n');
  const notices = execFileSync('tar', ['xzf', path(`${RELEASE}/codebuff-linux-x64.tar.gz`), '-O', 'THIRD-PARTY-NOTICES'], {
    encoding: 'utf8',
  });
  assert.equal(notices, read('dist/build/bin/linux-x64/THIRD-PARTY-NOTICES'));
  const semver = JSON.parse(read('node_modules/semver/package.json')) as { version: string };
  assert.match(notices, new RegExp(`^- semver ${semver.version.replace(/\./g, '\\.')} \\(ISC\\)$`, 'm'));
  assert.ok(notices.includes(read('node_modules/semver/LICENSE').trimEnd()), "semver's LICENSE text");
  // One MIT text shipped by all three OpenTUI packages is printed once.
  const opentui = read('node_modules/@opentui/core/LICENSE').trimEnd();
  assert.equal(notices.split(opentui).length - 1, 1);
  const manifest = JSON.parse(read(`${RELEASE}/manifest.json`)) as {
    assets: { platform: string; files?: { name: string; sha256: string }[] }[];
  };
  for (const asset of manifest.assets) {
    assert.deepEqual(
      asset.files?.map((f) => f.name),
      ['tree-sitter.wasm', 'THIRD-PARTY-NOTICES'],
      asset.platform,
    );
    assert.equal(asset.files?.[1].sha256, sha(`dist/build/bin/${asset.platform}/THIRD-PARTY-NOTICES`));
  }
});

test('a source change that adds no dependency: every binary changes, every SBOM stays byte for byte', async () => {
  const before = PLATFORMS.map((p) => [
    sha(`dist/build/bin/${p}/sbom.cdx.json`),
    sha(`dist/build/bin/${p}/THIRD-PARTY-NOTICES`),
    sha(`dist/build/bin/${p}/${p.startsWith('win32') ? 'codebuff.exe' : 'codebuff'}`),
  ]);
  write(
    'libs/common/src/usage.ts',
    read('libs/common/src/usage.ts').replace('Codebuff edits your codebase', 'Codebuff edits your whole codebase'),
  );
  const run = await nx('run', 'codebuff-cli:compile');
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.ran, PLATFORMS.map((p) => `codebuff-cli:compile-${p}`).sort());
  const now = PLATFORMS.map((p) => [
    sha(`dist/build/bin/${p}/sbom.cdx.json`),
    sha(`dist/build/bin/${p}/THIRD-PARTY-NOTICES`),
    sha(`dist/build/bin/${p}/${p.startsWith('win32') ? 'codebuff.exe' : 'codebuff'}`),
  ]);
  for (const [i, platform] of PLATFORMS.entries()) {
    assert.deepEqual(now[i].slice(0, 2), before[i].slice(0, 2), `${platform}: SBOM and notices unchanged`);
    assert.notEqual(now[i][2], before[i][2], `${platform}: the binary did change`);
  }
});

test('an installed package is absent until a library imports it; then it is in the next SBOM, with its license text in the notices', async () => {
  const jsonc = (JSON.parse(read('node_modules/jsonc-parser/package.json')) as { version: string }).version;
  assert.ok(existsSync(path('node_modules/jsonc-parser')), 'installed');
  assert.equal(
    npmComponents(sbomOf('linux-x64')).some((c) => c.startsWith('jsonc-parser@')),
    false,
    'installed but not bundled: absent',
  );
  const usage = read('libs/common/src/usage.ts');
  write(
    'libs/common/src/usage.ts',
    `import { parse } from 'jsonc-parser';\n${usage.replace('export const USAGE = `', 'export const USAGE = `${parse(\'""\')}')}`,
  );
  const run = await nx('run', 'codebuff-cli:compile-linux-x64');
  assert.equal(run.code, 0, run.output);
  assert.ok(npmComponents(sbomOf('linux-x64')).includes(`jsonc-parser@${jsonc}`));
  assert.deepEqual(npmComponents(sbomOf('linux-x64')), packagesInMetafile('linux-x64'));
  assert.ok(
    read('dist/build/bin/linux-x64/THIRD-PARTY-NOTICES').includes(
      read('node_modules/jsonc-parser/LICENSE.md').replace(/\r\n/g, '\n').trimEnd(),
    ),
  );
  write('libs/common/src/usage.ts', usage);
});

/** A package in node_modules and the lockfile that the CLI imports, with the given package.json license fields. */
function installFixture(license: Record<string, unknown>): void {
  const dir = path('node_modules/fixture-licensed');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture-licensed', version: '1.0.0', main: 'index.js', ...license }));
  writeFileSync(join(dir, 'index.js'), "exports.greeting = 'fixture';\n");
  writeFileSync(join(dir, 'COPYING'), 'Fixture license text.\n');
}

test('a bundled package whose license is not allowed, unparseable or missing stops the compile with one line; nothing is written; allowing it lets it through', async () => {
  const lock = JSON.parse(read('package-lock.json'));
  lock.packages['node_modules/fixture-licensed'] = {
    version: '1.0.0',
    resolved: 'https://registry.npmjs.org/fixture-licensed/-/fixture-licensed-1.0.0.tgz',
    integrity: `sha512-${createHash('sha512').update('fixture').digest('base64')}`,
  };
  lock.packages[''].dependencies['fixture-licensed'] = '1.0.0';
  write('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const pkg = JSON.parse(read('package.json'));
  pkg.dependencies['fixture-licensed'] = '1.0.0';
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  const main = read(`${CLI}/src/main.tsx`);
  write(
    `${CLI}/src/main.tsx`,
    `import { greeting } from 'fixture-licensed';\nif (process.env.CODEBUFF_FIXTURE) console.log(greeting);\n${main}`,
  );

  const kept = ['codebuff', 'sbom.cdx.json', 'THIRD-PARTY-NOTICES', 'compile.json'].map((f) => `dist/build/bin/linux-x64/${f}`);
  const before = kept.map(sha);
  const refused = async (license: Record<string, unknown>, line: string) => {
    installFixture(license);
    const run = await nx('run', 'codebuff-cli:bundle-linux-x64');
    assert.notEqual(run.code, 0, run.output);
    assert.deepEqual(
      run.output.split('\n').filter((l) => l.startsWith('error: ')),
      [`error: ${line}`],
    );
    assert.deepEqual(kept.map(sha), before, 'the previous binary, SBOM and notices stay');
  };
  const task = 'codebuff-cli:compile-linux-x64';
  await refused(
    { license: 'GPL-3.0-only' },
    `${task}: the binary would bundle fixture-licensed@1.0.0, licensed GPL-3.0-only, which is not allowed; add it to allowedLicenses in ${CONFIG} if it may ship, or remove the package`,
  );
  await refused(
    { license: 'SEE LICENSE IN COPYING' },
    `${task}: the binary would bundle fixture-licensed@1.0.0, whose license "SEE LICENSE IN COPYING" is not an SPDX expression, so it cannot be checked against allowedLicenses in ${CONFIG}; replace the package, or ask its authors for an SPDX license`,
  );
  await refused(
    {},
    `${task}: the binary would bundle fixture-licensed@1.0.0, whose package.json declares no license; replace the package, or ask its authors for one`,
  );

  // Allowed in release.config.json: the compile (whose cache key holds the allow-list) runs again and keeps it.
  installFixture({ license: 'GPL-3.0-only' });
  const config = JSON.parse(read(CONFIG));
  write(CONFIG, `${JSON.stringify({ ...config, allowedLicenses: ['MIT', 'ISC', 'GPL-3.0-only'] }, null, 2)}\n`);
  const run = await nx('run', 'codebuff-cli:compile-linux-x64');
  assert.equal(run.code, 0, run.output);
  const fixture = sbomOf('linux-x64').components.find((c) => c.name === 'fixture-licensed');
  assert.deepEqual(fixture?.licenses, [{ license: { id: 'GPL-3.0-only' } }]);
  assert.match(
    read('dist/build/bin/linux-x64/THIRD-PARTY-NOTICES'),
    /- fixture-licensed 1\.0\.0 \(GPL-3\.0-only\)\n[\s\S]*Fixture license text\./,
  );
});

test('a malformed allow-list: one line and a non-zero exit before any task runs', async () => {
  const config = JSON.parse(read(CONFIG));
  write(CONFIG, `${JSON.stringify({ ...config, allowedLicenses: ['MIT', 'MIT OR'] }, null, 2)}\n`);
  const run = await nx('run', 'codebuff-cli:compile-linux-x64');
  assert.notEqual(run.code, 0);
  assert.match(run.output, /invalid apps\/codebuff-cli\/release\.config\.json: allowedLicenses\.1: "MIT OR" is not an SPDX license id/);
  assert.deepEqual(run.ran, []);
});
