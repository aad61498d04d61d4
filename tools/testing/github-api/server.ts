import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_BRANCH, getContent, gitBlobSha, putContent, type StoredCommit, type StoredFile } from './contents';
import { drain, error, notFound, readBody, type Reply } from './http';
import { githubOperations, type Operation } from './openapi';
import {
  createRelease,
  deleteReleaseAsset,
  getLatestRelease,
  getRelease,
  listReleaseAssets,
  listReleases,
  updateRelease,
  type ReleaseContext,
} from './releases';
import { digestOf, downloadPath, newId, repoJson, type StoredRepo } from './state';
import { uploadReleaseAsset, type UploadFaults } from './upload';

export interface GitHubApiFaults extends UploadFaults {
  /**
   * Answer the next `count` requests (only asset uploads unless `anyRequest`) with 403
   * "secondary rate limit" and `Retry-After: retryAfterSeconds` (default 1).
   */
  secondaryRateLimit?: { count: number; retryAfterSeconds?: number; anyRequest?: boolean };
}

/**
 * Options of the stand-in:
 * - `token`: the token with write access; requests must send `Authorization: token|Bearer <it>`.
 * - `readOnlyToken`: a second accepted token that can read but gets 403 on every write
 *   (and `permissions.push: false` from GET /repos/{owner}/{repo}).
 * - `repos`: the repositories that exist, `owner/name` (default `acme/codebuff`); others are 404.
 * - `rateLimit`: the core rate limit (default 5000 of 5000); every API request but GET /rate_limit uses one.
 * - `immutableReleases`: the repository setting; releases published while on become `immutable`.
 * - `faults`: see GitHubApiFaults; also settable later through `api.faults`.
 */
export interface GitHubApiOptions {
  token: string;
  readOnlyToken?: string;
  repos?: string[];
  rateLimit?: { limit?: number; remaining?: number };
  immutableReleases?: boolean;
  faults?: GitHubApiFaults;
}

export interface RecordedRequest {
  origin: 'api' | 'uploads';
  method: string;
  path: string;
  status: number;
  /** When the request arrived (Date.now()). */
  at: number;
}

export interface AssetView {
  id: number;
  name: string;
  state: string;
  size: number;
  digest: string | null;
  contentType: string;
  bytes: Buffer;
}

export interface ReleaseView {
  id: number;
  tag: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  /** Shown as the repository's Latest release. */
  latest: boolean;
  assets: AssetView[];
}

