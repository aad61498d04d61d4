/**
 * An error whose message is meant for the user as it is: one line, no stack trace,
 * no secrets. Executors and CLIs print `message` alone and exit non-zero.
 */
export class ReleaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReleaseError';
  }
}

export function isReleaseError(error: unknown): error is ReleaseError {
  return error instanceof Error && error.name === 'ReleaseError';
}
