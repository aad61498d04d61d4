import { compare, valid } from 'semver';
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

export function getLatestRelease(ctx: ReleaseContext): Reply {
  const latest = ctx.repo.releases.find((r) => r.id === ctx.repo.latestReleaseId);
  return latest ? { status: 200, body: releaseJson(ctx.origins, ctx.repo, latest) } : notFound();
}

function publish(ctx: ReleaseContext, release: StoredRelease): void {
  release.draft = false;
  release.publishedAt = now();
  release.immutable = ctx.immutableReleases;
}

const MAKE_LATEST = ['true', 'false', 'legacy'];

/**
 * GitHub's `make_latest` (the description: "Drafts and prereleases cannot be set as latest.
 * Defaults to true for newly published releases. legacy: by creation date and higher semantic
 * version"): applied when a release is published, or given for a published one.
 */
function applyMakeLatest(ctx: ReleaseContext, release: StoredRelease, makeLatest: unknown, newlyPublished: boolean): Reply | undefined {
  if (makeLatest === undefined && !newlyPublished) return undefined;
  const mode = makeLatest === undefined ? 'true' : String(makeLatest);
  if (!MAKE_LATEST.includes(mode)) return undefined; // the body check already refused it
  if (release.draft || release.prerelease) {
    if (mode === 'true' && makeLatest !== undefined) return error(422, 'Drafts and prereleases cannot be set as latest');
    return undefined;
  }
  if (mode === 'true') ctx.repo.latestReleaseId = release.id;
  if (mode === 'legacy') {
    const version = (r: StoredRelease) => valid(r.tagName.replace(/^v/, '')) ?? '0.0.0';
    const eligible = ctx.repo.releases
      .filter((r) => !r.draft && !r.prerelease)
      .sort((a, b) => compare(version(b), version(a)) || b.id - a.id);
    ctx.repo.latestReleaseId = eligible[0]?.id;
  }
  return undefined;
}

/**
 * What `generate_release_notes: true` gives: GitHub writes "What's Changed" from the pull
 * requests since the previous release and a compare link; the stand-in has no pull requests,
 * so only the link. A body given with the request is put before the notes, as on GitHub.
 */
function generatedNotes(ctx: ReleaseContext, tagName: string, given: string | null): string {
  const previous = ctx.repo.releases.find((r) => r.id === ctx.repo.latestReleaseId);
  const base = `${ctx.origins.api}/${ctx.repo.owner}/${ctx.repo.name}`;
  const link = previous ? `${base}/compare/${previous.tagName}...${tagName}` : `${base}/commits/${tagName}`;
  const notes = `## What's Changed\n\n**Full Changelog**: ${link}`;
  return given ? `${given}\n\n${notes}` : notes;
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
    name: typeof body.name === 'string' ? body.name : body.generate_release_notes === true ? tagName : null,
    body:
      body.generate_release_notes === true
        ? generatedNotes(ctx, tagName, typeof body.body === 'string' ? body.body : null)
        : typeof body.body === 'string'
          ? body.body
          : null,
    draft: true,
    prerelease: body.prerelease === true,
    immutable: false,
    createdAt: now(),
    publishedAt: null,
    assets: [],
  };
  if (body.draft !== true) publish(ctx, release);
  const refused = applyMakeLatest(ctx, release, body.make_latest, !release.draft);
  if (refused) return refused;
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
  let newlyPublished = false;
  if (body.draft === false && release.draft) {
    if (ctx.repo.releases.some((r) => r !== release && r.tagName === release.tagName && !r.draft))
      return alreadyExists('Release', 'tag_name');
    publish(ctx, release);
    newlyPublished = true;
  }
  if (body.draft === true && !release.draft) {
    release.draft = true;
    release.publishedAt = null;
  }
  // A release that can no longer be Latest stops being it.
  if ((release.draft || release.prerelease) && ctx.repo.latestReleaseId === release.id) ctx.repo.latestReleaseId = undefined;
  const refused = applyMakeLatest(ctx, release, body.make_latest, newlyPublished);
  if (refused) return refused;
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
