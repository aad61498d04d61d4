import { ReleaseError } from '../../errors';

/** Replaces every occurrence of the secret; used on all text that leaves the destination. */
export function redact(text: string, secret: string | undefined): string {
  return secret && secret.length > 0 ? text.split(secret).join('***') : text;
}

interface HttpFailure {
  status: number;
  message: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return error instanceof Error && typeof (error as Partial<HttpFailure>).status === 'number';
}

/** GitHub's own `message` (and validation error codes), without Octokit's documentation suffix. */
function gitHubMessage(error: HttpFailure): string {
  const data = error.response?.data as
    | { message?: unknown; errors?: Array<{ code?: string; field?: string; message?: string }> }
    | undefined;
  if (data && typeof data.message === 'string') {
    const details = (data.errors ?? []).map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' ')).filter(Boolean);
    return details.length > 0 ? `${data.message}: ${details.join(', ')}` : data.message;
  }
  return error.message;
}

export function isAlreadyExists(error: unknown): boolean {
  if (!isHttpFailure(error) || error.status !== 422) return false;
  const errors = (error.response?.data as { errors?: Array<{ code?: string }> } | undefined)?.errors ?? [];
  return errors.some((e) => e.code === 'already_exists');
}

export function httpStatus(error: unknown): number | undefined {
  return isHttpFailure(error) ? error.status : undefined;
}

/**
 * One line that says what failed and why, for any error the API calls can throw. The original
 * error is not attached as `cause`: Octokit errors carry the request, which is not ours to print.
 */
export function gitHubFailure(error: unknown, doing: string, token: string | undefined): ReleaseError {
  if (error instanceof ReleaseError) return error;
  let text: string;
  if (!isHttpFailure(error)) {
    text = `${doing} failed: ${error instanceof Error ? error.message : String(error)}`;
  } else if (!error.response) {
    // Octokit reports a connection failure as status 500 without a response.
    text = `${doing} failed: cannot reach GitHub (${error.message}), even after retries`;
  } else if (error.status === 401) {
    text = `${doing} failed: GitHub rejected the token (401 ${gitHubMessage(error)}); check GITHUB_TOKEN / GH_TOKEN`;
  } else if (error.status === 403 || error.status === 429) {
    const limited = error.response.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(gitHubMessage(error));
    text = limited
      ? `${doing} failed: GitHub rate limit reached (${error.status} ${gitHubMessage(error)}); try again later`
      : `${doing} failed: the token is not allowed to do this (${error.status} ${gitHubMessage(error)}); it needs contents: write`;
  } else {
    text = `${doing} failed: GitHub answered ${error.status} ${gitHubMessage(error)}`;
  }
  return new ReleaseError(redact(text.replace(/\s+/g, ' ').trim(), token));
}
