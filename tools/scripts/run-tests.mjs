#!/usr/bin/env node
// Runs every *.test.ts of the workspace (or of the folders and test files given as arguments) with Node's own
// test runner; TypeScript is loaded through tsx. Exit code is the runner's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const folders = process.argv.slice(2);
const patterns = (folders.length ? folders : ['apps', 'libs', 'tools', 'cli', 'scripts']).map((f) =>
  f.endsWith('.test.ts') ? f : `${f.replace(/\/$/, '')}/**/*.test.ts`,
);
const files = (await fg(patterns, { cwd: root, ignore: ['**/node_modules/**', '**/dist/**', 'tmp/**'] })).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Every temporary folder the tests make (workspace copies, fixtures, fake homes) goes under one
// folder of this run, which is removed at the end: tests that fail or skip their cleanup leave
// nothing behind in the system's temporary folder.
const scratch = mkdtempSync(join(tmpdir(), 'codebuff-tests-'));
// A second, machine-readable report: some Node versions print a failed suite (an error thrown while
// a describe() body runs) yet count it in neither "fail" nor the exit code. TAP still says "not ok".
const tapFile = join(scratch, 'report.tap');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TMPDIR: scratch, NX_DAEMON: process.env.NX_DAEMON ?? 'false', NX_NO_CLOUD: 'true' },
  },
);
const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
try {
  rmSync(scratch, { recursive: true, force: true });
} catch (error) {
  console.error(`could not remove the tests' temporary folder ${scratch}: ${error.message}`);
}
const notOk = tap.split('\n').filter((line) => /^\s*not ok /.test(line));
if (result.status === 0 && notOk.length > 0) {
  console.error(`\nthe test runner exited 0 but reported failures:\n${notOk.join('\n')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
