import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_VERSION_LENGTH, normalizeVersion, releaseTag, resolveVersion } from './version';

test('accepts semver and the v-prefixed tag form', () => {
  assert.equal(normalizeVersion('1.2.3'), '1.2.3');
  assert.equal(normalizeVersion('v1.2.3-beta.1'), '1.2.3-beta.1');
  assert.equal(releaseTag('1.2.3'), 'v1.2.3');
});

test('refuses anything that is not semver, naming where it came from', () => {
  assert.throws(() => normalizeVersion('1.2'), /invalid version "1.2": expected semver/);
  assert.throws(() => resolveVersion({ env: 'latest' }), /invalid VERSION "latest"/);
  assert.throws(() => resolveVersion({ option: 'vv1.0.0' }), /invalid --version/);
});

test('option beats VERSION beats package.json', () => {
  assert.equal(resolveVersion({ option: '3.0.0', env: '2.0.0', packageVersion: '1.0.0' }), '3.0.0');
  assert.equal(resolveVersion({ env: 'v2.0.0', packageVersion: '1.0.0' }), '2.0.0');
  assert.equal(resolveVersion({ packageVersion: '1.0.0' }), '1.0.0');
  assert.throws(() => resolveVersion({}), /no version/);
});

test('a version too long for a release folder name is refused up front, one line; the longest allowed passes', () => {
  const longest = `1.0.0-${'a'.repeat(MAX_VERSION_LENGTH - 6)}`;
  assert.equal(normalizeVersion(longest), longest);
  assert.throws(
    () => normalizeVersion(`${longest}b`, 'VERSION'),
    /^ReleaseError: invalid VERSION "1\.0\.0-a{34}…": 234 characters, more than the 233 a release folder's name can hold$/,
  );
});

test('build metadata is valid semver but refused, saying why (npm drops it; tag and package would disagree)', () => {
  assert.throws(
    () => normalizeVersion('v1.2.3+abc', '--version'),
    /invalid --version "v1\.2\.3\+abc": build metadata \(\+abc\) is dropped by npm, which would publish 1\.2\.3 while the tag and asset URLs say v1\.2\.3\+abc; use a prerelease such as 1\.2\.3-abc/,
  );
});
