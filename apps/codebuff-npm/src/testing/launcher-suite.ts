import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { ReleaseManifest } from '@codebuff/release/manifest';
import { type FileServer, startFileServer } from './file-server';
import { type FixtureRelease, buildLauncherInto, makeFixtureRelease, stageFixturePackage } from './fixture-release';
import { launcherEnv } from './run-launcher';

export const VERSION = '9.9.9';

export interface LauncherSuite {
  work: string;
  launcherDir: string;
  release: FixtureRelease;
  server: FileServer;
  /** `<server>/<version>`: the release served over HTTP. */
  httpBase(): string;
  /** The path of the host asset on the server. */
  assetPath(): string;
  /** How many requests the server has had for `path` (the host asset by default). */
  downloads(path?: string): number;
  /** A staged package for `baseUrl` and an empty cache dir. */
  setup(baseUrl: string, manifest?: ReleaseManifest): { pkg: string; home: string; versionDir: string; env: NodeJS.ProcessEnv };
}

/**
 * Registers before/after hooks that build the real launcher bundle (as codebuff-npm:build does),
 * make a fixture release and serve it on 127.0.0.1. Call inside a describe.
 */
export function useLauncherSuite(): LauncherSuite {
  const cleanups: (() => void)[] = [];
  const suite = {
    httpBase: () => `${suite.server.origin}/${VERSION}`,
    assetPath: () => `/${VERSION}/${suite.release.hostAsset.fileName}`,
    downloads: (path?: string) => suite.server.requests.filter((r) => r.path === (path ?? suite.assetPath())).length,
    setup(baseUrl: string, manifest?: ReleaseManifest) {
      const staged = stageFixturePackage(manifest ?? suite.release.manifest, baseUrl, suite.launcherDir);
      cleanups.push(staged.dispose);
      const home = mkdtempSync(join(suite.work, 'home-'));
      return { pkg: staged.dir, home, versionDir: join(home, VERSION), env: launcherEnv(home) };
    },
  } as LauncherSuite;
  before(async () => {
    suite.work = mkdtempSync(join(tmpdir(), 'launcher-test-'));
    suite.launcherDir = join(suite.work, 'launcher');
    await buildLauncherInto(suite.launcherDir);
    suite.release = await makeFixtureRelease(join(suite.work, 'release'), VERSION);
    suite.server = await startFileServer(suite.release.root);
  });
  after(async () => {
    await suite.server?.close();
    for (const cleanup of cleanups) cleanup();
    rmSync(suite.work, { recursive: true, force: true });
  });
  return suite;
}
