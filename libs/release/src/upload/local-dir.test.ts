import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkLocalUploadDir } from './local-dir';

test('a local upload folder inside the build output, the workspace itself, or empty is refused, however spelled', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-dir-'));
  mkdirSync(join(root, 'apps'));
  symlinkSync('dist', join(root, 'to-dist'), 'dir'); // dangling: dist/ does not exist yet
  symlinkSync(root, join(root, 'apps', 'back'), 'dir');
  const refused: Array<[string, RegExp]> = [
    ['dist/release', /inside dist\/release/],
    ['dist/release/1.0.0', /inside dist\/release/],
    ['./dist/build/bin', /inside dist\/build/],
    ['apps/../dist/release', /inside dist\/release/],
    [join(root, 'dist/release'), /inside dist\/release/],
    ['to-dist/release/x', /inside dist\/release/],
    ['apps/back/dist/release', /inside dist\/release/],
    ['.', /is the workspace itself/],
    ['apps/..', /is the workspace itself/],
    ['apps/back', /is the workspace itself/],
    ['', /--dir is empty/],
    ['  ', /--dir is empty/],
  ];
  for (const [dir, message] of refused) assert.throws(() => checkLocalUploadDir(dir, root), message, dir);
  for (const dir of ['dist/uploads', 'releases', 'dist', join(tmpdir(), 'elsewhere'), 'dist/release-copies'])
    checkLocalUploadDir(dir, root);
});
