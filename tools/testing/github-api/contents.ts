import { createHash } from 'node:crypto';
import { error, notFound, type Reply } from './http';
import { newId, now, type Origins, type StoredRepo } from './state';

/** The repository contents endpoints (`GET`/`PUT /repos/{owner}/{repo}/contents/{path}`), on one branch or several. */

export interface StoredFile {
  path: string;
  branch: string;
  bytes: Buffer;
  /** Git's blob id: sha1 of `blob <size>\0<bytes>`, which is what GitHub calls the file's `sha`. */
  sha: string;
}

export interface StoredCommit {
  sha: string;
  branch: string;
  path: string;
  message: string;
}

export interface ContentsContext {
  origins: Origins;
  repo: StoredRepo;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
}

/** The branch a request means when it names none. */
export const DEFAULT_BRANCH = 'main';

export function gitBlobSha(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function findFile(repo: StoredRepo, branch: string, path: string): StoredFile | undefined {
  return repo.files.find((f) => f.branch === branch && f.path === path);
}

function fileLinks(origins: Origins, repo: StoredRepo, file: { path: string; branch: string; sha: string }) {
  const self = `${origins.api}/repos/${repo.owner}/${repo.name}/contents/${file.path}?ref=${encodeURIComponent(file.branch)}`;
  const git = `${origins.api}/repos/${repo.owner}/${repo.name}/git/blobs/${file.sha}`;
  const html = `${origins.api}/${repo.owner}/${repo.name}/blob/${encodeURIComponent(file.branch)}/${file.path}`;
  return {
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${origins.api}/_raw/${repo.owner}/${repo.name}/${encodeURIComponent(file.branch)}/${file.path}`,
    _links: { self, git, html },
  };
}

export function getContent(ctx: ContentsContext): Reply {
  const branch = ctx.query.get('ref') ?? DEFAULT_BRANCH;
  const file = findFile(ctx.repo, branch, ctx.params.path);
  if (!file) return notFound();
  // GitHub wraps the base64 at 60 characters.
  const content = (file.bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
  return {
    status: 200,
    body: {
      type: 'file',
      encoding: 'base64',
      size: file.bytes.length,
      name: file.path.split('/').pop(),
      path: file.path,
      content: content ? `${content}\n` : '',
      sha: file.sha,
      ...fileLinks(ctx.origins, ctx.repo, file),
    },
  };
}

export function putContent(ctx: ContentsContext): Reply {
  const body = ctx.body ?? {};
  const branch = typeof body.branch === 'string' ? body.branch : DEFAULT_BRANCH;
  const path = ctx.params.path;
  const existing = findFile(ctx.repo, branch, path);
  if (existing && body.sha === undefined) return error(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
  if (existing && body.sha !== existing.sha) return error(409, `${path} does not match ${String(body.sha)}`);
  if (!existing && body.sha !== undefined) return error(409, `${path} does not exist on ${branch}`);
  const bytes = Buffer.from(String(body.content), 'base64');
  const file: StoredFile = { path, branch, bytes, sha: gitBlobSha(bytes) };
  ctx.repo.files = [...ctx.repo.files.filter((f) => f !== existing), file];
  const commit: StoredCommit = {
    sha: createHash('sha1').update(`commit ${newId()}`).digest('hex'),
    branch,
    path,
    message: String(body.message),
  };
  ctx.repo.commits.push(commit);
  const links = fileLinks(ctx.origins, ctx.repo, file);
  const person = { date: now(), name: ctx.repo.owner, email: `${ctx.repo.owner}@users.noreply.example` };
  return {
    status: existing ? 200 : 201,
    body: {
      content: { name: path.split('/').pop(), path, sha: file.sha, size: bytes.length, ...links, type: 'file' },
      commit: {
        sha: commit.sha,
        node_id: Buffer.from(`Commit${commit.sha}`).toString('base64'),
        url: `${ctx.origins.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/commits/${commit.sha}`,
        html_url: `${ctx.origins.api}/${ctx.repo.owner}/${ctx.repo.name}/commit/${commit.sha}`,
        author: person,
        committer: person,
        message: commit.message,
        tree: { url: `${ctx.origins.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/trees/${commit.sha}`, sha: commit.sha },
        parents: [],
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    },
  };
}
