import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { create as createTar } from 'tar';
import { createArchive } from '@codebuff/release/bundle/archive';
import { LauncherError } from './errors';
import type { LauncherAsset } from './release-info';
import { unpackBinary } from './unpack';

const work = mkdtempSync(join(tmpdir(), 'unpack-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function asset(fileName: string, archive: 'tar.gz' | 'zip', binaryName: string): LauncherAsset {
  return { platform: 'x', fileName, archive, binaryName, size: 1, sha256: '0'.repeat(64) };
}

function fresh(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('unpacks the one binary of a release zip (Windows) and of a tar.gz, executable', async () => {
  const src = fresh('src');
  writeFileSync(join(src, 'codebuff.exe'), 'MZ windows binary bytes');
  writeFileSync(join(src, 'codebuff'), 'ELF linux binary bytes');
  await createArchive('zip', {
    binaryPath: join(src, 'codebuff.exe'),
    entryName: 'codebuff.exe',
    outPath: join(work, 'a.zip'),
    mtime: 1_700_000_000,
  });
  await createArchive('tar.gz', {
    binaryPath: join(src, 'codebuff'),
    entryName: 'codebuff',
    outPath: join(work, 'a.tar.gz'),
    mtime: 1_700_000_000,
  });

  const zipOut = fresh('zip-out');
  const exe = await unpackBinary(join(work, 'a.zip'), asset('a.zip', 'zip', 'codebuff.exe'), zipOut);
  assert.equal(readFileSync(exe, 'utf8'), 'MZ windows binary bytes');
  assert.deepEqual(readdirSync(zipOut), ['codebuff.exe']);

  const tarOut = fresh('tar-out');
  const bin = await unpackBinary(join(work, 'a.tar.gz'), asset('a.tar.gz', 'tar.gz', 'codebuff'), tarOut);
  assert.equal(readFileSync(bin, 'utf8'), 'ELF linux binary bytes');
  if (process.platform !== 'win32') assert.equal(statSync(bin).mode & 0o777, 0o755);
});

test('refuses an archive with anything but the binary at its root, keeping none of it', async () => {
  const src = fresh('extra-src');
  mkdirSync(join(src, 'nested'));
  writeFileSync(join(src, 'codebuff'), 'bin');
  writeFileSync(join(src, 'evil.sh'), 'echo hi');
  writeFileSync(join(src, 'nested', 'codebuff'), 'bin');
  await createTar({ cwd: src, gzip: true, file: join(work, 'extra.tar.gz') }, ['codebuff', 'evil.sh', 'nested']);
  const out = fresh('extra-out');
  await assert.rejects(unpackBinary(join(work, 'extra.tar.gz'), asset('extra.tar.gz', 'tar.gz', 'codebuff'), out), (error: unknown) => {
    assert.ok(error instanceof LauncherError);
    assert.match(
      error.message,
      /extra\.tar\.gz should hold exactly codebuff at its root; it holds codebuff \(File\), evil\.sh \(File\), nested\/? \(Directory\)/,
    );
    return true;
  });
  assert.ok(!readdirSync(out).includes('evil.sh'), 'other entries are never written');

  await createTar({ cwd: src, gzip: true, file: join(work, 'wrong.tar.gz') }, ['evil.sh']);
  await assert.rejects(
    unpackBinary(join(work, 'wrong.tar.gz'), asset('wrong.tar.gz', 'tar.gz', 'codebuff'), fresh('wrong-out')),
    /holds evil\.sh \(File\)/,
  );
});

test('a truncated archive is an error, not a partial binary', async () => {
  const src = fresh('trunc-src');
  writeFileSync(join(src, 'codebuff'), Buffer.alloc(200_000, 7));
  await createArchive('tar.gz', { binaryPath: join(src, 'codebuff'), entryName: 'codebuff', outPath: join(work, 'full.tar.gz'), mtime: 1 });
  const full = readFileSync(join(work, 'full.tar.gz'));
  writeFileSync(join(work, 'cut.tar.gz'), full.subarray(0, Math.floor(full.length / 2)));
  await assert.rejects(unpackBinary(join(work, 'cut.tar.gz'), asset('cut.tar.gz', 'tar.gz', 'codebuff'), fresh('cut-out')));
});

test('files beside the binary: unpacked when the manifest lists them with their sha256; refused when it does not, or when one differs', async () => {
  const src = fresh('siblings-src');
  writeFileSync(join(src, 'codebuff'), 'ELF linux binary bytes');
  writeFileSync(join(src, 'codebuff.exe'), 'MZ windows binary bytes');
  const wasm = Buffer.alloc(70_000, 3); // more than one stored block
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const siblings = [{ name: 'tree-sitter.wasm', bytes: wasm }];
  const files = [{ name: 'tree-sitter.wasm', size: wasm.length, sha256: sha(wasm) }];
  await createArchive('tar.gz', {
    binaryPath: join(src, 'codebuff'),
    entryName: 'codebuff',
    outPath: join(work, 's.tar.gz'),
    mtime: 1,
    siblings,
  });
  await createArchive('zip', {
    binaryPath: join(src, 'codebuff.exe'),
    entryName: 'codebuff.exe',
    outPath: join(work, 's.zip'),
    mtime: 1,
    siblings,
  });
  for (const [file, archive, binary] of [
    ['s.tar.gz', 'tar.gz', 'codebuff'],
    ['s.zip', 'zip', 'codebuff.exe'],
  ] as const) {
    const out = fresh(`siblings-${archive}`);
    await unpackBinary(join(work, file), { ...asset(file, archive, binary), files }, out);
    assert.deepEqual(readdirSync(out).sort(), [binary, 'tree-sitter.wasm'].sort());
    assert.equal(sha(readFileSync(join(out, 'tree-sitter.wasm'))), files[0].sha256);
    // A launcher from before siblings (no files listed) would take the archive for a foreign one.
    await assert.rejects(
      unpackBinary(join(work, file), asset(file, archive, binary), fresh(`siblings-unlisted-${archive}`)),
      /should hold exactly/,
    );
    await assert.rejects(
      unpackBinary(
        join(work, file),
        { ...asset(file, archive, binary), files: [{ ...files[0], sha256: 'f'.repeat(64) }] },
        fresh(`siblings-bad-${archive}`),
      ),
      /tree-sitter\.wasm in s\.(tar\.gz|zip) has sha256 [0-9a-f]{64}, but the release manifest says f{64}/,
    );
  }
});

test('a zip whose binary entry is a symbolic link is refused, never written as a file holding the link text', async () => {
  const zip = join(work, 'link.zip');
  const python = [
    'import sys, zipfile',
    "z = zipfile.ZipFile(sys.argv[1], 'w')",
    "i = zipfile.ZipInfo('codebuff.exe'); i.create_system = 3; i.external_attr = 0o120777 << 16",
    "z.writestr(i, '/usr/bin/true'); z.close()",
  ].join('\n');
  execFileSync('python3', ['-c', python, zip]);
  const out = fresh('link-out');
  await assert.rejects(
    unpackBinary(zip, { ...asset('link.zip', 'zip', 'codebuff.exe'), platform: 'win32-x64' }, out),
    /link\.zip should hold exactly codebuff\.exe at its root; it holds codebuff\.exe \(SymbolicLink\)/,
  );
  assert.deepEqual(readdirSync(out), []);
});

test('an empty binary is refused', async () => {
  const src = fresh('empty-src');
  writeFileSync(join(src, 'empty'), '');
  await createArchive('tar.gz', { binaryPath: join(src, 'empty'), entryName: 'codebuff', outPath: join(work, 'h.tar.gz'), mtime: 1 });
  const out = fresh('empty-out');
  await assert.rejects(
    unpackBinary(join(work, 'h.tar.gz'), { ...asset('h.tar.gz', 'tar.gz', 'codebuff'), platform: 'linux-x64' }, out),
    /codebuff in h\.tar\.gz cannot run on linux-x64: it is empty; nothing was installed/,
  );
});

test("a binary is installed only with its platform's executable header for its CPU", async () => {
  // The sdk's vendored helpers are real executables of each format: ELF x64 and arm64, Mach-O, PE.
  const vendor = join(__dirname, '..', '..', '..', '..', 'libs', 'sdk', 'vendor');
  const helpers: Record<string, string> = {
    'linux-x64': join(vendor, 'linux-x64', 'cb-helper'),
    'linux-arm64': join(vendor, 'linux-arm64', 'cb-helper'),
    'darwin-x64': join(vendor, 'darwin-x64', 'cb-helper'),
    'darwin-arm64': join(vendor, 'darwin-arm64', 'cb-helper'),
    'win32-x64': join(vendor, 'win32-x64', 'cb-helper.exe'),
  };
  const html = join(fresh('header-src'), 'page');
  writeFileSync(html, '<!DOCTYPE html><title>502 Bad Gateway</title>');
  const install = async (binary: string, platform: string) => {
    const archive = platform.startsWith('win32') ? 'zip' : 'tar.gz';
    const file = join(work, `header-${platform}.${archive}`);
    const name = archive === 'zip' ? 'codebuff.exe' : 'codebuff';
    await createArchive(archive, { binaryPath: binary, entryName: name, outPath: file, mtime: 1 });
    const out = fresh(`header-out-${Math.random().toString(36).slice(2)}`);
    return unpackBinary(file, { ...asset(`header-${platform}.${archive}`, archive, name), platform }, out);
  };
  for (const [platform, helper] of Object.entries(helpers)) {
    const installed = await install(helper, platform);
    assert.deepEqual(readFileSync(installed), readFileSync(helper), `${platform}: its own binary installs`);
    await assert.rejects(install(html, platform), new RegExp(`cannot run on ${platform}: it does not start with an executable header`));
  }
  await assert.rejects(
    install(helpers['linux-arm64'], 'linux-x64'),
    /cannot run on linux-x64: it is an executable in ELF format for machine 0xb7, not ELF for 0x3e/,
  );
  await assert.rejects(
    install(helpers['darwin-arm64'], 'darwin-x64'),
    /it is an executable in Mach-O format for machine 0x100000c, not Mach-O for 0x1000007/,
  );
  await assert.rejects(install(helpers['linux-x64'], 'darwin-x64'), /it is an executable in ELF format .* not Mach-O/);
  await assert.rejects(install(helpers['linux-x64'], 'win32-x64'), /not PE for 0x8664/);
});
