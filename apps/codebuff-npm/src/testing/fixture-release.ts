import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createArchive } from '@codebuff/release/bundle/archive';
import { sha256File } from '@codebuff/release/checksums';
import type { ReleaseAsset, ReleaseManifest } from '@codebuff/release/manifest';
import { runProcess } from '@codebuff/release/run-process';
import { stagePackage } from '../deploy/stage-package';
import { scriptAsElf } from './script-elf';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const HOST_PLATFORM = `${process.platform}-${process.arch}`;
/** Why launcher tests cannot run on this host, or false: the fixture program is an x86-64 Linux executable. */
export const FIXTURE_HOST_SKIP = HOST_PLATFORM !== 'linux-x64' && 'the fixture program is an x86-64 Linux executable';

/**
 * A stand-in program for launcher tests: the real CLI neither reads stdin nor traps signals,
 * and pass-through is about the launcher. A POSIX shell script, shipped inside a real x86-64
 * Linux executable (script-elf.ts) because the launcher installs nothing without its platform's
 * executable header: these tests run on Linux x64 only.
 */
export const FIXTURE_PROGRAM = `#!/bin/sh
case "$1" in
  --version) echo "$FIXTURE_VERSION_OUT"; exit 0 ;;
  cat) cat; exit 7 ;;
  args) shift; for a in "$@"; do echo "[$a]"; done; exit 0 ;;
  wait-term) trap 'echo got-term; exit 42' TERM; echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; exit 1 ;;
  wait-int) n=0; j=0; trap 'n=$((n+1)); echo "got-int $n"' INT; echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); if [ $n -gt 0 ]; then j=$((j+1)); [ $j -ge 20 ] && exit 43; fi; done; exit 1 ;;
  die) echo dying; kill -KILL $$ ;;
esac
exit 3
`;

/** Builds the launcher's two entry files with the pinned Bun, like the codebuff-npm:build target. */
export async function buildLauncherInto(outDir: string): Promise<void> {
  const bun = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.exe' : 'bun');
  const entries = ['codebuff.ts', 'postinstall.ts'].map((f) => join(ROOT, 'apps', 'codebuff-npm', 'src', 'launcher', f));
  const result = await runProcess(bun, ['build', ...entries, '--target=node', '--format=cjs', `--outdir=${outDir}`], { cwd: ROOT });
  if (result.code !== 0) throw new Error(`bun build failed: ${result.stderr}`);
}

export interface FixtureRelease {
  /** `<root>/<version>/<asset>`: the file:// and HTTP layout. */
  root: string;
  manifest: ReleaseManifest;
  hostAsset: ReleaseAsset;
  /** The host asset's binary, as installed. */
  binary: Buffer;
}

/**
 * A release whose host-platform asset is a real tar.gz (made by the release library) holding
 * `program` as an x86-64 ELF; `otherPlatforms` get listed entries whose files are never downloaded.
 */
export async function makeFixtureRelease(root: string, version: string, program = FIXTURE_PROGRAM): Promise<FixtureRelease> {
  const versionDir = join(root, version);
  const work = mkdtempSync(join(tmpdir(), 'fixture-bin-'));
  try {
    mkdirSync(versionDir, { recursive: true });
    const binary = scriptAsElf(program);
    writeFileSync(join(work, 'codebuff'), binary, { mode: 0o755 });
    const fileName = `codebuff-${HOST_PLATFORM}.tar.gz`;
    await createArchive('tar.gz', {
      binaryPath: join(work, 'codebuff'),
      entryName: 'codebuff',
      outPath: join(versionDir, fileName),
      mtime: 1_700_000_000,
    });
    const path = join(versionDir, fileName);
    const hostAsset: ReleaseAsset = {
      platform: HOST_PLATFORM,
      fileName,
      archive: 'tar.gz',
      binaryName: 'codebuff',
      size: statSync(path).size,
      sha256: await sha256File(path),
    };
    const other: ReleaseAsset = {
      platform: 'plan9-mips',
      fileName: 'codebuff-plan9-mips.tar.gz',
      archive: 'tar.gz',
      binaryName: 'codebuff',
      size: 1,
      sha256: 'a'.repeat(64),
    };
    const manifest: ReleaseManifest = {
      schemaVersion: 1,
      name: 'codebuff',
      version,
      tag: `v${version}`,
      sourceDateEpoch: 1_700_000_000,
      checksumsFile: 'SHA256SUMS',
      assets: [hostAsset, other],
    };
    return { root, manifest, hostAsset, binary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A staged npm package directory (what deploy packs) for a release at `assetBaseUrl`. */
export function stageFixturePackage(manifest: ReleaseManifest, assetBaseUrl: string, launcherDir: string) {
  return stagePackage(manifest, assetBaseUrl, launcherDir);
}
