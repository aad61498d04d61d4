import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assetName, getPlatform, platformKeys, platformRowEnvName, readPlatformTable, selectPlatforms } from './platforms';

test('the table ships the five Codebuff targets with process.platform-process.arch keys', () => {
  assert.deepEqual([...platformKeys()].sort(), ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64']);
  assert.equal(assetName(getPlatform('win32-x64')), 'codebuff-win32-x64.zip');
  assert.equal(assetName(getPlatform('linux-arm64')), 'codebuff-linux-arm64.tar.gz');
  assert.equal(getPlatform('win32-x64').binaryName, 'codebuff.exe');
  assert.equal(getPlatform('darwin-arm64').binaryName, 'codebuff');
});

test('x64 builds use Bun baseline runtimes, so CPUs without AVX2 can run them', () => {
  for (const key of ['linux-x64', 'darwin-x64', 'win32-x64']) assert.match(getPlatform(key).bunTarget, /-baseline$/);
});

test('an unknown platform names the valid ones; a repeated one is refused', () => {
  assert.throws(
    () => selectPlatforms(['linux-x64', 'freebsd-x64']),
    /unknown platform "freebsd-x64"; valid platforms: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64/,
  );
  assert.throws(() => selectPlatforms(['linux-x64', 'linux-x64']), /platform "linux-x64" is listed twice/);
  assert.throws(() => selectPlatforms([]), /no platforms selected/);
  assert.deepEqual(
    selectPlatforms(['darwin-arm64', 'linux-x64']).map((p) => p.key),
    ['darwin-arm64', 'linux-x64'],
  );
});

test('a malformed or duplicated table row is reported with the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'table-'));
  const path = join(dir, 'table.json');
  writeFileSync(
    path,
    JSON.stringify([
      { key: 'linux-x64', bunTarget: 'bun-linux-x64', archive: 'tar.gz' },
      { key: 'linux-x64', bunTarget: 'bun-linux-x64', archive: 'tar.gz' },
    ]),
  );
  assert.throws(() => readPlatformTable(path), /listed twice/);
  writeFileSync(path, JSON.stringify([{ key: 'linux-x64', bunTarget: 'bun-linux-x64', archive: 'rar' }]));
  assert.throws(() => readPlatformTable(path), /invalid platform table .*archive/);
});

test('each row gets its own environment variable name for the task hash', () => {
  assert.equal(platformRowEnvName('linux-x64'), 'CODEBUFF_PLATFORM_ROW_LINUX_X64');
  assert.notEqual(platformRowEnvName('win32-x64'), platformRowEnvName('linux-x64'));
});
