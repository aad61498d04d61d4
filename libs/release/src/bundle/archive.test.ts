import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { list } from 'tar';
import yauzl from 'yauzl';
import { createTarGz, createZip } from './archive';

const EPOCH = 1767323045; // 2026-01-02T03:04:05Z

function fixture(name: string): { dir: string; binary: string } {
  const dir = mkdtempSync(join(tmpdir(), 'archive-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const binary = join(binDir, name);
  writeFileSync(binary, Buffer.concat([Buffer.from('#!/bin/sh\necho hi\nexit 0\n'), Buffer.alloc(200_000, 7)]));
  chmodSync(binary, 0o600); // the archive must say 0755 whatever the file had
  return { dir, binary };
}

test('tar.gz: one executable entry at the root, 0755, fixed mtime, no owner', async () => {
  const { dir, binary } = fixture('codebuff');
  const out = join(dir, 'codebuff-linux-x64.tar.gz');
  await createTarGz({ binaryPath: binary, entryName: 'codebuff', outPath: out, mtime: EPOCH });
  const entries: Array<{ path: string; mode: number; mtime: number; uid: number; gid: number; uname?: string; size: number }> = [];
  await list({
    file: out,
    onReadEntry: (e) =>
      entries.push({
        path: e.path,
        mode: e.mode!,
        mtime: e.mtime!.getTime() / 1000,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        uname: e.uname,
        size: e.size,
      }),
  });
  assert.deepEqual(entries, [{ path: 'codebuff', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0, uname: '', size: 200_025 }]);
  assert.match(
    execFileSync('tar', ['tvzf', out], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }),
    /^-rwxr-xr-x 0\/0 +200025 2026-01-02 03:04 codebuff\n$/,
  );
  const extracted = mkdtempSync(join(tmpdir(), 'x-'));
  execFileSync('tar', ['xzf', out, '-C', extracted]);
  assert.equal(execFileSync(join(extracted, 'codebuff'), { encoding: 'utf8' }), 'hi\n');
  assert.deepEqual(readdirSync(dir).sort(), ['bin', 'codebuff-linux-x64.tar.gz'], 'no temp file left beside the archive');
});

test('archives are byte-identical across runs and time zones', async () => {
  const { dir, binary } = fixture('codebuff.exe');
  const script = `
    const { createZip, createTarGz } = require(${JSON.stringify(join(__dirname, 'archive.ts'))});
    (async () => {
      await createZip({ binaryPath: process.argv[1], entryName: 'codebuff.exe', outPath: process.argv[2] + '.zip', mtime: ${EPOCH} });
      await createTarGz({ binaryPath: process.argv[1], entryName: 'codebuff.exe', outPath: process.argv[2] + '.tar.gz', mtime: ${EPOCH} });
    })();`;
  for (const tz of ['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) {
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script, binary, join(dir, tz.replace('/', '_'))], {
      env: { ...process.env, TZ: tz },
    });
  }
  for (const ext of ['zip', 'tar.gz']) {
    const [a, b, c] = ['UTC', 'Asia_Tokyo', 'America_Los_Angeles'].map((n) => readFileSync(join(dir, `${n}.${ext}`)));
    assert.ok(a.equals(b) && a.equals(c), `${ext} differs between time zones`);
  }
  // The gzip header says "Unix" whatever machine packed it.
  assert.equal(readFileSync(join(dir, 'UTC.tar.gz'))[9], 3);
});

test('zip: holds codebuff.exe with its mode and a 1980+ DOS time taken as UTC', async () => {
  const { dir, binary } = fixture('codebuff.exe');
  const out = join(dir, 'codebuff-win32-x64.zip');
  await createZip({ binaryPath: binary, entryName: 'codebuff.exe', outPath: out, mtime: EPOCH });
  const entries = await new Promise<Array<{ name: string; mode: number; date: string; size: number }>>((resolve, reject) => {
    yauzl.open(out, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found: Array<{ name: string; mode: number; date: string; size: number }> = [];
      zip.on('entry', (e: yauzl.Entry) => {
        // yauzl 3 takes options; its published types still describe yauzl 2.
        const d = (e as unknown as { getLastModDate(o: object): Date }).getLastModDate({ forceDosFormat: true, timezone: 'UTC' });
        found.push({ name: e.fileName, mode: (e.externalFileAttributes >>> 16) & 0o7777, date: d.toISOString(), size: e.uncompressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(found));
      zip.readEntry();
    });
  });
  assert.deepEqual(entries, [{ name: 'codebuff.exe', mode: 0o755, date: '2026-01-02T03:04:04.000Z', size: 200_025 }]);
});

test('a failed archive leaves nothing where the archive was expected', async () => {
  const { dir } = fixture('codebuff');
  const out = join(dir, 'codebuff-linux-x64.tar.gz');
  await assert.rejects(createZip({ binaryPath: join(dir, 'bin', 'missing'), entryName: 'codebuff.exe', outPath: out, mtime: EPOCH }));
  await assert.rejects(
    createTarGz({ binaryPath: join(dir, 'bin', 'codebuff-missing'), entryName: 'codebuff-missing', outPath: out, mtime: EPOCH }),
  );
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir), ['bin']);
});
