import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getPlatform } from '../platforms';
import { allows, checkBundledInputs, type DeclaredInputs, packageRootOf } from './bundled-inputs';

/** A workspace with an app, a lockfile and two installed packages: one plain, one linux-x64 only. */
function fixtureWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'bundled-inputs-'));
  mkdirSync(join(root, 'apps/cli/src'), { recursive: true });
  const install = (name: string, pkg: Record<string, unknown>) => {
    mkdirSync(join(root, 'node_modules', name), { recursive: true });
    writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...pkg }));
  };
  install('semver', { version: '7.7.3' });
  install('@scope/native-linux-x64', { version: '1.0.0', os: ['linux'], cpu: ['x64'] });
  writeFileSync(
    join(root, 'package-lock.json'),
    JSON.stringify({
      packages: { 'node_modules/semver': { version: '7.7.3' }, 'node_modules/@scope/native-linux-x64': { version: '1.0.0' } },
    }),
  );
  return root;
}

const declared = (files: string[], packages: Record<string, string[]> = {}): DeclaredInputs => ({
  task: 'cli:compile-linux-x64',
  files: new Set(files),
  packages: new Map(Object.entries(packages).map(([name, versions]) => [name, new Set(versions)])),
});

const check = (root: string, inputs: string[], d: DeclaredInputs, platform = 'linux-x64') =>
  checkBundledInputs({
    metafile: { inputs: Object.fromEntries(inputs.map((i) => [i, {}])) },
    cwd: join(root, 'apps/cli'),
    workspaceRoot: root,
    declared: d,
    platform: getPlatform(platform),
  });

test('files and packages the hash covers pass', () => {
  const root = fixtureWorkspace();
  check(
    root,
    ['src/main.ts', '../../node_modules/semver/index.js', '../../node_modules/semver/package.json'],
    declared(['apps/cli/src/main.ts'], { semver: ['7.7.3'] }),
  );
});

test('a bundled file the task does not hash is refused, naming it', () => {
  const root = fixtureWorkspace();
  assert.throws(
    () => check(root, ['src/main.ts', '../../settings.json'], declared(['apps/cli/src/main.ts'])),
    /^ReleaseError: cli:compile-linux-x64: Bun bundled settings\.json, which is not an input of the task/,
  );
  assert.throws(() => check(root, ['/etc/hostname'], declared([])), /Bun bundled \/etc\/hostname, which is outside the workspace/);
});

test('an npm package outside the hash, or installed at another version than the lockfile or the hash says, is refused', () => {
  const root = fixtureWorkspace();
  assert.throws(
    () => check(root, ['../../node_modules/semver/index.js'], declared([])),
    /Bun bundled the npm package semver \(node_modules\/semver\), which is not an input/,
  );
  assert.throws(
    () => check(root, ['../../node_modules/semver/index.js'], declared([], { semver: ['6.3.1'] })),
    /node_modules\/semver is semver@7\.7\.3, but the task hashes semver at 6\.3\.1/,
  );
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/semver': { version: '7.8.0' } } }));
  assert.throws(
    () => check(root, ['../../node_modules/semver/index.js'], declared([], { semver: ['7.7.3'] })),
    /node_modules\/semver is semver@7\.7\.3, but package-lock\.json pins 7\.8\.0 there; run npm ci/,
  );
});

test("a package built for another platform stops that platform's compile only", () => {
  const root = fixtureWorkspace();
  const inputs = ['../../node_modules/@scope/native-linux-x64/index.js'];
  const d = declared([], { '@scope/native-linux-x64': ['1.0.0'] });
  check(root, inputs, d, 'linux-x64');
  assert.throws(
    () => check(root, inputs, d, 'darwin-arm64'),
    /@scope\/native-linux-x64@1\.0\.0 is native code for linux x64, not darwin-arm64/,
  );
  assert.throws(() => check(root, inputs, d, 'win32-x64'), /not win32-x64/);
});

test("npm's os/cpu rule and the package root of a bundled file", () => {
  assert.equal(allows(undefined, 'linux'), true);
  assert.equal(allows(['darwin', 'linux'], 'linux'), true);
  assert.equal(allows(['darwin'], 'linux'), false);
  assert.equal(allows(['!win32'], 'linux'), true);
  assert.equal(allows(['!win32'], 'win32'), false);
  assert.equal(packageRootOf('/w/node_modules/@s/p/lib/x.js'), '/w/node_modules/@s/p');
  assert.equal(packageRootOf('/w/node_modules/a/node_modules/b/x.js'), '/w/node_modules/a/node_modules/b');
  assert.equal(packageRootOf('/w/apps/cli/src/main.ts'), undefined);
});
