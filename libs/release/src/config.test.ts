import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadReleaseConfig } from './config';

function project(config: unknown, withEntry = true): string {
  const root = mkdtempSync(join(tmpdir(), 'cfg-'));
  mkdirSync(join(root, 'app', 'src'), { recursive: true });
  if (withEntry) writeFileSync(join(root, 'app', 'src', 'main.ts'), 'console.log(1)');
  writeFileSync(join(root, 'app', 'release.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return root;
}

test('a valid config resolves its platforms from the table', () => {
  const root = project({ name: 'codebuff', entry: 'src/main.ts', platforms: ['linux-x64', 'win32-x64'] });
  const config = loadReleaseConfig(root, 'app');
  assert.deepEqual(
    config.resolvedPlatforms.map((p) => [p.key, p.binaryName]),
    [
      ['linux-x64', 'codebuff'],
      ['win32-x64', 'codebuff.exe'],
    ],
  );
  assert.equal(config.compressionLevel, 6);
});

test('every config problem is one line naming the file', () => {
  const cases: Array<[unknown, RegExp, boolean?]> = [
    [
      { name: 'codebuff', entry: 'src/main.ts', platforms: ['linux-x64', 'plan9-mips'] },
      /invalid app\/release.config.json: unknown platform "plan9-mips"; valid platforms: linux-x64/,
    ],
    [{ name: 'codebuff', entry: 'src/main.ts', platforms: ['linux-x64', 'linux-x64'] }, /platform "linux-x64" is listed twice/],
    [{ name: 'codebuff', entry: 'src/missing.ts' }, /entry file not found: app\/src\/missing.ts/],
    [{ name: 'Code Buff', entry: 'src/main.ts' }, /invalid app\/release.config.json: name:/],
    [{ name: 'codebuff', entry: 'src/main.ts', colour: 'blue' }, /invalid app\/release.config.json/],
    ['{ not json', /cannot read app\/release.config.json/],
    [
      '{ "name": "codebuff", "entry": "src/main.ts", "name": "other" }',
      /^invalid app\/release.config.json: key "name" appears twice in the top-level object \(line 1\); keep one$/,
    ],
    [
      '{ "name": "codebuff", "entry": "src/main.ts",\n "upload": { "s3": { "bucket": "a", "bucket": "b" } } }',
      /key "bucket" appears twice in "upload.s3" \(line 2\)/,
    ],
    [
      { name: 'codebuff', entry: 'src/main.ts', nativeExclusions: { 'plan9-mips': { x: 'why' } } },
      /nativeExclusions: unknown platform "plan9-mips"; valid platforms: linux-x64/,
    ],
    [
      { name: 'codebuff', entry: 'src/main.ts', nativeExclusions: { 'linux-arm64': { '@opentui/core-linux-arm64-musl': '' } } },
      /give a reason/,
    ],
    [{ name: 'codebuff', entry: 'src/main.ts', files: ['../outside.txt'] }, /files\.0: expected a workspace-relative path/],
    [{ name: 'codebuff', entry: 'src/main.ts', files: ['a/README.md', 'b/README.md'] }, /files: two files are named README\.md/],
    [
      { name: 'codebuff', entry: 'src/main.ts', files: ['docs/THIRD-PARTY-NOTICES'] },
      /files: THIRD-PARTY-NOTICES is written by the compile/,
    ],
    [{ name: 'codebuff', entry: 'src/main.ts', allowedLicenses: 'MIT' }, /allowedLicenses: /],
    [{ name: 'codebuff', entry: 'src/main.ts', allowedLicenses: [] }, /allowedLicenses: name at least one license id/],
    [
      { name: 'codebuff', entry: 'src/main.ts', allowedLicenses: ['MIT', 'Mit-ish'] },
      /allowedLicenses\.1: "Mit-ish" is not an SPDX license id/,
    ],
    [
      { name: 'codebuff', entry: 'src/main.ts', allowedLicenses: ['MIT OR ISC'] },
      /allowedLicenses\.0: "MIT OR ISC" is an expression; list each license id on its own/,
    ],
    [{ name: 'codebuff', entry: 'src/main.ts', allowedLicenses: ['MIT', 'MIT'] }, /allowedLicenses\.1: "MIT" is listed twice/],
  ];
  for (const [config, pattern] of cases) {
    assert.throws(
      () => loadReleaseConfig(project(config), 'app'),
      (error: Error) => {
        assert.match(error.message, pattern, String(config));
        assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
        return true;
      },
    );
  }
});

test('allowedLicenses takes SPDX ids, with + ranges and WITH exceptions', () => {
  const allowedLicenses = ['MIT', 'GPL-2.0+', 'Apache-2.0 WITH LLVM-exception'];
  assert.deepEqual(
    loadReleaseConfig(project({ name: 'codebuff', entry: 'src/main.ts', allowedLicenses }), 'app').allowedLicenses,
    allowedLicenses,
  );
});
