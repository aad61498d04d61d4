import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveSourceDateEpoch, ZIP_EPOCH } from './source-date';

function commitAt(root: string, date: string, file: string) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), date);
  const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', file], { cwd: root, env });
}

test('archive dates come from the last commit touching what reaches the binary, not tests, docs or release settings', () => {
  const root = mkdtempSync(join(tmpdir(), 'source-date-'));
  execFileSync('git', ['init', '-q'], { cwd: root });
  commitAt(root, '2026-01-02T00:00:00Z', 'apps/cli/src/main.ts');
  const sourceDate = Date.parse('2026-01-02T00:00:00Z') / 1000;
  commitAt(root, '2026-02-01T00:00:00Z', 'apps/cli/src/main.test.ts');
  commitAt(root, '2026-02-02T00:00:00Z', 'apps/cli/README.md');
  commitAt(root, '2026-02-03T00:00:00Z', 'apps/cli/release.config.json');
  commitAt(root, '2026-02-04T00:00:00Z', 'apps/cli/project.json');
  commitAt(root, '2026-02-05T00:00:00Z', 'libs/other/x.ts');
  assert.equal(resolveSourceDateEpoch({}, root, 'apps/cli'), sourceDate);
  commitAt(root, '2026-03-01T00:00:00Z', 'apps/cli/assets/tips.txt');
  assert.equal(resolveSourceDateEpoch({}, root, 'apps/cli'), Date.parse('2026-03-01T00:00:00Z') / 1000);
  assert.equal(resolveSourceDateEpoch({ SOURCE_DATE_EPOCH: '1700000000' }, root, 'apps/cli'), 1700000000);
  assert.equal(resolveSourceDateEpoch({}, mkdtempSync(join(tmpdir(), 'no-git-')), 'apps/cli'), ZIP_EPOCH);
  assert.throws(() => resolveSourceDateEpoch({ SOURCE_DATE_EPOCH: 'yesterday' }, root), /invalid SOURCE_DATE_EPOCH "yesterday"/);
});
