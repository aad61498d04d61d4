import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './args';

test('version, help and info flags', () => {
  assert.deepEqual(parseArgs(['--version']), { kind: 'version' });
  assert.deepEqual(parseArgs(['-h']), { kind: 'help' });
  assert.deepEqual(parseArgs(['--info']), { kind: 'info' });
});

test('a prompt with a project directory', () => {
  assert.deepEqual(parseArgs(['--cwd', '/tmp', 'fix', 'the', 'bug']), { kind: 'run', prompt: 'fix the bug', cwd: '/tmp' });
  assert.deepEqual(parseArgs(['--cwd=/srv', 'x']), { kind: 'run', prompt: 'x', cwd: '/srv' });
});

test('unknown options and a missing --cwd value are errors', () => {
  assert.deepEqual(parseArgs(['--frobnicate']), { kind: 'error', message: 'unknown option --frobnicate (see codebuff --help)' });
  assert.deepEqual(parseArgs(['--cwd']), { kind: 'error', message: '--cwd needs a directory' });
});
