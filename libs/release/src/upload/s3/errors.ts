import { ReleaseError } from '../../errors';

/** The parts of an AWS SDK (or Node network) error worth showing; nothing else is read from it. */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Keeps every credential that could end up in a server's or the SDK's text, and removes them
 * from messages. SigV4 never sends the secret, but the access key id travels in every request
 * and S3-compatible servers may echo anything back, so messages are scrubbed on the way out.
 * Only name, status, code and message of an SDK error are used: its other fields (e.g.
 * `AWSAccessKeyId` on InvalidAccessKeyId) and `$response` are never copied, nor attached as cause.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  add(...values: (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= 4) this.secrets.add(value);
  }

  scrub(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result;
  }
}

/** `NoSuchBucket (HTTP 404): The specified bucket does not exist`, on one line. */
export function describeSdkError(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const parts: string[] = [];
  const name = e.code ?? e.name;
  if (name && name !== 'Error' && name !== 'Unknown') parts.push(name);
  if (status !== undefined) parts.push(`(HTTP ${status})`);
  let text = parts.join(' ');
  // The SDK uses 'UnknownError' or the bare status name when a HEAD response has no body to read.
  if (e.message && e.message !== 'UnknownError' && e.message !== name) text += `${text ? ': ' : ''}${e.message}`;
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/** A one-line ReleaseError for a failed S3 call, with every known credential removed. */
export function s3Failure(what: string, error: unknown, scrubber: SecretScrubber, hint = ''): ReleaseError {
  const message = `${what}: ${describeSdkError(error)}${hint ? `; ${hint}` : ''}`;
  return new ReleaseError(scrubber.scrub(message));
}
