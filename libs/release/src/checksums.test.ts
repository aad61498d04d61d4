import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSha256Sums, parseSha256Sums, sha256File } from './checksums';

test('SHA256SUMS is sorted by file name and accepted by sha256sum -c', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sums-'));
  writeFileSync(join(dir, 'b.tar.gz'), 'bravo');
  writeFileSync(join(dir, 'a.zip'), 'alpha');
  const entries = [
    { fileName: 'b.tar.gz', sha256: await sha256File(join(dir, 'b.tar.gz')) },
    { fileName: 'a.zip', sha256: await sha256File(join(dir, 'a.zip')) },
  ];
  const text = formatSha256Sums(entries);
  assert.match(text, /^[0-9a-f]{64} {2}a\.zip\n[0-9a-f]{64} {2}b\.tar\.gz\n$/);
  writeFileSync(join(dir, 'SHA256SUMS'), text);
  assert.match(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' }), /a\.zip: OK\nb\.tar\.gz: OK/);
  writeFileSync(join(dir, 'a.zip'), 'tampered');
  assert.throws(() => execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, stdio: 'pipe' }));
});

test('parses GoReleaser and cargo-dist layouts', () => {
  const sha = 'a'.repeat(64);
  assert.deepEqual(parseSha256Sums(`${sha}  x.tar.gz\n${sha} *y.zip\n`), [
    { sha256: sha, fileName: 'x.tar.gz' },
    { sha256: sha, fileName: 'y.zip' },
  ]);
  assert.throws(() => parseSha256Sums('nonsense\n'), /malformed/);
});
