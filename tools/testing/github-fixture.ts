import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubApi, type GitHubApi, type GitHubApiOptions } from './github-api';
import { isReleaseError } from '@codebuff/release/errors';
import { releaseFiles, type ReleaseManifest } from '@codebuff/release/manifest';
import { writeTestRelease } from '@codebuff/release/testing/release-fixture';
import { localReleaseFiles } from '@codebuff/release/upload/upload-release';
import { githubDestination } from '@codebuff/release/upload/github/destination';
import type { GitHubDestinationOptions } from '@codebuff/release/upload/github/options';

/** Looks like a classic personal access token; tests scan output for it. */
export const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
export const REPO = 'acme/codebuff';

export interface GitHubFixture {
  api: GitHubApi;
  /** Warnings the destination logged. */
  logs: string[];
  destination(extra?: Partial<GitHubDestinationOptions>): ReturnType<typeof githubDestination>;
  /** A release directory with random archives (default: one 64 KiB archive). */
  release(version: string, sizes?: Record<string, number>): Promise<{ dir: string; manifest: ReleaseManifest }>;
  close(): Promise<void>;
}

export async function startFixture(options: Partial<GitHubApiOptions> = {}): Promise<GitHubFixture> {
  const api = await startGitHubApi({ token: TOKEN, repos: [REPO], ...options });
  const tmp = await mkdtemp(join(tmpdir(), 'github-destination-'));
  const logs: string[] = [];
  let count = 0;
  return {
    api,
    logs,
    // env: {} keeps a developer's own GITHUB_TOKEN / GITHUB_API_URL out of the tests.
    destination: (extra = {}) =>
      githubDestination({ repo: REPO, token: TOKEN, apiUrl: api.apiUrl, env: {}, log: (m) => logs.push(m), ...extra }),
    async release(version, sizes = { 'linux-x64': 64 * 1024 }) {
      const dir = join(tmp, `${++count}`, version);
      return { dir, manifest: await writeTestRelease(dir, version, sizes) };
    },
    async close() {
      await api.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * What the server holds for the manifest's tag: exactly one release, every file once, fully
 * uploaded, its digest and bytes those of the local file.
 */
export async function assertServerHolds(api: GitHubApi, manifest: ReleaseManifest, dir: string, expect: { draft: boolean }): Promise<void> {
  const releases = api.releases().filter((r) => r.tag === manifest.tag);
  assert.equal(releases.length, 1, `expected one release ${manifest.tag}, found ${releases.length}`);
  const [release] = releases;
  assert.equal(release.draft, expect.draft, `release ${manifest.tag} draft`);
  const names = release.assets.map((a) => a.name).sort();
  assert.deepEqual(names, [...releaseFiles(manifest)].sort(), 'asset names (no duplicates, none missing)');
  for (const file of await localReleaseFiles(manifest, dir)) {
    const asset = release.assets.find((a) => a.name === file.fileName)!;
    assert.equal(asset.state, 'uploaded', `${file.fileName} state`);
    assert.equal(asset.digest, `sha256:${file.sha256}`, `${file.fileName} digest`);
    assert.equal(asset.size, file.size, `${file.fileName} size`);
    assert.equal(asset.contentType, file.contentType, `${file.fileName} content type`);
  }
  assert.deepEqual(api.validationErrors, [], 'requests and responses match GitHub’s OpenAPI description');
}

/** Requests that change something (anything but GET), and asset uploads. */
export const writes = (api: GitHubApi) => api.requests.filter((r) => r.method !== 'GET');
export const uploads = (api: GitHubApi) => api.requests.filter((r) => r.origin === 'uploads');

export async function rejectsOneLine(promise: Promise<unknown>, pattern: RegExp): Promise<Error> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(isReleaseError(error), `expected a ReleaseError, got ${String(error)}`);
  assert.match(error.message, pattern);
  assert.doesNotMatch(error.message, /\n/);
  return error;
}
