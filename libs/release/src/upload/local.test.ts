import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File } from '../checksums';
import { releaseFiles } from '../manifest';
import { localDestination } from './local';
import { makeTestRelease } from '../testing/release-fixture';
import { uploadRelease } from './upload-release';
import type { UploadDestination } from './types';

test('uploads every file, verifies it, then writes latest.json; a re-run sends nothing', async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.2.3');
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  const first = await uploadRelease(localDestination(dir), manifest, releaseDir);
  assert.equal(first.uploaded.length, 7);
  assert.equal(first.published, true);
  for (const asset of manifest.assets) assert.equal(await sha256File(join(dir, '1.2.3', asset.fileName)), asset.sha256);
  assert.equal(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).version, '1.2.3');

  const second = await uploadRelease(localDestination(dir), manifest, releaseDir);
  assert.deepEqual([second.uploaded.length, second.skipped.length, second.bytesSent], [0, 7, 0]);
});

test('a differing file is refused before anything is sent, and replaced with replace', async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.2.3');
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  await uploadRelease(localDestination(dir), manifest, releaseDir, { draft: true });
  writeFileSync(join(dir, '1.2.3', manifest.assets[0].fileName), 'someone else wrote this');
  writeFileSync(join(dir, '1.2.3', manifest.assets[1].fileName), 'and this');
  const before = readFileSync(join(dir, '1.2.3', manifest.assets[1].fileName), 'utf8');
  await assert.rejects(
    uploadRelease(localDestination(dir), manifest, releaseDir),
    /already exists at .* with different content .*pass --replace/,
  );
  assert.equal(readFileSync(join(dir, '1.2.3', manifest.assets[1].fileName), 'utf8'), before, 'nothing touched');
  assert.equal(existsSync(join(dir, 'latest.json')), false);
  const replaced = await uploadRelease(localDestination(dir), manifest, releaseDir, { replace: true });
  assert.deepEqual(replaced.uploaded.sort(), [manifest.assets[0].fileName, manifest.assets[1].fileName].sort());
});

test('a failure mid-run leaves the release unpublished; the next run finishes without duplicates', async () => {
  const { releaseDir, manifest } = await makeTestRelease('2.0.0');
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  const real = localDestination(dir);
  let puts = 0;
  const flaky: UploadDestination = {
    ...real,
    put: async (m, file, progress) => {
      if (++puts === 3) throw new Error('connection reset');
      return real.put(m, file, progress);
    },
  };
  await assert.rejects(uploadRelease(flaky, manifest, releaseDir, { concurrency: 1 }), /connection reset/);
  assert.equal(existsSync(join(dir, 'latest.json')), false, 'no pointer to an incomplete release');
  assert.equal(existsSync(join(dir, '2.0.0', 'manifest.json')), false, 'no manifest naming a file that is not there');
  const resumed = await uploadRelease(real, manifest, releaseDir);
  // The failed run went on with the other files, so only the one that failed is sent again, and
  // manifest.json, which goes up only once every other file is up.
  assert.equal(resumed.skipped.length, 5, 'files finished by the failed run are kept');
  assert.equal(resumed.uploaded.length, 2);
  assert.equal(resumed.uploaded.at(-1), 'manifest.json');
  assert.deepEqual(
    readdirSync(join(dir, '2.0.0')).sort(),
    [...manifest.assets.map((a) => a.fileName), 'SHA256SUMS', 'manifest.json'].sort(),
  );
});

test('a verification failure stops before publish', async () => {
  const { releaseDir, manifest } = await makeTestRelease('3.0.0');
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  const real = localDestination(dir);
  const lossy: UploadDestination = {
    ...real,
    put: async (m, file, progress) => {
      await real.put(m, file, progress);
      if (file.fileName.endsWith('.zip')) writeFileSync(join(dir, '3.0.0', file.fileName), 'bit rot');
    },
  };
  await assert.rejects(uploadRelease(lossy, manifest, releaseDir), /verification failed at .*codebuff-win32-x64.zip missing or different/);
  assert.equal(existsSync(join(dir, 'latest.json')), false);
});

test('local files that do not match the manifest are refused before any upload', async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.0.0');
  writeFileSync(join(releaseDir, manifest.assets[2].fileName), 'changed after bundling');
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  await assert.rejects(uploadRelease(localDestination(dir), manifest, releaseDir), /does not match manifest.json/);
  assert.deepEqual(readdirSync(dir), []);
});

test('re-publishing an older version does not move latest.json back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  const newer = await makeTestRelease('2.0.0');
  const older = await makeTestRelease('1.9.0');
  await uploadRelease(localDestination(dir), newer.manifest, newer.releaseDir);
  const summary = await uploadRelease(localDestination(dir), older.manifest, older.releaseDir);
  assert.equal(summary.uploaded.length, 7, 'the old version is still uploaded in full');
  assert.equal(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).version, '2.0.0');
});

