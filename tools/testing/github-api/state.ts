import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What the stand-in holds: repositories, their releases and the bytes of every asset. */

export interface StoredAsset {
  id: number;
  name: string;
  label: string | null;
  contentType: string;
  /** `starter` until the whole body arrived; a dropped upload leaves it so. */
  state: 'starter' | 'uploaded';
  bytes: Buffer;
  createdAt: string;
  updatedAt: string;
}

export interface StoredRelease {
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  createdAt: string;
  publishedAt: string | null;
  assets: StoredAsset[];
}

export interface StoredRepo {
  id: number;
  owner: string;
  name: string;
  releases: StoredRelease[];
  /** The release GitHub shows as Latest (GET /releases/latest), if any. */
  latestReleaseId?: number;
  /** Files written through the contents API, per branch (see contents.ts). */
  files: Array<{ path: string; branch: string; bytes: Buffer; sha: string }>;
  commits: Array<{ sha: string; branch: string; path: string; message: string }>;
}

export interface Origins {
  api: string;
  uploads: string;
}

let nextId = 1000;
export const newId = () => ++nextId;
export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const nodeId = (kind: string, id: number) => Buffer.from(`${kind}${id}`).toString('base64');

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function userJson(api: string, login: string) {
  return {
    login,
    id: 1,
    node_id: nodeId('User', 1),
    avatar_url: `${api}/avatars/${login}`,
    gravatar_id: '',
    url: `${api}/users/${login}`,
    html_url: `${api}/${login}`,
    followers_url: `${api}/users/${login}/followers`,
    following_url: `${api}/users/${login}/following{/other_user}`,
    gists_url: `${api}/users/${login}/gists{/gist_id}`,
    starred_url: `${api}/users/${login}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/users/${login}/subscriptions`,
    organizations_url: `${api}/users/${login}/orgs`,
    repos_url: `${api}/users/${login}/repos`,
    events_url: `${api}/users/${login}/events{/privacy}`,
    received_events_url: `${api}/users/${login}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

/** Where browser_download_url points; served by the API origin with a redirect, like github.com. */
export function downloadPath(repo: StoredRepo, release: StoredRelease, asset: StoredAsset): string {
  return `/${repo.owner}/${repo.name}/releases/download/${encodeURIComponent(release.tagName)}/${encodeURIComponent(asset.name)}`;
}

export function assetJson(origins: Origins, repo: StoredRepo, release: StoredRelease, asset: StoredAsset) {
  return {
    url: `${origins.api}/repos/${repo.owner}/${repo.name}/releases/assets/${asset.id}`,
    browser_download_url: `${origins.api}${downloadPath(repo, release, asset)}`,
    id: asset.id,
    node_id: nodeId('ReleaseAsset', asset.id),
    name: asset.name,
    label: asset.label,
    state: asset.state,
    content_type: asset.contentType,
    size: asset.bytes.length,
    // GitHub computes the digest from the bytes it stored; there is none before the upload ends.
    digest: asset.state === 'uploaded' ? digestOf(asset.bytes) : null,
    download_count: 0,
    created_at: asset.createdAt,
    updated_at: asset.updatedAt,
    uploader: userJson(origins.api, repo.owner),
  };
}

export function releaseJson(origins: Origins, repo: StoredRepo, release: StoredRelease) {
  const base = `${origins.api}/repos/${repo.owner}/${repo.name}`;
  return {
    url: `${base}/releases/${release.id}`,
    html_url: `${origins.api}/${repo.owner}/${repo.name}/releases/tag/${encodeURIComponent(release.tagName)}`,
    assets_url: `${base}/releases/${release.id}/assets`,
    upload_url: `${origins.uploads}/repos/${repo.owner}/${repo.name}/releases/${release.id}/assets{?name,label}`,
    tarball_url: release.draft ? null : `${base}/tarball/${encodeURIComponent(release.tagName)}`,
    zipball_url: release.draft ? null : `${base}/zipball/${encodeURIComponent(release.tagName)}`,
    id: release.id,
    node_id: nodeId('Release', release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: release.immutable,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    author: userJson(origins.api, repo.owner),
    assets: release.assets.map((a) => assetJson(origins, repo, release, a)),
  };
}

let repoExample: string | undefined;

/**
 * GET /repos/{owner}/{repo}: GitHub's own example from the description, re-addressed. The
 * full-repository object has 75 required fields; the example is the least invented source.
 */
export function repoJson(origins: Origins, repo: StoredRepo, canPush: boolean) {
  repoExample ??= JSON.stringify(
    (
      JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
        components: { examples: Record<string, { value: unknown }> };
      }
    ).components.examples['full-repository'].value,
  );
  const text = repoExample
    .replaceAll('octocat/Hello-World', `${repo.owner}/${repo.name}`)
    .replaceAll('https://api.github.com', origins.api)
    .replaceAll('https://github.com', origins.api);
  const example = JSON.parse(text) as Record<string, unknown>;
  return {
    ...example,
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userJson(origins.api, repo.owner),
    private: true,
    // Newer than the example: required by the schema.
    has_discussions: false,
    permissions: { admin: false, maintain: canPush, push: canPush, triage: true, pull: true },
  };
}
