/**
 * assemble trusts the sha256 bundle computed while writing an archive only while the archive is
 * untouched since; anything that rewrote it (same size or not) is read and checked again.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getPlatform } from '../platforms';
import { assembleRelease } from '../release/assemble';
import { bundlePlatform } from './bundle';

async function bundled() {
  const dir = mkdtempSync(join(tmpdir(), 'hashed-'));
  const platforms = [getPlatform('linux-x64'), getPlatform('win32-x64')];
  const bundleDirs: Record<string, string> = {};
  for (const platform of platforms) {
    const binDir = join(dir, 'bin', platform.key);
    mkdirSync(binDir, { recursive: true });
    const binary = Buffer.concat([randomBytes(300_000), Buffer.alloc(1_500_000, 1)]);
    writeFileSync(join(binDir, platform.binaryName), binary);
    const sha256 = createHash('sha256').update(binary).digest('hex');
    writeFileSync(
      join(binDir, 'compile.json'),
      JSON.stringify({ platform: platform.key, version: '1.0.0', binaryName: platform.binaryName, size: binary.length, sha256 }),
    );
    bundleDirs[platform.key] = join(dir, 'bundles', platform.key);
    await bundlePlatform({ platform, binDir, outDir: bundleDirs[platform.key], sourceDateEpoch: 0 });
  }
  const assemble = () => assembleRelease({ name: 'codebuff', platforms, bundleDirs, releaseRoot: join(dir, 'release') });
  return { dir, bundleDirs, assemble };
}

test('an untouched archive is not read again; its remembered hash is what gets checked', async () => {
  const { dir, assemble } = await bundled();
  await assemble();
  // Make the remembered hash wrong without touching the archive: assemble must believe it (and refuse).
  const record = join(dir, 'bundles', '.hashed', 'linux-x64.json');
  const remembered = JSON.parse(readFileSync(record, 'utf8'));
  writeFileSync(record, JSON.stringify({ ...remembered, sha256: '0'.repeat(64) }));
  await assert.rejects(assemble(), /archive codebuff-linux-x64\.tar\.gz does not match its bundle record \(sha256 0{64}\)/);
});

test('an archive rewritten in place with other bytes of the same size is read and refused', async () => {
  const { bundleDirs, assemble } = await bundled();
  await assemble();
  const archive = join(bundleDirs['win32-x64'], 'codebuff-win32-x64.zip');
  const bytes = readFileSync(archive);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(archive, bytes);
  await assert.rejects(assemble(), /archive codebuff-win32-x64\.zip does not match its bundle record/);
});

test('an archive replaced by the same bytes (a cache restore) is read again and accepted', async () => {
  const { bundleDirs, assemble } = await bundled();
  const archive = join(bundleDirs['linux-x64'], 'codebuff-linux-x64.tar.gz');
  copyFileSync(archive, `${archive}.copy`);
  renameSync(`${archive}.copy`, archive);
  const manifest = await assemble();
  assert.equal(manifest.assets.length, 2);
});
