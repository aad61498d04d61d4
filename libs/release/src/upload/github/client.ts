import type { Octokit } from '@octokit/rest';
import { redact } from './errors';

/**
 * Octokit and its plugins load only when a client is made: importing them takes about 0.35 s,
 * which every upload task (S3 and local too, and a GitHub upload with nothing to send) paid.
 */
function gitHubClass() {
  const { retry } = require('@octokit/plugin-retry') as typeof import('@octokit/plugin-retry');
  const { throttling } = require('@octokit/plugin-throttling') as typeof import('@octokit/plugin-throttling');
  const rest = require('@octokit/rest') as { Octokit: typeof Octokit };
  return rest.Octokit.plugin(retry, throttling);
}
export type GitHubClient = InstanceType<ReturnType<typeof gitHubClass>>;

export interface ClientSettings {
  token: string;
  apiUrl: string;
  log: (message: string) => void;
}

/** How often a request hit by a secondary rate limit is tried again (each after GitHub's Retry-After). */
const SECONDARY_LIMIT_RETRIES = 3;
/** Waiting out the primary limit is worth it only when it resets soon. */
const PRIMARY_LIMIT_MAX_WAIT_SECONDS = 60;

/**
 * Octokit with retries (5xx and dropped connections, with backoff) and throttling (GitHub's
 * pacing of writes, Retry-After on secondary rate limits). Octokit's request logging gets a
 * logger that drops debug/info/error (debug receives the request options, headers included) and
 * passes warnings on as redacted text.
 */
export function createGitHubClient(settings: ClientSettings): GitHubClient {
  const warn = (message: unknown) => {
    if (typeof message === 'string') settings.log(redact(message, settings.token));
  };
  const where = (options: { method?: string; url?: string }) => `${options.method ?? ''} ${(options.url ?? '').split('?')[0]}`.trim();
  const GitHub = gitHubClass();
  const client = new GitHub({
    auth: settings.token,
    baseUrl: settings.apiUrl,
    userAgent: 'codebuff-release',
    log: { debug: () => {}, info: () => {}, warn, error: () => {} },
    throttle: {
      onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
        if (retryCount >= SECONDARY_LIMIT_RETRIES) return false;
        warn(`GitHub secondary rate limit on ${where(options)}; retrying in ${retryAfter}s`);
        return true;
      },
      onRateLimit: (retryAfter, options, _octokit, retryCount) => {
        if (retryCount >= 1 || retryAfter > PRIMARY_LIMIT_MAX_WAIT_SECONDS) return false;
        warn(`GitHub rate limit reached on ${where(options)}; retrying in ${retryAfter}s`);
        return true;
      },
    },
  });
  // Octokit shares one `request` options object between calls unless a call brings its own,
  // and plugin-retry counts attempts on it: without a fresh copy per call, every later request's
  // backoff starts where an earlier request's retries ended (1 s, then 4 s, 9 s, 16 s...).
  client.hook.before('request', (options) => {
    options.request = { ...options.request };
  });
  return client;
}
