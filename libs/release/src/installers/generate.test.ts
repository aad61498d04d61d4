import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReleaseProjectConfigSchema } from '../config';
import { isReleaseError } from '../errors';
import { makeTestRelease } from '../testing/release-fixture';
import { generateInstallers } from './generate';
import { resolveInstallerSettings } from './settings';
import { SETTINGS } from '../testing/installer-fixtures';

test('a release of every platform gets all four, named after the product', async () => {
  const { manifest } = await makeTestRelease('1.2.3');
  assert.deepEqual(
    generateInstallers(manifest, SETTINGS).map((i) => [i.kind, i.fileName]),
    [
      ['shell', 'codebuff-installer.sh'],
      ['powershell', 'codebuff-installer.ps1'],
      ['homebrew', 'codebuff.rb'],
      ['scoop', 'codebuff.json'],
    ],
  );
});

test('a value that could break out of a script string is refused in one line, before anything is written', async () => {
  const { manifest } = await makeTestRelease('1.2.3');
  manifest.assets[0].fileName = `codebuff'$(reboot).tar.gz`;
  assert.throws(
    () => generateInstallers(manifest, SETTINGS),
    (e: unknown) => isReleaseError(e) && /^cannot write file name "codebuff'\$\(reboot\)\.tar\.gz" into an installer/.test(e.message),
  );
});

test('settings: the repository from installers.repo, else upload.github.repo, else no installers', () => {
  assert.equal(resolveInstallerSettings({ name: 'codebuff' }), undefined);
  assert.deepEqual(resolveInstallerSettings({ name: 'codebuff', upload: { github: { repo: 'acme/cb' } } }), {
    repo: 'acme/cb',
    description: 'codebuff command-line tool',
    homepage: 'https://github.com/acme/cb',
    license: undefined,
  });
  assert.equal(
    resolveInstallerSettings({ name: 'codebuff', installers: { repo: 'o/r' }, upload: { github: { repo: 'acme/cb' } } })?.repo,
    'o/r',
  );
  assert.throws(() => resolveInstallerSettings({ name: 'codebuff', upload: { github: { repo: 'not a repo' } } }), {
    message: /^invalid repository "not a repo" for the installers \(installers\.repo, else upload\.github\.repo\): expected owner\/name$/,
  });
});

test('release.config.json: installers settings are validated', () => {
  const base = { name: 'codebuff', entry: 'src/main.ts' };
  const ok = ReleaseProjectConfigSchema.safeParse({
    ...base,
    installers: { repo: 'o/r', homebrew: { tap: 'o/homebrew-tap', path: 'Formula/codebuff.rb' }, scoop: { bucket: 'o/scoop-bucket' } },
  });
  assert.equal(ok.success, true);
  for (const installers of [
    { repo: 'nope' },
    { homebrew: { tap: 'o/t', path: '../escape.rb' } },
    { scoop: { bucket: 'o/b', extra: 1 } },
    { homepage: 'not a url' },
  ]) {
    assert.equal(ReleaseProjectConfigSchema.safeParse({ ...base, installers }).success, false, JSON.stringify(installers));
  }
});
