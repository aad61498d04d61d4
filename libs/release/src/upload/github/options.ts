import { ReleaseError } from '../../errors';

/**
 * Where and how a release goes to GitHub Releases. Draft-only runs and replacing differing
 * assets are the driver's `UploadOptions.draft` / `UploadOptions.replace`, not options here.
 */
export interface GitHubDestinationOptions {
  /** `owner/name`. */
  repo: string;
  /** Default: `GITHUB_TOKEN`, then `GH_TOKEN`. Checked in preflight, never printed. */
  token?: string;
  /** REST API base. Default: `GITHUB_API_URL` (set by GitHub Actions, and on GHES), else https://api.github.com. */
  apiUrl?: string;
  /** Publish as a prerelease. */
  prerelease?: boolean;
  /** Branch or commit the tag is created from if it does not exist yet (default: the repository's default branch). */
  targetCommitish?: string;
  /** Receives warnings (rate limits, retries): strings only, never headers or the token. Default: stderr. */
  log?: (message: string) => void;
  /** Where the token and API URL are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface GitHubSettings {
  owner: string;
  repo: string;
  /** `owner/name` as given, for messages. */
  fullName: string;
  token: string | undefined;
  apiUrl: string;
  prerelease: boolean;
  targetCommitish: string | undefined;
  log: (message: string) => void;
}

export const DEFAULT_API_URL = 'https://api.github.com';

// GitHub's own rules: owners are alphanumeric with single hyphens; repository names add `.` and `_`.
const REPO_PATTERN = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/** The one wording of a missing token, for preflight and for the checks made before any build. */
export function missingGitHubTokenError(fullName: string): ReleaseError {
  return new ReleaseError(`no GitHub token for ${fullName}: set GITHUB_TOKEN or GH_TOKEN to a token with contents: write`);
}

/** Validates the options; throws a one-line ReleaseError on bad input. The token may be missing here (preflight says so). */
export function resolveGitHubSettings(options: GitHubDestinationOptions): GitHubSettings {
  const env = options.env ?? process.env;
  const match = REPO_PATTERN.exec(options.repo ?? '');
  if (!match || match[2] === '.' || match[2] === '..') {
    throw new ReleaseError(`invalid GitHub repository "${options.repo ?? ''}": expected owner/name, e.g. codebuff/codebuff`);
  }
  const apiUrl = (options.apiUrl || env.GITHUB_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(apiUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password) {
    // Only the parsed origin and path are echoed: a URL that embeds credentials must not print them.
    const shown = parsed ? ` "${parsed.origin}${parsed.pathname}"` : '';
    throw new ReleaseError(`invalid GitHub API URL${shown}: expected http(s)://host[/path] without credentials`);
  }
  const token = options.token || env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
  return {
    owner: match[1],
    repo: match[2],
    fullName: `${match[1]}/${match[2]}`,
    token,
    apiUrl,
    prerelease: options.prerelease === true,
    targetCommitish: options.targetCommitish,
    log: options.log ?? ((message) => process.stderr.write(`${message}\n`)),
  };
}
