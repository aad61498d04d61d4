import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getPlatform } from '../platforms';
import { bundledNpmFor } from './bundled-npm';
import type { LockEntry, Lockfile } from './lockfile';
import { nativeFingerprint, nativeSetFor, runtimePackageName } from './native-set';

const sha = (n: string) => `sha512-${n}`;
const platformPackage = (os: string, cpu: string, libc?: string): LockEntry => ({
  version: '1.0.0',
  integrity: sha(`${os}-${cpu}${libc ?? ''}`),
  os: [os],
  cpu: [cpu],
  ...(libc ? { libc: [libc] } : {}),
});
const runtime = (version = '1.4.4'): LockEntry => ({ version, integrity: sha(`bun-${version}`) });

/** A lockfile shaped like this workspace's: a UI library with a native package per platform, Bun's runtimes, a dev tool. */
function lockfile(): Lockfile {
  return {
    packages: {
      '': {
        name: 'ws',
        dependencies: { ui: '1.0.0', plain: '2.0.0' },
        devDependencies: {},
        optionalDependencies: { '@oven/bun-linux-x64-baseline': '1.4.4' },
      } as LockEntry,
      'node_modules/ui': {
        version: '1.0.0',
        integrity: sha('ui'),
        dependencies: { helper: '^3.0.0' },
        optionalDependencies: {
          'ui-linux-x64': '1.0.0',
          'ui-linux-x64-musl': '1.0.0',
          'ui-darwin-arm64': '1.0.0',
          'ui-win32-x64': '1.0.0',
          'ui-linux-arm64-musl': '1.0.0',
        },
      },
      'node_modules/ui-linux-x64': platformPackage('linux', 'x64'),
      'node_modules/ui-linux-x64-musl': platformPackage('linux', 'x64', 'musl'),
      'node_modules/ui-darwin-arm64': platformPackage('darwin', 'arm64'),
      'node_modules/ui-win32-x64': platformPackage('win32', 'x64'),
      // ui-linux-arm64-musl: not on the registry, so not in the lockfile
      'node_modules/helper': { version: '3.1.0', integrity: sha('helper') },
      'node_modules/plain': { version: '2.0.0', integrity: sha('plain') },
      'node_modules/@oven/bun-linux-x64-baseline': runtime(),
      'node_modules/@oven/bun-linux-aarch64': runtime(),
      'node_modules/@oven/bun-darwin-aarch64': runtime(),
      'node_modules/@oven/bun-windows-x64-baseline': runtime(),
      'node_modules/@oven/bun-darwin-x64-baseline': runtime(),
    },
  };
}

const names = (set: ReturnType<typeof nativeSetFor>) => set.packages.map((p) => p.name);

test("each platform's set holds the platform packages that admit it (libc twins alike) and Bun's runtime at Bun's version", () => {
  const lock = lockfile();
  assert.deepEqual(names(nativeSetFor(lock, getPlatform('linux-x64'), '1.4.4')), ['ui-linux-x64', 'ui-linux-x64-musl']);
  assert.deepEqual(names(nativeSetFor(lock, getPlatform('darwin-arm64'), '1.4.4')), ['ui-darwin-arm64']);
  assert.deepEqual(names(nativeSetFor(lock, getPlatform('darwin-x64'), '1.4.4')), []);
  const win = nativeSetFor(lock, getPlatform('win32-x64'), '1.4.4');
  assert.deepEqual(names(win), ['ui-win32-x64']);
  assert.equal(win.runtime.name, '@oven/bun-windows-x64-baseline');
  assert.equal(nativeSetFor(lock, getPlatform('linux-arm64'), '1.4.4').runtime.name, '@oven/bun-linux-aarch64');
  assert.equal(runtimePackageName('bun-linux-arm64-musl'), '@oven/bun-linux-aarch64-musl');
  // Every name the code can import, any target's, even one the lockfile lacks: the compile refuses those.
  assert.deepEqual(win.platformNames, ['ui-darwin-arm64', 'ui-linux-arm64-musl', 'ui-linux-x64', 'ui-linux-x64-musl', 'ui-win32-x64']);
});

