/**
 * A bundle killed with SIGKILL leaves its staging folder (`.win32-x64.<pid>.<hex>.tmp`); the
 * next run removes it, and leaves alone the temp folders of processes still running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { compileBinary } from '../compile/compile';
import { CLI_ROOT, nativeFor } from '@codebuff/testing/native';
import { getPlatform } from '../platforms';
import { bundlePlatform } from './bundle';

test('a killed bundle leaves a staging folder; the next run sweeps it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
  try {
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    // Incompressible bytes: compressing them takes long enough to kill the bundle half-way.
    const binary = randomBytes(48 << 20);
    writeFileSync(join(binDir, 'codebuff.exe'), binary);
    const sha256 = createHash('sha256').update(binary).digest('hex');
    writeFileSync(
      join(binDir, 'compile.json'),
      JSON.stringify({ platform: 'win32-x64', version: '1.0.0', binaryName: 'codebuff.exe', size: binary.length, sha256 }),
    );
    const bundles = join(dir, 'bundles');
    mkdirSync(bundles);
    const outDir = join(bundles, 'win32-x64');
    const script = `require(${JSON.stringify(join(__dirname, 'bundle.ts'))}).bundlePlatform({ platform: require(${JSON.stringify(join(__dirname, '../platforms.ts'))}).getPlatform('win32-x64'), binDir: ${JSON.stringify(binDir)}, outDir: ${JSON.stringify(outDir)}, sourceDateEpoch: 0 })`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { detached: true, stdio: 'ignore' });
    const staging = new RegExp(`^\\.win32-x64\\.${child.pid}\\.[0-9a-f]{8}\\.tmp$`);
    for (let i = 0; i < 600 && !readdirSync(bundles).some((e) => staging.test(e)); i++) await sleep(50);
    await sleep(300);
    process.kill(-child.pid!, 'SIGKILL'); // the whole group: Node and the Bun compressing for it
    await new Promise((resolve) => child.once('exit', resolve));
    const left = readdirSync(bundles);
    assert.ok(
      left.some((e) => staging.test(e)),
      `expected a staging folder left behind, found ${left.join(', ')}`,
    );
    assert.equal(existsSync(outDir), false, 'nothing half-written where the bundle belongs');

    // A temp folder of a live process (this one) is another task at work: it stays.
    const live = join(bundles, `.linux-x64.${process.pid}.0123abcd.tmp`);
    mkdirSync(live);
    const record = await bundlePlatform({ platform: getPlatform('win32-x64'), binDir, outDir, sourceDateEpoch: 0 });
    assert.deepEqual(readdirSync(bundles).sort(), ['.hashed', `.linux-x64.${process.pid}.0123abcd.tmp`, 'win32-x64']);
    assert.deepEqual(readdirSync(outDir).sort(), ['bundle.json', record.fileName]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a killed compile's staging folder (a whole binary) is swept by the next compile", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-compile-'));
  try {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const bin = join(dir, 'bin');
    const leftover = join(bin, `.linux-x64.${dead.pid}.0123abcd.tmp`);
    mkdirSync(leftover, { recursive: true });
    writeFileSync(join(leftover, 'codebuff'), randomBytes(1024));
    const native = await nativeFor('linux-x64');
    await compileBinary({
      platform: getPlatform('linux-x64'),
      entry: join(CLI_ROOT, 'src/main.tsx'),
      outDir: join(bin, 'linux-x64'),
      version: '1.0.0',
      cwd: CLI_ROOT,
      native,
    });
    assert.deepEqual(readdirSync(bin), ['linux-x64']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
