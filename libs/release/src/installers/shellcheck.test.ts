import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { ReleaseManifest } from '../manifest';
import { makeTestRelease } from '../testing/release-fixture';
import { shellInstaller } from './shell';
import { SETTINGS } from '../testing/installer-fixtures';

// The generated shell installer passes shellcheck, as POSIX sh and as dash, with no finding of any
// severity. A construct meant as written carries a `# shellcheck disable=SCxxxx # why` in the template.

const hasShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;

function shellcheck(dialect: string, script: string): { status: number | null; output: string } {
  // --norc: only the script's own directives count, not a .shellcheckrc found around the checkout.
  const run = spawnSync('shellcheck', ['--norc', '-s', dialect, '-'], { input: script, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The script's variants: the Rosetta check, files beside the binary, and a platform only the fallback names. */
async function scripts(): Promise<Record<string, string>> {
  const { manifest } = await makeTestRelease('1.2.3');
  const withFiles: ReleaseManifest = {
    ...manifest,
    assets: manifest.assets.map((a) => ({ ...a, files: [{ name: 'tree-sitter.wasm', size: 1, sha256: a.sha256 }] })),
  };
  const linuxX64 = manifest.assets.find((a) => a.platform === 'linux-x64');
  assert.ok(linuxX64);
  const fallback: ReleaseManifest = {
    ...manifest,
    assets: [linuxX64, { ...linuxX64, platform: 'haiku-x64', fileName: 'codebuff-haiku-x64.tar.gz' }],
  };
  return {
    'every platform': shellInstaller(manifest, SETTINGS),
    'files beside the binary': shellInstaller(withFiles, SETTINGS),
    'an OS without a uname name': shellInstaller(fallback, SETTINGS),
  };
}

describe('shellcheck on codebuff-installer.sh', {
  skip: hasShellcheck ? false : 'shellcheck is not installed (.ci/run installs it with apt-get)',
}, () => {
  for (const dialect of ['sh', 'dash']) {
    test(`shellcheck -s ${dialect}: no findings`, async () => {
      for (const [variant, script] of Object.entries(await scripts())) {
        const { status, output } = shellcheck(dialect, script);
        assert.equal(status, 0, `${variant}:\n${output}`);
      }
    });
  }
});
