/**
 * The real CLI, compiled for all five platforms from this Linux host, proven per target:
 * - each binary embeds its own platform's native library (found whole, its header the right
 *   format and CPU) and its own helper, and no byte run of any other platform's;
 * - linux-x64 boots its terminal UI in a pseudo-terminal; linux-arm64 runs under qemu-user;
 * - darwin and Windows binaries have the right headers (Mach-O signed, PE AMD64).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compileBinary } from '@codebuff/release/compile/compile';
import { packageDirIn } from '@codebuff/release/native/fetch';
import { getPlatform, platformKeys } from '@codebuff/release/platforms';
import { objectKind } from '@codebuff/testing/binary-headers';
import { CLI_ROOT, nativeFor } from '@codebuff/testing/native';

const EXPECTED: Record<string, { format: string; cpu: string; libraries: number }> = {
  'linux-x64': { format: 'elf', cpu: 'x64', libraries: 2 }, // glibc and musl, chosen at run time
  'linux-arm64': { format: 'elf', cpu: 'arm64', libraries: 1 }, // musl excluded in release.config.json
  'darwin-x64': { format: 'macho', cpu: 'x64', libraries: 1 },
  'darwin-arm64': { format: 'macho', cpu: 'arm64', libraries: 1 },
  'win32-x64': { format: 'pe', cpu: 'x64', libraries: 1 },
};
const NATIVE_LIBRARY = /\.(so|dylib|dll)$/;
const WASM = join(CLI_ROOT, '../../node_modules/web-tree-sitter/tree-sitter.wasm');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

let dir: string;
const binaries: Record<string, string> = {};
/** Every platform's native libraries and helper, by platform. */
const libraries: Record<string, string[]> = {};
const helpers: Record<string, string> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'binaries-'));
  for (const key of platformKeys()) {
    const platform = getPlatform(key);
    const native = await nativeFor(key);
    const outDir = join(dir, key);
    await compileBinary({ platform, entry: join(CLI_ROOT, 'src/main.tsx'), outDir, version: '1.0.0', cwd: CLI_ROOT, native });
    binaries[key] = join(outDir, platform.binaryName);
    libraries[key] = native.set.packages.flatMap((p) => {
      const root = packageDirIn(native.dir, p.name);
      return readdirSync(root)
        .filter((f) => NATIVE_LIBRARY.test(f))
        .map((f) => join(root, f));
    });
    helpers[key] = join(CLI_ROOT, '../../libs/sdk/vendor', key, key.startsWith('win32') ? 'cb-helper.exe' : 'cb-helper');
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A library's first 4 KiB: its header and load commands or program headers, which carry build ids
 * and sizes of its own (runs from its middle can be tables that other builds share).
 */
const head = (bytes: Buffer) => bytes.subarray(0, 4096);

for (const key of Object.keys(EXPECTED)) {
  test(`${key}: its own native library is embedded whole, for its CPU; no other platform's is`, () => {
    const binary = readFileSync(binaries[key]);
    const expected = EXPECTED[key];
    assert.equal(libraries[key].length, expected.libraries, libraries[key].join(', '));
    for (const path of libraries[key]) {
      const library = readFileSync(path);
      const at = binary.indexOf(head(library));
      assert.ok(at >= 0, `${path} is not in the ${key} binary`);
      assert.ok(binary.subarray(at, at + library.length).equals(library), `${path} is embedded whole`);
      assert.deepEqual(
        { ...objectKind(binary, at), signed: undefined },
        { format: expected.format, cpu: expected.cpu, type: 'library', signed: undefined },
        path,
      );
    }
    for (const other of Object.keys(EXPECTED).filter((k) => k !== key)) {
      for (const path of libraries[other].filter((p) => !libraries[key].includes(p))) {
        assert.equal(binary.indexOf(head(readFileSync(path))), -1, `${key} carries ${path}`);
      }
    }
  });

  test(`${key}: the binary's own header, and only its own helper`, () => {
    const binary = readFileSync(binaries[key]);
    const kind = objectKind(binary);
    const { format, cpu } = EXPECTED[key];
    assert.equal(kind?.format, format);
    assert.equal(kind?.cpu, cpu);
    assert.equal(kind?.type, 'executable');
    if (format === 'macho') assert.equal(kind?.signed, true, 'Mach-O with a code signature');
    assert.ok(binary.indexOf(readFileSync(helpers[key])) >= 0, `the ${key} helper is embedded`);
    for (const other of Object.keys(EXPECTED).filter((k) => k !== key)) {
      assert.equal(binary.indexOf(readFileSync(helpers[other])), -1, `${key} carries the ${other} helper`);
    }
  });
}

/** Runs a command in a pseudo-terminal (script(1), which reads our pipe as the keyboard) until the boot line shows, then presses q. */
async function bootInPty(command: string, cwd: string): Promise<{ screen: string; code: number | null }> {
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '100', LINES: '30' },
  });
  let screen = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no boot line within 60 s; the screen showed:\n${screen}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString('utf8');
        if (screen.includes('Codebuff 1.0.0 is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Pressed until it quits: a key that arrives while the UI still queries the terminal is dropped.
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const presses = setInterval(() => child.stdin.write('q'), 1000);
    child.stdin.write('q');
    const code = await Promise.race([
      closed,
      new Promise<string>((resolve) => setTimeout(() => resolve('did not quit within 30 s'), 30_000)),
    ]);
    clearInterval(presses);
    return { screen, code: typeof code === 'string' ? (assert.fail(code) as never) : code };
  } finally {
    child.kill('SIGKILL');
  }
}

