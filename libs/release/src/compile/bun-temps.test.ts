import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { BUN_TEMP_STALE_MS, sweepBunTemps } from './bun-temps';

const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

test("a killed compile's Bun temp file is swept; a running compile's is left alone", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bun-temps-'));
  try {
    const dead = '.7d6b342d5a05bb80-00000000.bun-build';
    const live = '.0123456789abcdef-00000001.bun-build';
    for (const name of [dead, live, 'main.ts', '.notbun-build']) writeFileSync(join(dir, name), 'x');
    const old = (Date.now() - BUN_TEMP_STALE_MS - 60_000) / 1000;
    utimesSync(join(dir, dead), old, old);
    utimesSync(join(dir, '.notbun-build'), old, old);
    assert.deepEqual(await sweepBunTemps(dir), [dead]);
    assert.equal(existsSync(join(dir, dead)), false);
    for (const kept of [live, 'main.ts', '.notbun-build']) assert.equal(existsSync(join(dir, kept)), true, kept);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('git, and so Nx, ignores Bun temp files in the CLI folder: a leftover cannot change a compile hash', () => {
  const ignored = execFileSync('git', ['check-ignore', '--no-index', 'apps/codebuff-cli/.7d6b342d5a05bb80-00000000.bun-build'], {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
  });
  assert.equal(ignored.trim(), 'apps/codebuff-cli/.7d6b342d5a05bb80-00000000.bun-build');
});
