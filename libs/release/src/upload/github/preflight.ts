import { ReleaseError } from '../../errors';
import { releaseFiles, type ReleaseManifest } from '../../manifest';
import type { GitHubClient } from './client';
import { gitHubFailure, httpStatus } from './errors';
import type { GitHubSettings } from './options';
import { listAssets, toRemoteFile, type Release } from './releases';

/** GitHub refuses release assets of 2 GiB and more (cli/cli#10182). */
export const MAX_ASSET_BYTES = 2 * 1024 ** 3;

/** API requests one run may need per file (list, delete a half-made one, upload) plus the fixed ones. */
export const requestsNeeded = (fileCount: number) => 10 + 3 * fileCount;

export function checkAssetSizes(manifest: ReleaseManifest): void {
  const tooBig = manifest.assets.filter((a) => a.size >= MAX_ASSET_BYTES);
  if (tooBig.length > 0) {
    const list = tooBig.map((a) => `${a.fileName} (${(a.size / 1024 ** 3).toFixed(2)} GiB)`).join(', ');
    throw new ReleaseError(`GitHub release assets must be under 2 GiB: ${list}`);
  }
}

/** The repository exists, the token sees it and may write to it. */
export async function checkRepository(client: GitHubClient, settings: GitHubSettings): Promise<void> {
  const doing = `checking access to ${settings.fullName}`;
  let data: Awaited<ReturnType<GitHubClient['rest']['repos']['get']>>['data'];
  try {
    ({ data } = await client.rest.repos.get({ owner: settings.owner, repo: settings.repo }));
  } catch (error) {
    if (httpStatus(error) === 404 && (error as { response?: unknown }).response) {
      throw new ReleaseError(`GitHub repository ${settings.fullName} not found at ${settings.apiUrl}, or the token cannot see it`);
    }
    throw gitHubFailure(error, doing, settings.token);
  }
  if (data.archived) throw new ReleaseError(`GitHub repository ${settings.fullName} is archived (read-only)`);
  if (data.permissions && !data.permissions.push) {
    throw new ReleaseError(`the token can read ${settings.fullName} but not write to it; releases need contents: write`);
  }
}

/** Refuses to start a run the remaining rate limit cannot finish. GHES without rate limiting answers 404. */
export async function checkRateLimit(client: GitHubClient, settings: GitHubSettings, fileCount: number): Promise<void> {
  let core: { remaining: number; reset: number };
  try {
    ({ core } = (await client.rest.rateLimit.get()).data.resources);
  } catch (error) {
    if (httpStatus(error) === 404) return;
    throw gitHubFailure(error, 'checking the GitHub rate limit', settings.token);
  }
  const needed = requestsNeeded(fileCount);
  if (core.remaining < needed) {
    const reset = new Date(core.reset * 1000).toISOString().slice(11, 16);
    throw new ReleaseError(
      `GitHub API rate limit too low: ${core.remaining} requests left until ${reset} UTC, uploading ${fileCount} files needs up to ${needed}; try again after the reset`,
    );
  }
}

/**
 * A published immutable release takes no new or replaced assets. A re-run whose files are all
 * there already may go on (the driver will skip them all); anything else stops here, before any
 * upload, instead of failing half-way.
 */
export async function checkImmutableRelease(
  client: GitHubClient,
  settings: GitHubSettings,
  manifest: ReleaseManifest,
  release: Release,
): Promise<void> {
  let assets;
  try {
    assets = await listAssets(client, settings, release.id);
  } catch (error) {
    throw gitHubFailure(error, `listing the assets of ${manifest.tag}`, settings.token);
  }
  const remote = new Map(assets.map((a) => [a.name, toRemoteFile(a)]));
  const expected = new Map(manifest.assets.map((a) => [a.fileName, a.sha256]));
  const missing = releaseFiles(manifest).filter((name) => !remote.get(name)?.complete);
  const different = [...expected]
    .filter(([name, sha]) => remote.get(name)?.complete && remote.get(name)?.sha256 !== sha)
    .map(([name]) => name);
  if (missing.length + different.length > 0) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      different.length ? `different ${different.join(', ')}` : '',
    ].filter(Boolean);
    throw new ReleaseError(
      `release ${manifest.tag} of ${settings.fullName} is published and immutable, so GitHub accepts no new or replaced assets (${parts.join('; ')}); publish a new version instead`,
    );
  }
}
