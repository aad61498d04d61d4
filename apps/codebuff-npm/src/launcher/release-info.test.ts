import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheRoot } from './cache-dir';
import { LauncherError } from './errors';
import { selectAsset } from './platform';
import { type ReleaseInfo, assetUrl, parseReleaseInfo } from './release-info';

const info: ReleaseInfo = {
  schemaVersion: 1,
  name: 'codebuff',
  version: '1.2.3',
  assetBaseUrl: 'https://github.com/o/r/releases/download/v1.2.3/',
  assets: [
    {
      platform: 'linux-x64',
      fileName: 'codebuff-linux-x64.tar.gz',
      archive: 'tar.gz',
      binaryName: 'codebuff',
      size: 10,
      sha256: 'a'.repeat(64),
    },
    {
      platform: 'win32-x64',
      fileName: 'codebuff-win32-x64.zip',
      archive: 'zip',
      binaryName: 'codebuff.exe',
      size: 10,
      sha256: 'b'.repeat(64),
    },
  ],
};

test('selectAsset picks by process.platform-process.arch and lists the supported ones otherwise', () => {
  assert.equal(selectAsset(info, 'win32', 'x64').binaryName, 'codebuff.exe');
  assert.throws(
    () => selectAsset(info, 'win32', 'arm64'),
    (e: unknown) =>
      e instanceof LauncherError &&
      /no binary for this platform \(win32-arm64\); supported platforms: linux-x64, win32-x64/.test(e.message),
  );
});

test('assetUrl joins the base and the file name; CODEBUFF_DOWNLOAD_BASE_URL overrides the base', () => {
  assert.equal(assetUrl(info, info.assets[0], {}), 'https://github.com/o/r/releases/download/v1.2.3/codebuff-linux-x64.tar.gz');
  assert.equal(
    assetUrl(info, info.assets[0], { CODEBUFF_DOWNLOAD_BASE_URL: 'http://mirror/x' }),
    'http://mirror/x/codebuff-linux-x64.tar.gz',
  );
});

test('parseReleaseInfo refuses damaged or unsafe entries', () => {
  assert.deepEqual(parseReleaseInfo(JSON.parse(JSON.stringify(info)), 'release.json'), info);
  const broken = (patch: object) => () => parseReleaseInfo({ ...info, ...patch }, 'release.json');
  assert.throws(broken({ schemaVersion: 2 }), /unsupported schemaVersion/);
  assert.throws(broken({ assetBaseUrl: 'ftp://x' }), /assetBaseUrl/);
  assert.throws(broken({ assets: [] }), /no assets/);
  assert.throws(broken({ assets: [{ ...info.assets[0], fileName: '../x.tar.gz' }] }), /incomplete/);
  assert.throws(broken({ assets: [{ ...info.assets[0], sha256: 'xyz' }] }), /incomplete/);
  assert.throws(() => parseReleaseInfo(null, 'release.json'), /not a JSON object/);
  // Names that would reach a parent URL or leave the cache folder; a version that is a path.
  for (const fileName of ['..', '.', '', 'a/b.tar.gz', 'a\\b.zip'])
    assert.throws(broken({ assets: [{ ...info.assets[0], fileName }] }), /incomplete/, fileName);
  assert.throws(broken({ assets: [{ ...info.assets[0], binaryName: '..' }] }), /incomplete/);
  assert.throws(broken({ assets: [{ ...info.assets[0], files: [{ name: '..', size: 1, sha256: 'c'.repeat(64) }] }] }), /incomplete/);
  assert.throws(broken({ version: '../../x' }), /version "..\/..\/x" is not semver/);
  assert.throws(broken({ version: '1.2' }), /is not semver/);
  assert.deepEqual(parseReleaseInfo({ ...info, version: '1.2.3-beta.1' }, 'release.json').version, '1.2.3-beta.1');
});

test('cacheRoot: CODEBUFF_HOME, then the OS cache directory', () => {
  assert.equal(cacheRoot({ CODEBUFF_HOME: '/opt/cb' }, 'linux', '/home/u'), '/opt/cb');
  assert.equal(cacheRoot({}, 'linux', '/home/u'), '/home/u/.cache/codebuff');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/codebuff');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u'), '/home/u/.cache/codebuff');
  assert.equal(cacheRoot({}, 'darwin', '/Users/u'), '/Users/u/Library/Caches/codebuff');
  assert.match(cacheRoot({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), /codebuff[/\\]Cache$/);
});