export interface GitHubApi {
  /** Base URL for the client (`GITHUB_API_URL`), e.g. `http://127.0.0.1:40123`. */
  apiUrl: string;
  /** Origin of `upload_url`; a different port, as uploads.github.com is a different host. */
  uploadsUrl: string;
  /** Mutable: tests arm faults between runs. */
  faults: GitHubApiFaults;
  rateLimit: { limit: number; remaining: number };
  /** Every request or response that broke GitHub's description. A passing test expects none. */
  validationErrors: string[];
  requests: RecordedRequest[];
  /** Asset bytes received by the upload origin, including failed attempts. */
  uploadedBytes(): number;
  /** What the server holds for a repository (default: the first one), oldest release first. */
  releases(repo?: string): ReleaseView[];
  /** Files written through the contents API (default: the first repository), and the commits that wrote them, oldest first. */
  files(repo?: string): StoredFile[];
  commits(repo?: string): StoredCommit[];
  /** Puts a file in a repository as if committed earlier (branch default `main`). */
  seedFile(repo: string, path: string, content: string, branch?: string): void;
  /** Sets a release's `immutable` flag, as if published with immutable releases on. */
  setImmutable(tag: string, repo?: string): void;
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

/**
 * A GitHub REST stand-in on 127.0.0.1 (two OS-chosen ports: API and uploads) that keeps
 * releases and asset bytes in memory and checks every request and response against
 * `@octokit/openapi`'s description of api.github.com.
 */
export async function startGitHubApi(options: GitHubApiOptions): Promise<GitHubApi> {
  const operations = [...githubOperations().values()];
  const repos: StoredRepo[] = (options.repos ?? ['acme/codebuff']).map((full) => {
    const [owner, name] = full.split('/');
    return { id: newId(), owner, name, releases: [], files: [], commits: [] };
  });
  const validationErrors: string[] = [];
  const requests: RecordedRequest[] = [];
  const rateLimit = {
    limit: options.rateLimit?.limit ?? 5000,
    remaining: options.rateLimit?.remaining ?? options.rateLimit?.limit ?? 5000,
  };
  const resetAt = () => Math.floor(Date.now() / 1000) + 3600;
  let uploadedBytes = 0;
  const api: GitHubApi = {
    apiUrl: '',
    uploadsUrl: '',
    faults: options.faults ?? {},
    rateLimit,
    validationErrors,
    requests,
    uploadedBytes: () => uploadedBytes,
    releases: (repo) =>
      findRepo(repo ?? `${repos[0].owner}/${repos[0].name}`)!.releases.map((r) => ({
        id: r.id,
        tag: r.tagName,
        name: r.name,
        body: r.body,
        draft: r.draft,
        prerelease: r.prerelease,
        immutable: r.immutable,
        latest: findRepo(repo ?? `${repos[0].owner}/${repos[0].name}`)!.latestReleaseId === r.id,
        assets: r.assets.map((a) => ({
          id: a.id,
          name: a.name,
          state: a.state,
          size: a.bytes.length,
          digest: a.state === 'uploaded' ? digestOf(a.bytes) : null,
          contentType: a.contentType,
          bytes: a.bytes,
        })),
      })),
    files: (repo) => [...findRepo(repo ?? `${repos[0].owner}/${repos[0].name}`)!.files],
    commits: (repo) => [...findRepo(repo ?? `${repos[0].owner}/${repos[0].name}`)!.commits],
    seedFile(repo, path, content, branch = DEFAULT_BRANCH) {
      const found = findRepo(repo);
      if (!found) throw new Error(`no repository ${repo}`);
      const bytes = Buffer.from(content);
      found.files = [
        ...found.files.filter((f) => !(f.path === path && f.branch === branch)),
        { path, branch, bytes, sha: gitBlobSha(bytes) },
      ];
    },
    setImmutable(tag, repo) {
      const found = findRepo(repo ?? `${repos[0].owner}/${repos[0].name}`)?.releases.filter((r) => r.tagName === tag) ?? [];
      if (found.length === 0) throw new Error(`no release ${tag}`);
      for (const release of found) release.immutable = true;
    },
    close: async () => {
      for (const server of [apiServer, uploadServer]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };

  function findRepo(full: string): StoredRepo | undefined {
    const [owner, name] = full.toLowerCase().split('/');
    return repos.find((r) => r.owner.toLowerCase() === owner && r.name.toLowerCase() === name);
  }

  const origins = () => ({ api: api.apiUrl, uploads: api.uploadsUrl });

  function route(origin: 'api' | 'uploads', method: string, path: string): { op: Operation; params: Record<string, string> } | string {
    // A literal segment beats a parameter: /releases/latest is get-latest-release, not get-release.
    const candidates = operations
      .map((op) => ({ op, params: op.match(path) }))
      .filter((c) => c.params)
      .sort((a, b) => Object.keys(a.params!).length - Object.keys(b.params!).length);
    const hit = candidates.find((c) => c.op.method === method);
    if (!hit) return candidates.length ? `${method} is not an operation of ${candidates[0].op.template}` : `no GitHub operation at ${path}`;
    if (hit.op.onUploadOrigin !== (origin === 'uploads'))
      return `${hit.op.id} is served on the ${hit.op.onUploadOrigin ? 'upload' : 'API'} origin, not this one`;
    return { op: hit.op, params: hit.params! };
  }

  /** Downloads as github.com serves them: browser_download_url redirects to the bytes. Not REST, so not in the description. */
  function download(path: string): Reply | undefined {
    const object = /^\/_objects\/(\d+)$/.exec(path);
    const web = /^\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(path);
    for (const repo of repos) {
      for (const release of repo.releases) {
        for (const asset of release.assets) {
          if (release.draft || asset.state !== 'uploaded') continue;
          if (object && Number(object[1]) === asset.id)
            return { status: 200, raw: asset.bytes, unchecked: true, headers: { 'content-type': 'application/octet-stream' } };
          if (web && downloadPath(repo, release, asset).toLowerCase() === path.toLowerCase()) {
            return { status: 302, unchecked: true, headers: { location: `${api.apiUrl}/_objects/${asset.id}` } };
          }
        }
      }
    }
    return object || web ? { ...notFound(), unchecked: true } : undefined;
  }

  async function handle(origin: 'api' | 'uploads', req: IncomingMessage): Promise<Reply | 'dropped'> {
    const url = new URL(req.url ?? '/', origin === 'api' ? api.apiUrl : api.uploadsUrl);
    const method = req.method ?? 'GET';
    if (origin === 'api' && method === 'GET') {
      const reply = download(url.pathname);
      if (reply) return reply;
    }
    const routed = route(origin, method, url.pathname);
    const invalid = (message: string) => validationErrors.push(`${method} ${url.pathname}${url.search}: ${message}`);
    if (typeof routed === 'string') {
      invalid(routed);
      await drain(req);
      return { ...error(500, `stand-in: ${routed}`), unchecked: true };
    }
    const { op, params } = routed;
    const paramErrors = op.checkParameters(params, url.searchParams);
    if (paramErrors.length > 0) {
      paramErrors.forEach(invalid);
      await drain(req);
      return { ...error(500, `stand-in: ${paramErrors.join('; ')}`), unchecked: true };
    }

    // JSON bodies are checked before anything else, so no refusal (auth, 404) hides a malformed request.
    let body: Record<string, unknown> | undefined;
    if (!op.onUploadOrigin) {
      const raw = await readBody(req);
      const problems: string[] = [];
      if (raw.length > 0) {
        if (!op.bodyContentType) problems.push('request body sent to an operation that takes none');
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
          problems.push(`body sent as ${req.headers['content-type'] ?? 'no content type'}, expected application/json`);
        try {
          body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
          problems.push('request body is not JSON');
        }
      }
      problems.push(...op.checkJsonBody(body));
      if (problems.length > 0) {
        problems.forEach(invalid);
        return { ...error(500, `stand-in: ${problems.join('; ')}`), unchecked: true };
      }
    } else {
      // The upload's body is raw bytes; GitHub requires both headers to take it.
      const problems = [
        req.headers['content-type'] ? '' : 'upload without Content-Type (GitHub requires it)',
        Number.isSafeInteger(Number(req.headers['content-length'])) ? '' : 'upload without Content-Length (GitHub requires it)',
      ].filter(Boolean);
      if (problems.length > 0) {
        problems.forEach(invalid);
        await drain(req);
        return { ...error(500, `stand-in: ${problems.join('; ')}`), unchecked: true };
      }
    }

    const presented = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!presented) return drain(req).then(() => error(401, 'Requires authentication'));
    if (presented !== options.token && presented !== options.readOnlyToken) return drain(req).then(() => error(401, 'Bad credentials'));
    const canPush = presented === options.token;

    if (op.id === 'rate-limit/get') {
      const core = {
        limit: rateLimit.limit,
        remaining: rateLimit.remaining,
        reset: resetAt(),
        used: rateLimit.limit - rateLimit.remaining,
      };
      const other = { limit: 30, remaining: 30, reset: resetAt(), used: 0 };
      return { status: 200, body: { resources: { core, search: other, graphql: other }, rate: core } };
    }
    if (rateLimit.remaining <= 0) {
      await drain(req);
      return error(403, 'API rate limit exceeded for user ID 1.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt()) });
    }
    rateLimit.remaining--;

    const secondary = api.faults.secondaryRateLimit;
    if (secondary && secondary.count > 0 && (secondary.anyRequest || op.id === 'repos/upload-release-asset')) {
      secondary.count--;
      await drain(req);
      return error(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', {
        'retry-after': String(secondary.retryAfterSeconds ?? 1),
      });
    }

    const repo = findRepo(`${params.owner}/${params.repo}`);
    if (!repo) return drain(req).then(notFound);
    if (method !== 'GET' && !canPush) return drain(req).then(() => error(403, 'Resource not accessible by personal access token'));

    if (op.id === 'repos/upload-release-asset') {
      return uploadReleaseAsset(
        { origins: origins(), repo, params, query: url.searchParams, faults: api.faults, received: (n) => (uploadedBytes += n) },
        req,
      );
    }

    if (op.id === 'repos/get') return { status: 200, body: repoJson(origins(), repo, canPush) };
    if (op.id === 'repos/get-content') return getContent({ origins: origins(), repo, params, query: url.searchParams, body });
    if (op.id === 'repos/create-or-update-file-contents')
      return putContent({ origins: origins(), repo, params, query: url.searchParams, body });
    const ctx: ReleaseContext = {
      origins: origins(),
      repo,
      params,
      query: url.searchParams,
      body,
      selfUrl: url.toString(),
      immutableReleases: options.immutableReleases === true,
    };
    const handlers: Record<string, (c: ReleaseContext) => Reply> = {
      'repos/list-releases': listReleases,
      'repos/get-release': getRelease,
      'repos/get-latest-release': getLatestRelease,
      'repos/create-release': createRelease,
      'repos/update-release': updateRelease,
      'repos/list-release-assets': listReleaseAssets,
      'repos/delete-release-asset': deleteReleaseAsset,
    };
    return handlers[op.id](ctx);
  }

  function send(origin: 'api' | 'uploads', req: IncomingMessage, res: ServerResponse, reply: Reply, record: RecordedRequest): void {
    let out = reply;
    if (!reply.unchecked) {
      const routed = route(origin, req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
      const problems = typeof routed === 'string' ? [routed] : routed.op.checkResponse(reply.status, reply.body);
      if (problems.length > 0) {
        for (const p of problems) validationErrors.push(`${req.method} ${req.url} answer ${reply.status}: ${p}`);
        out = error(500, `stand-in produced an invalid response: ${problems.join('; ')}`);
      }
    }
    record.status = out.status;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(rateLimit.limit),
      'x-ratelimit-remaining': String(rateLimit.remaining),
      'x-ratelimit-reset': String(resetAt()),
      'x-ratelimit-used': String(rateLimit.limit - rateLimit.remaining),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `STANDIN:${requests.length}`,
      ...out.headers,
    };
    if (out.raw) {
      res.writeHead(out.status, headers).end(out.raw);
    } else if (out.body === undefined) {
      res.writeHead(out.status, headers).end();
    } else {
      res.writeHead(out.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out.body));
    }
  }

  const serve = (origin: 'api' | 'uploads') => (req: IncomingMessage, res: ServerResponse) => {
    const record: RecordedRequest = {
      origin,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      status: 0,
      at: Date.now(),
    };
    requests.push(record);
    handle(origin, req).then(
      (reply) => {
        if (reply === 'dropped') record.status = -1;
        else send(origin, req, res, reply, record);
      },
      (cause: Error) => {
        validationErrors.push(`${req.method} ${req.url}: stand-in failed: ${cause.message}`);
        if (!res.headersSent) send(origin, req, res, { ...error(500, `stand-in failed: ${cause.message}`), unchecked: true }, record);
      },
    );
  };

  const apiServer = createServer(serve('api'));
  const uploadServer = createServer(serve('uploads'));
  api.apiUrl = `http://127.0.0.1:${await listen(apiServer)}`;
  api.uploadsUrl = `http://127.0.0.1:${await listen(uploadServer)}`;
  return api;
}
