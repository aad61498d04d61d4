import type { RestEndpointMethodTypes } from '@octokit/rest';
import type { RemoteFile } from '../types';
import type { GitHubClient } from './client';

export type Release = RestEndpointMethodTypes['repos']['listReleases']['response']['data'][number];
export type Asset = RestEndpointMethodTypes['repos']['listReleaseAssets']['response']['data'][number];

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * The release for a tag, drafts included. GET /releases/tags/{tag} does not return drafts, so
 * this lists releases (newest first) and stops at the first page that has the tag. If several
 * drafts share it (two runs racing), the published one wins, else the oldest draft.
 */
export async function findRelease(client: GitHubClient, ref: RepoRef, tag: string): Promise<Release | undefined> {
  for await (const { data } of client.paginate.iterator(client.rest.repos.listReleases, {
    owner: ref.owner,
    repo: ref.repo,
    per_page: 100,
  })) {
    const matches = data.filter((r) => r.tag_name === tag);
    if (matches.length > 0) return matches.find((r) => !r.draft) ?? matches.sort((a, b) => a.id - b.id)[0];
  }
  return undefined;
}

/** Every release of the repository, drafts included (for deciding Latest). */
export async function listAllReleases(client: GitHubClient, ref: RepoRef): Promise<Release[]> {
  return client.paginate(client.rest.repos.listReleases, { owner: ref.owner, repo: ref.repo, per_page: 100 });
}

export async function listAssets(client: GitHubClient, ref: RepoRef, releaseId: number): Promise<Asset[]> {
  return client.paginate(client.rest.repos.listReleaseAssets, { owner: ref.owner, repo: ref.repo, release_id: releaseId, per_page: 100 });
}

/** An asset as the driver compares it; anything but `uploaded` (e.g. `starter`) is a half-made upload. */
export function toRemoteFile(asset: Asset): RemoteFile {
  const digest = asset.digest ?? undefined;
  return {
    fileName: asset.name,
    size: asset.size,
    sha256: digest?.startsWith('sha256:') ? digest.slice('sha256:'.length) : undefined,
    complete: asset.state === 'uploaded',
  };
}

/** The asset upload URL: the release's `upload_url` (its own origin) without the `{?name,label}` template. */
export function uploadTarget(release: Release, fileName: string): string {
  const url = new URL(release.upload_url.replace(/\{[^}]*\}$/, ''));
  url.searchParams.set('name', fileName);
  return url.toString();
}

export const isPublishedImmutable = (release: Release) => !release.draft && (release as { immutable?: boolean }).immutable === true;