test("one platform package's pin changes that platform's fingerprint only", () => {
  const before = Object.fromEntries(
    ['linux-x64', 'darwin-arm64', 'win32-x64'].map((k) => [k, nativeFingerprint(nativeSetFor(lockfile(), getPlatform(k), '1.4.4'))]),
  );
  const lock = lockfile();
  lock.packages['node_modules/ui-darwin-arm64'].integrity = sha('darwin-arm64-rebuilt');
  for (const key of Object.keys(before)) {
    const now = nativeFingerprint(nativeSetFor(lock, getPlatform(key), '1.4.4'));
    assert.equal(now === before[key], key !== 'darwin-arm64', key);
  }
});

test('bad lockfile input: one line naming the package and the platform', () => {
  const wrongVersion = lockfile();
  wrongVersion.packages['node_modules/ui-darwin-arm64'].version = '0.9.0';
  assert.throws(
    () => nativeSetFor(wrongVersion, getPlatform('darwin-arm64'), '1.4.4'),
    /^ReleaseError: darwin-arm64: package-lock\.json pins ui-darwin-arm64@0\.9\.0, but ui requires 1\.0\.0; run npm install/,
  );
  const noIntegrity = lockfile();
  delete noIntegrity.packages['node_modules/ui-win32-x64'].integrity;
  assert.throws(
    () => nativeSetFor(noIntegrity, getPlatform('win32-x64'), '1.4.4'),
    /win32-x64: package-lock\.json has no version or integrity for ui-win32-x64/,
  );
  const noRuntime = lockfile();
  delete noRuntime.packages['node_modules/@oven/bun-darwin-aarch64'];
  assert.throws(
    () => nativeSetFor(noRuntime, getPlatform('darwin-arm64'), '1.4.4'),
    /darwin-arm64: package-lock\.json has no @oven\/bun-darwin-aarch64 \(Bun's runtime for bun-darwin-arm64\); add it with npm install --save-optional --save-exact @oven\/bun-darwin-aarch64@1\.4\.4/,
  );
  assert.throws(
    () => nativeSetFor(lockfile(), getPlatform('linux-x64'), '1.5.0'),
    /linux-x64: package-lock\.json pins @oven\/bun-linux-x64-baseline@1\.4\.4, but Bun is 1\.5\.0/,
  );
  assert.throws(
    () => nativeSetFor(lockfile(), getPlatform('linux-x64'), '1.4.4', { 'not-a-platform-package': 'why' }),
    /linux-x64: nativeExclusions names not-a-platform-package, which is no platform package/,
  );
});

test('an excluded package is neither fetched nor hashed for that platform, and is recorded with its reason', () => {
  const set = nativeSetFor(lockfile(), getPlatform('linux-x64'), '1.4.4', { 'ui-linux-x64-musl': 'no musl build' });
  assert.deepEqual(names(set), ['ui-linux-x64']);
  assert.deepEqual(set.excluded, { 'ui-linux-x64-musl': 'no musl build' });
  assert.notEqual(nativeFingerprint(set), nativeFingerprint(nativeSetFor(lockfile(), getPlatform('linux-x64'), '1.4.4')));
});

test("the npm packages a platform's binary can bundle: dependencies walked, other platforms' packages left out", () => {
  const lock = lockfile();
  const linux = bundledNpmFor(lock, ['ui'], 'linux-x64');
  assert.deepEqual([...linux.packages.keys()].sort(), ['helper', 'ui', 'ui-linux-x64', 'ui-linux-x64-musl']);
  assert.deepEqual(linux.pins[0], `node_modules/helper@3.1.0 ${sha('helper')}`);
  const darwin = bundledNpmFor(lock, ['ui', 'plain'], 'darwin-arm64');
  assert.deepEqual([...darwin.packages.keys()].sort(), ['helper', 'plain', 'ui', 'ui-darwin-arm64']);
  assert.deepEqual([...bundledNpmFor(lock, ['ui'], 'linux-x64', { 'ui-linux-x64-musl': 'x' }).packages.keys()].sort(), [
    'helper',
    'ui',
    'ui-linux-x64',
  ]);
  // Another platform's package changes: this platform's pins stay the same.
  lock.packages['node_modules/ui-darwin-arm64'].integrity = sha('other');
  assert.deepEqual(bundledNpmFor(lock, ['ui'], 'linux-x64').pins, linux.pins);
  assert.notDeepEqual(bundledNpmFor(lock, ['ui', 'plain'], 'darwin-arm64').pins, darwin.pins);
});