test('a same-size change after bundling is caught by sha256 before anything is sent', async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.0.1');
  const path = join(releaseDir, manifest.assets[3].fileName);
  const bytes = readFileSync(path);
  bytes[100] ^= 0xff;
  writeFileSync(path, bytes);
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  await assert.rejects(uploadRelease(localDestination(dir), manifest, releaseDir), /does not match manifest.json \(sha256 [0-9a-f]{64}\)/);
  assert.deepEqual(readdirSync(dir), [], 'nothing sent');
});

const canMount = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' }).status === 0;

test('a local folder that is read-only, or a disk that fills up, is named as such; nothing half-written and no latest.json', {
  skip: !canMount && 'needs unshare -m and mount',
}, async () => {
  const { releaseDir } = await makeTestRelease('1.2.3', { 'linux-x64': 400 * 1024 });
  const mount = mkdtempSync(join(tmpdir(), 'uploads-mount-'));
  // Each run gets a private mount namespace: the tmpfs is gone when the run ends.
  const upload = (options: string) => {
    const script = [
      `const { uploadRelease } = require(${JSON.stringify(join(__dirname, 'upload-release'))});`,
      `const { localDestination } = require(${JSON.stringify(join(__dirname, 'local'))});`,
      `const { readManifest } = require(${JSON.stringify(join(__dirname, '..', 'manifest'))});`,
      'const [release, dir] = process.argv.slice(1);',
      "readManifest(release).then((m) => uploadRelease(localDestination(dir), m, release)).then(() => console.log('uploaded'), (e) => {",
      "  const fs = require('node:fs'); const left = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }) : [];",
      "  const sizes = Object.fromEntries(left.map((name) => [name, fs.statSync(require('node:path').join(dir, name)).size]));",
      '  console.log(`failed: ${e.message}\\nleft: ${JSON.stringify(left)}\\nsizes: ${JSON.stringify(sizes)}`); process.exitCode = 1; });',
    ].join('\n');
    const shell = `mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; shift 2; exec "$@"`;
    return spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        shell,
        'sh',
        options,
        mount,
        process.execPath,
        '--require',
        'tsx/cjs',
        '-e',
        script,
        releaseDir,
        join(mount, 'uploads'),
      ],
      { encoding: 'utf8' },
    );
  };
  const readOnly = upload('ro');
  assert.equal(readOnly.status, 1, readOnly.stderr);
  assert.match(
    readOnly.stdout,
    new RegExp(`failed: cannot write to ${join(mount, 'uploads')}: ${mount}: the file system is read-only \\(EROFS\\)`),
  );

  const full = upload('size=256k');
  assert.equal(full.status, 1, full.stderr);
  // Uploads run three at a time, so whichever write meets the full disk first is the one named:
  // the 400 KiB linux-x64 archive can never fit, but a 64 KiB one may fail while it is being written.
  const failed = /failed: cannot write \S+\/1\.2\.3\/(\S+): no space left on the device \(ENOSPC\); nothing of it was left there/.exec(
    full.stdout,
  );
  assert.ok(failed, full.stdout);
  const left = JSON.parse(/^left: (.*)$/m.exec(full.stdout)?.[1] ?? '') as string[];
  const sizes = JSON.parse(/^sizes: (.*)$/m.exec(full.stdout)?.[1] ?? '') as Record<string, number>;
  assert.ok(!left.includes('latest.json'), `left: ${left.join(', ')}`);
  assert.ok(!left.includes(`1.2.3/${failed[1]}`) && !left.includes('1.2.3/codebuff-linux-x64.tar.gz'), `left: ${left.join(', ')}`);
  // Nothing half-written: the tmpfs is gone with its namespace, so the run reports what it left;
  // every file there is a release file at its full size (no temp file, no partial archive).
  const files = left.filter((name) => name.startsWith('1.2.3/'));
  assert.ok(files.length > 0, 'the files that fit were written');
  for (const name of files) assert.equal(sizes[name], statSync(join(releaseDir, name.slice('1.2.3/'.length))).size, `${name} is whole`);
});

test("the platforms' SBOMs go up with the archives and are verified like them: a changed one is refused before anything is sent", async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.2.3', {}, { sboms: true });
  const sboms = manifest.assets.map((a) => a.sbom?.fileName as string);
  assert.equal(sboms.length, 5);
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  const first = await uploadRelease(localDestination(dir), manifest, releaseDir);
  assert.deepEqual(first.uploaded.sort(), [...releaseFiles(manifest)].sort());
  for (const asset of manifest.assets)
    assert.equal(await sha256File(join(dir, '1.2.3', asset.sbom?.fileName as string)), asset.sbom?.sha256);

  const other = mkdtempSync(join(tmpdir(), 'uploads-'));
  writeFileSync(join(releaseDir, sboms[0]), readFileSync(join(releaseDir, sboms[0]), 'utf8').replace('1.2.3', '9.9.9'));
  await assert.rejects(
    uploadRelease(localDestination(other), manifest, releaseDir),
    new RegExp(`${sboms[0].replace(/\./g, '\\.')} does not match manifest\\.json \\(sha256 `),
  );
  assert.deepEqual(readdirSync(other), [], 'nothing sent');
});
