import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseError } from '@codebuff/release/errors';
import type { ReleaseManifest } from '@codebuff/release/manifest';
import { RELEASE_INFO_FILE, type ReleaseInfo, parseReleaseInfo } from '../launcher/release-info';
import { runNx } from './run-tool';
import { LAUNCHER_BUILD_DIR, LAUNCHER_PROJECT_DIR } from './workspace';

const LAUNCHER_FILES = ['codebuff.js', 'postinstall.js'];

/** Builds bin/codebuff.js and bin/postinstall.js through the Nx graph (cached when unchanged). */
export async function buildLauncher(): Promise<string> {
  const result = await runNx(['run', 'codebuff-npm:build', '--outputStyle=static'], { NX_TUI: 'false' });
  if (result.code !== 0) throw new ReleaseError('building the npm launcher failed (nx run codebuff-npm:build)');
  for (const file of LAUNCHER_FILES) {
    if (!existsSync(join(LAUNCHER_BUILD_DIR, file)))
      throw new ReleaseError(`the launcher build did not produce ${file} in ${LAUNCHER_BUILD_DIR}`);
  }
  return LAUNCHER_BUILD_DIR;
}

export function releaseInfoFor(manifest: ReleaseManifest, assetBaseUrl: string): ReleaseInfo {
  const info = {
    schemaVersion: 1 as const,
    name: manifest.name,
    version: manifest.version,
    assetBaseUrl,
    assets: manifest.assets.map(({ platform, fileName, archive, binaryName, size, sha256, files }) => ({
      platform,
      fileName,
      archive,
      binaryName,
      size,
      sha256,
      ...(files ? { files } : {}),
    })),
  };
  // The same check the launcher will make, so a package it would reject is never published.
  return parseReleaseInfo(info, 'release.json');
}

export interface StagedPackage {
  dir: string;
  name: string;
  version: string;
  dispose(): void;
}

/**
 * Lays out the npm package in a temp directory: the template package.json with this version
 * (and, for a GitHub release, its repository),
 * the built launcher, release.json (manifest assets + download location) and the README.
 * Nothing in the source tree is modified, so a failed deploy leaves no stale version behind.
 */
export function stagePackage(manifest: ReleaseManifest, assetBaseUrl: string, launcherDir: string, githubRepo?: string): StagedPackage {
  const template = JSON.parse(readFileSync(join(LAUNCHER_PROJECT_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
  const dir = mkdtempSync(join(tmpdir(), 'codebuff-npm-'));
  try {
    // The template is private so it can never be published as it is (no launcher, no release.json).
    const { nx: _nx, private: _private, ...pkg } = template;
    pkg.version = manifest.version;
    // npm's provenance (trusted publishing) is refused unless repository.url names the repository
    // the publishing workflow runs in: the one the release lives in.
    if (githubRepo && pkg.repository === undefined) pkg.repository = { type: 'git', url: `git+https://github.com/${githubRepo}.git` };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    for (const file of LAUNCHER_FILES) cpSync(join(launcherDir, file), join(dir, 'bin', file));
    writeFileSync(join(dir, RELEASE_INFO_FILE), `${JSON.stringify(releaseInfoFor(manifest, assetBaseUrl), null, 2)}\n`);
    cpSync(join(LAUNCHER_PROJECT_DIR, 'README.md'), join(dir, 'README.md'));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, name: String(template.name), version: manifest.version, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
