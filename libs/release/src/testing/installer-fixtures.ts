import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlatform } from '../bundle/bundle';
import { compileBinary } from '../compile/compile';
import type { ReleaseManifest } from '../manifest';
import { type ProcessResult, runProcess } from '../run-process';
import { getPlatform } from '../platforms';
import { assembleRelease } from '../release/assemble';
import type { InstallerSettings } from '../installers/settings';

export const SETTINGS: InstallerSettings = {
  repo: 'acme/codebuff',
  description: 'An AI coding assistant, "in your terminal" #1',
  homepage: 'https://codebuff.example',
  license: 'Apache-2.0',
};

const PROGRAM = `import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
declare const CODEBUFF_VERSION: string;
const arg = process.argv[2];
console.log(arg === '--version' ? CODEBUFF_VERSION : arg === '--beside' ? readFileSync(join(dirname(process.execPath), 'data.txt'), 'utf8').trim() : 'codebuff says hi');`;

export interface RealRelease {
  /** `<root>/<version>/`: served over HTTP as `<origin>/<version>/<asset>`. */
  root: string;
  dir: string;
  manifest: ReleaseManifest;
}

/**
 * A real release for linux-x64 made by the library's own stages: a Bun-compiled binary that
 * prints its version, packed by bundle and assembled with installers.
 */
export async function buildRealLinuxRelease(version: string, options: { besideBinary?: string } = {}): Promise<RealRelease> {
  const work = mkdtempSync(join(tmpdir(), 'installers-'));
  mkdirSync(join(work, 'cli'));
  writeFileSync(join(work, 'cli', 'main.ts'), PROGRAM);
  const linux = getPlatform('linux-x64');
  await compileBinary({ platform: linux, entry: join(work, 'cli', 'main.ts'), outDir: join(work, 'bin'), version, cwd: join(work, 'cli') });
  // With besideBinary, the archive carries data.txt next to the binary, which `--beside` prints.
  const files = options.besideBinary === undefined ? [] : [{ name: 'data.txt', path: join(work, 'data.txt') }];
  if (options.besideBinary !== undefined) writeFileSync(join(work, 'data.txt'), `${options.besideBinary}\n`);
  await bundlePlatform({ platform: linux, binDir: join(work, 'bin'), outDir: join(work, 'bundle'), sourceDateEpoch: 1_767_323_045, files });
  const root = join(work, 'release');
  const manifest = await assembleRelease({
    name: 'codebuff',
    version,
    platforms: [linux],
    bundleDirs: { 'linux-x64': join(work, 'bundle') },
    releaseRoot: root,
    installers: SETTINGS,
  });
  return { root, dir: join(root, version), manifest };
}

/** Runs a command with exactly `env`, without blocking the event loop (the HTTP server answering it lives in this process). */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<ProcessResult> {
  return runProcess(command, args, { cwd, env, envOnly: true });
}

/** A directory of stand-in commands (`uname`, `sysctl`) put first on PATH to play another machine. */
export function fakeCommands(commands: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-bin-'));
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** `uname` answering `-s` and `-m` like another machine. */
export function fakeUname(system: string, machine: string): string {
  return `case "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; *) echo ${system} ;; esac`;
}
