/**
 * Real compiled binaries (linux-x64 → tar.gz, win32-x64 → zip), packed with a warm chunk store
 * (Bun's runtime, compressed) and without one: both give the same bytes, and every archive
 * extracts to exactly the compiled binary with each tool users and installers have.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import { extract as tarExtract } from 'tar';
import yauzl from 'yauzl';
import { unpackBinary } from '@codebuff/npm/launcher/unpack';
import { compileBinary, type CompileRecord } from '../compile/compile';
import { getPlatform } from '../platforms';
import { bundlePlatform, type BundleRecord } from './bundle';
import { buildRuntimeStore } from './runtime-store';
import { CLI_ROOT as CLI, nativeFor } from '@codebuff/testing/native';

const TESTED_PLATFORMS = ['linux-x64', 'win32-x64'] as const;
/** The real CLI's siblings: the tree-sitter wasm (200 KB, more than one stored block) and its README. */
const SIBLINGS = [
  { name: 'tree-sitter.wasm', path: join(CLI, '../../node_modules/web-tree-sitter/tree-sitter.wasm') },
  { name: 'README.md', path: join(CLI, 'README.md') },
];

let dir: string;
const built: Record<string, { compiled: CompileRecord; record: BundleRecord; archive: string }> = {};
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'compat-'));
  for (const key of TESTED_PLATFORMS) {
    const platform = getPlatform(key);
    const native = await nativeFor(key);
    const compiled = await compileBinary({
      platform,
      entry: join(CLI, 'src/main.tsx'),
      outDir: join(dir, 'bin', key),
      version: '1.0.0',
      cwd: CLI,
      native,
    });
    const store = join(dir, 'store', key);
    const runtime = await buildRuntimeStore({ platform, runtime: native.runtime, outDir: store, level: 6 });
    const record = await bundlePlatform({
      platform,
      binDir: join(dir, 'bin', key),
      outDir: join(dir, 'warm', key),
      sourceDateEpoch: 1767323045,
      chunkStores: [store],
      files: SIBLINGS,
    });
    // The runtime's chunks come from the store (all but the few the program's payload touches).
    assert.ok(
      record.chunks.reused >= runtime.chunks.length - 5,
      `${key}: only ${record.chunks.reused} of the runtime's ${runtime.chunks.length} chunks reused`,
    );
    built[key] = { compiled, record, archive: join(dir, 'warm', key, record.fileName) };
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a warm chunk store and none give byte-identical archives', async () => {
  for (const key of TESTED_PLATFORMS) {
    const cold = await bundlePlatform({
      platform: getPlatform(key),
      binDir: join(dir, 'bin', key),
      outDir: join(dir, 'cold', key),
      sourceDateEpoch: 1767323045,
      files: SIBLINGS,
    });
    assert.equal(cold.chunks.reused, 0);
    assert.equal(cold.sha256, built[key].record.sha256, key);
    assert.equal(sha(join(dir, 'cold', key, cold.fileName)), sha(built[key].archive));
  }
});

/** Extracts with `run(archive, into)` and checks it leaves the compiled binary and the siblings, byte for byte. */
function expectExact(key: (typeof TESTED_PLATFORMS)[number], tool: string, run: (archive: string, into: string) => void | Promise<void>) {
  return async () => {
    const { compiled, record, archive } = built[key];
    const into = join(dir, 'x', `${key}-${tool}`);
    mkdirSync(into, { recursive: true });
    await run(archive, into);
    const file = join(into, record.binaryName);
    assert.equal(sha(file), compiled.sha256, `${tool} on ${record.fileName}`);
    const keepsModes = key !== 'win32-x64' || ['unzip', 'bsdtar', '7zz', 'python'].includes(tool);
    if (keepsModes) assert.equal(statSync(file).mode & 0o777, 0o755, `${tool} keeps the mode`);
    for (const sibling of SIBLINGS) {
      const unpacked = join(into, sibling.name);
      assert.equal(sha(unpacked), sha(sibling.path), `${tool}: ${sibling.name} in ${record.fileName}`);
      if (keepsModes) assert.equal(statSync(unpacked).mode & 0o777, 0o644, `${tool} keeps ${sibling.name}'s mode`);
    }
  };
}

const shell = (command: string, ...args: string[]): void => void execFileSync('sh', ['-c', command, 'sh', ...args], { stdio: 'pipe' });
const pythonTar = 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])';
/** Streaming mode reads the gzip stream once, front to back, and stops after the first member. */
const pythonTarStream = "import sys, tarfile; tarfile.open(fileobj=sys.stdin.buffer, mode='r|gz').extractall(sys.argv[1])";
const pythonZip = [
  'import os, sys, zipfile',
  'z = zipfile.ZipFile(sys.argv[1])',
  'for i in z.infolist():',
  '    p = z.extract(i, sys.argv[2]); os.chmod(p, (i.external_attr >> 16) & 0o777)',
].join('\n');

