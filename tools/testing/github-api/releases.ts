import { alreadyExists, error, notFound, paginate, type Reply } from './http';
import { newId, now, releaseJson, assetJson, type Origins, type StoredRelease, type StoredRepo } from './state';

/** The release endpoints that take and give JSON (the upload is in upload.ts). */

export interface ReleaseContext {
  origins: Origins;
  repo: StoredRepo;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  /** The request's own URL, for Link headers. */
  selfUrl: string;
  /** The repository setting: releases published while it is on become immutable. */
  immutableReleases: boolean;
}

function releaseById(ctx: ReleaseContext): StoredRelease | undefined {
  return ctx.repo.releases.find((r) => r.id === Number(ctx.params.release_id));
}

export function listReleases(ctx: ReleaseContext): Reply {
  const newestFirst = [...ctx.repo.releases].sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(newestFirst, ctx.query, ctx.selfUrl);
  return { status: 200, body: page.map((r) => releaseJson(ctx.origins, ctx.repo, r)), headers };
}

export function getRelease(ctx: ReleaseContext): Reply {
  const release = releaseById(ctx);
  return release ? { status: 200, body: releaseJson(ctx.origins, ctx.repo, release) } : notFound();
}

function publish(ctx: ReleaseContext, release: StoredRelease): void {
  release.draft = false;
  release.publishedAt = now();
  release.immutable = ctx.immutableReleases;
}

export function createRelease(ctx: ReleaseContext): Reply {
  const body = ctx.body ?? {};
  const tagName = String(body.tag_name);
  // Drafts may share a tag; a published release owns it.
  if (ctx.repo.releases.some((r) => r.tagName === tagName && !r.draft)) return alreadyExists('Release', 'tag_name');
  const release: StoredRelease = {
    id: newId(),
    tagName,
    targetCommitish: typeof body.target_commitish === 'string' ? body.target_commitish : 'main',
    name: typeof body.name === 'string' ? body.name : null,
    body: typeof body.body === 'string' ? body.body : null,
    draft: true,
    prerelease: body.prerelease === true,
    immutable: false,
    createdAt: now(),
    publishedAt: null,
    assets: [],
  };
  if (body.draft !== true) publish(ctx, release);
  ctx.repo.releases.push(release);
  const json = releaseJson(ctx.origins, ctx.repo, release);
  return { status: 201, body: json, headers: { location: json.url } };
}

export function updateRelease(ctx: ReleaseContext): Reply {
  const release = releaseById(ctx);
  if (!release) return notFound();
  const body = ctx.body ?? {};
  if (release.immutable && (body.draft === true || (typeof body.tag_name === 'string' && body.tag_name !== release.tagName))) {
    return error(422, 'Cannot modify the tag or draft state of an immutable release');
  }
  if (typeof body.tag_name === 'string') release.tagName = body.tag_name;
  if (typeof body.target_commitish === 'string') release.targetCommitish = body.target_commitish;
  if (typeof body.name === 'string') release.name = body.name;
  if (typeof body.body === 'string') release.body = body.body;
  if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease;
  if (body.draft === false && release.draft) {
    if (ctx.repo.releases.some((r) => r !== release && r.tagName === release.tagName && !r.draft)) return alreadyExists('Release', 'tag_name');
    publish(ctx, release);
  }
  if (body.draft === true && !release.draft) {
    release.draft = true;
    release.publishedAt = null;
  }
  return { status: 200, body: releaseJson(ctx.origins, ctx.repo, release) };
}

export function listReleaseAssets(ctx: ReleaseContext): Reply {
  const release = releaseById(ctx);
  if (!release) return notFound();
  const { page, headers } = paginate(release.assets, ctx.query, ctx.selfUrl);
  return { status: 200, body: page.map((a) => assetJson(ctx.origins, ctx.repo, release, a)), headers };
}

export function deleteReleaseAsset(ctx: ReleaseContext): Reply {
  const id = Number(ctx.params.asset_id);
  const release = ctx.repo.releases.find((r) => r.assets.some((a) => a.id === id));
  if (!release) return notFound();
  if (release.immutable) return error(422, 'Cannot delete an asset of an immutable release');
  release.assets = release.assets.filter((a) => a.id !== id);
  return { status: 204 };
}