/** A folder holding the binary and tree-sitter.wasm, as an archive unpacks. */
function unpacked(key: string): string {
  const home = mkdtempSync(join(dir, `${key}-`));
  copyFileSync(WASM, join(home, 'tree-sitter.wasm'));
  copyFileSync(binaries[key], join(home, 'codebuff'));
  chmodSync(join(home, 'codebuff'), 0o755);
  return home;
}

test('linux-x64: boots its terminal UI in a pseudo-terminal, and the boot line is on the screen', {
  skip: !has('script') && 'script (util-linux) not installed',
}, async () => {
  const home = unpacked('linux-x64');
  const { screen, code } = await bootInPty(`${join(home, 'codebuff')} hello`, home);
  assert.ok(screen.includes('\x1b[?1049h'), 'the UI switched to the alternate screen');
  assert.ok(screen.includes('prompt: hello'));
  assert.equal(code, 0, 'q quits cleanly');
});

test('linux-x64: --info loads tree-sitter from beside the binary and runs the embedded helper', () => {
  const home = unpacked('linux-x64');
  const run = spawnSync(join(home, 'codebuff'), ['--info'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /built for: linux-x64/);
  assert.match(run.stdout, /helper: codebuff-helper linux-x64/);
  assert.match(run.stdout, new RegExp(`tree-sitter: ready \\(${home}/tree-sitter.wasm\\)`));
});

const qemu = has('qemu-aarch64-static') ? 'qemu-aarch64-static' : has('qemu-aarch64') ? 'qemu-aarch64' : undefined;
const arm64Libc = existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1');
test('linux-arm64: runs under qemu-user, and boots its terminal UI there', {
  skip:
    !(qemu && arm64Libc && has('script')) &&
    'qemu-user or the arm64 C library not installed (apt: qemu-user-static libc6-arm64-cross; .ci/run installs them)',
}, async () => {
  const home = unpacked('linux-arm64');
  const command = [qemu as string, '-L', '/usr/aarch64-linux-gnu', join(home, 'codebuff')];
  const run = (args: string[]) => spawnSync(command[0], [...command.slice(1), ...args], { cwd: home, encoding: 'utf8', timeout: 120_000 });
  const version = run(['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, '1.0.0\n');
  const info = run(['--info']);
  assert.match(info.stdout, /running on: linux-arm64/);
  assert.match(info.stdout, /tree-sitter: ready/);
  // The UI loads OpenTUI's arm64 library: drawing the screen proves it is the right one.
  const { screen, code } = await bootInPty(`${command.join(' ')} hello`, home);
  assert.ok(screen.includes('\x1b[?1049h'), 'the UI switched to the alternate screen');
  assert.equal(code, 0, 'q quits cleanly');
});