test(
  'tar.gz: GNU tar',
  expectExact('linux-x64', 'gnu-tar', (a, d) => shell('tar xzf "$1" -C "$2"', a, d)),
);
test(
  'tar.gz: bsdtar (libarchive)',
  { skip: !has('bsdtar') && 'bsdtar not installed (apt: libarchive-tools; .ci/run installs it)' },
  expectExact('linux-x64', 'bsdtar', (a, d) => shell('bsdtar -xf "$1" -C "$2"', a, d)),
);
test(
  "tar.gz: Python's tarfile",
  expectExact('linux-x64', 'python', (a, d) => void execFileSync('python3', ['-c', pythonTar, a, d])),
);
// The timeout only bounds a failure: on several members, Python 3.11 reads the rest of the file into
// a buffer it copies at every read (minutes for 50 MB) before it reports "unexpected end of data".
test(
  "tar.gz: Python's tarfile streaming mode (r|gz)",
  expectExact(
    'linux-x64',
    'python-stream',
    (a, d) => void execFileSync('python3', ['-c', pythonTarStream, d], { input: readFileSync(a), timeout: 120_000 }),
  ),
);
test('tar.gz: gzip -t', () => shell('gzip -t "$1"', built['linux-x64'].archive));

test('tar.gz: exactly one gzip member, whose trailer is the CRC-32 and size of the whole tar stream', () => {
  const gz = readFileSync(built['linux-x64'].archive);
  // No optional header fields (FLG 0), so the deflate stream starts at byte 10.
  assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
  const { buffer: tar, engine } = inflateRawSync(gz.subarray(10), { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  assert.equal(gz.length - 10 - engine.bytesWritten, 8, 'one deflate stream, then the 8-byte trailer and nothing more');
  const { size, sha256 } = built['linux-x64'].compiled;
  const siblingBlocks = SIBLINGS.reduce((n, f) => n + 512 + Math.ceil(statSync(f.path).size / 512) * 512, 0);
  assert.equal(
    tar.length,
    512 + Math.ceil(size / 512) * 512 + siblingBlocks + 1024,
    'header, data padded to a block, each sibling, two zero blocks',
  );
  assert.equal(
    createHash('sha256')
      .update(tar.subarray(512, 512 + size))
      .digest('hex'),
    sha256,
  );
  assert.equal(gz.readUInt32LE(gz.length - 8), crc32(tar) >>> 0);
  assert.equal(gz.readUInt32LE(gz.length - 4), tar.length % 2 ** 32);
});
test(
  'tar.gz: 7-Zip',
  { skip: !has('7zz') && '7zz not installed (apt: 7zip; .ci/run installs it)' },
  expectExact('linux-x64', '7zz', (a, d) => shell('7zz x -so "$1" | 7zz x -si -ttar -y -o"$2" >/dev/null', a, d)),
);
test(
  'tar.gz: node-tar',
  expectExact('linux-x64', 'node-tar', (a, d) => tarExtract({ file: a, cwd: d })),
);
test(
  "tar.gz: the npm launcher's unpack",
  expectExact('linux-x64', 'launcher', async (a, d) => void (await unpackBinary(a, launcherAsset('linux-x64'), d))),
);

test(
  'zip: unzip',
  expectExact('win32-x64', 'unzip', (a, d) => shell('unzip -q "$1" -d "$2"', a, d)),
);
test(
  'zip: bsdtar (libarchive)',
  { skip: !has('bsdtar') && 'bsdtar not installed (apt: libarchive-tools; .ci/run installs it)' },
  expectExact('win32-x64', 'bsdtar', (a, d) => shell('bsdtar -xf "$1" -C "$2"', a, d)),
);
test(
  "zip: Python's zipfile",
  expectExact('win32-x64', 'python', (a, d) => void execFileSync('python3', ['-c', pythonZip, a, d])),
);
test(
  'zip: 7-Zip',
  { skip: !has('7zz') && '7zz not installed (apt: 7zip; .ci/run installs it)' },
  expectExact('win32-x64', '7zz', (a, d) => shell('7zz x -y -o"$2" "$1" >/dev/null', a, d)),
);
test(
  'zip: yauzl',
  expectExact('win32-x64', 'yauzl', (a, d) => yauzlExtract(a, d)),
);
test(
  "zip: the npm launcher's unpack",
  expectExact('win32-x64', 'launcher', async (a, d) => void (await unpackBinary(a, launcherAsset('win32-x64'), d))),
);

function launcherAsset(key: (typeof TESTED_PLATFORMS)[number]) {
  const { record } = built[key];
  return {
    platform: key,
    fileName: record.fileName,
    archive: record.archive,
    binaryName: record.binaryName,
    size: record.size,
    sha256: record.sha256,
    files: record.files,
  };
}

function yauzlExtract(archive: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            writeFileSync(join(into, entry.fileName), Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
