/**
 * An error the launcher shows to the user as it is: `message` says what failed and what was
 * tried, `repair` says what to do about it. No stack trace, no URL credentials.
 */
export class LauncherError extends Error {
  readonly repair: string | undefined;
  constructor(message: string, options: { repair?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LauncherError';
    this.repair = options.repair;
  }
}

/** A failure worth another attempt: connection reset, timeout, 5xx, 429, short body. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    typeof code === 'string' &&
    [
      'ECONNRESET',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'EPIPE',
      'EAI_AGAIN',
      'ENOTFOUND',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'ECONNABORTED',
      'ERR_STREAM_PREMATURE_CLOSE',
    ].includes(code)
  );
}

/** Drops user:password from a URL before it appears in any message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    // Signed URLs (S3 presigned, GitHub's redirect targets) carry credentials in the query.
    if (parsed.search) parsed.search = '?…';
    return parsed.href;
  } catch {
    return url;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
