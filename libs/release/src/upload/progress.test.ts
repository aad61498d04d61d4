import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressReporter } from './progress';
import type { LocalFile } from './types';

const file: LocalFile = {
  fileName: 'codebuff-linux-x64.tar.gz',
  path: '/x',
  size: 100 * 1024 * 1024,
  sha256: 'a'.repeat(64),
  contentType: 'application/gzip',
  immutable: true,
};

function capture(interactive: boolean, quiet = false) {
  let out = '';
  let clock = 0;
  const stream = {
    write: (s: string) => {
      out += s;
      return true;
    },
    isTTY: interactive,
  } as unknown as NodeJS.WriteStream;
  const reporter = createProgressReporter({ stream, interactive, quiet, intervalMs: 5000, now: () => clock });
  return { reporter, output: () => out, advance: (ms: number) => (clock += ms) };
}

test('CI logs get a line per file every few seconds with bytes, rate and time left', () => {
  const { reporter, output, advance } = capture(false);
  const sink = reporter.start(file);
  advance(1000);
  sink(10 * 1024 * 1024);
  advance(4000);
  sink(50 * 1024 * 1024);
  advance(1000);
  sink(60 * 1024 * 1024);
  reporter.done(file, 'uploaded');
  const lines = output().trim().split('\n');
  assert.equal(lines[0], 'uploading codebuff-linux-x64.tar.gz (100.0 MiB)');
  assert.equal(lines[1], '  codebuff-linux-x64.tar.gz  50.0 MiB / 100.0 MiB  50%  10.0 MiB/s  5s left');
  assert.match(lines[2], /codebuff-linux-x64.tar.gz {2}100.0 MiB {2}done in 6.0s/);
  assert.equal(lines.length, 3);
});

test('a terminal gets lines redrawn in place; quiet prints nothing', () => {
  const tty = capture(true);
  const sink = tty.reporter.start(file);
  tty.advance(200);
  sink(1024);
  assert.match(tty.output(), /\x1b\[1A\x1b\[2Kcodebuff-linux-x64.tar.gz {2}1.0 KiB \/ 100.0 MiB/);
  const quiet = capture(false, true);
  quiet.reporter.start(file)(5);
  quiet.reporter.done(file, 'skipped');
  quiet.reporter.summary(['done']);
  assert.equal(quiet.output(), '');
});
