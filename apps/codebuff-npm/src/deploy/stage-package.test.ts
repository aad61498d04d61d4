import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTestRelease } from '@codebuff/release/testing/release-fixture';
import { stagePackage } from './stage-package';

test('the staged package.json names the GitHub repository (npm provenance requires it) only when publishing a GitHub release', async () => {
  const launcher = mkdtempSync(join(tmpdir(), 'launcher-build-'));
  try {
    for (const file of ['codebuff.js', 'postinstall.js']) writeFileSync(join(launcher, file), '// built launcher\n');
    const { manifest } = await makeTestRelease('1.2.3');
    const base = 'https://github.com/acme/codebuff/releases/download/v1.2.3';
    for (const [repo, expected] of [
      ['acme/codebuff', { type: 'git', url: 'git+https://github.com/acme/codebuff.git' }],
      [undefined, undefined],
    ] as const) {
      const staged = stagePackage(manifest, base, launcher, repo);
      try {
        const pkg = JSON.parse(readFileSync(join(staged.dir, 'package.json'), 'utf8')) as {
          version: string;
          private?: boolean;
          repository?: unknown;
        };
        assert.deepEqual([pkg.version, pkg.private, pkg.repository], ['1.2.3', undefined, expected]);
      } finally {
        staged.dispose();
      }
    }
  } finally {
    rmSync(launcher, { recursive: true, force: true });
  }
});
