import { createReadStream } from 'node:fs';
import type { ProgressSink } from '../types';

/**
 * A request body that streams a file from disk and can be sent more than once: each time fetch
 * iterates it, the file is opened afresh. Octokit's retry and throttling plugins resend the same
 * request options after a failure; a plain stream would already be used up by then.
 */
export class ReplayableFileBody implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly path: string,
    private readonly progress: ProgressSink,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let sent = 0;
    this.progress(0);
    // Leaving the loop early (a failed request) closes the file through the stream's iterator.
    for await (const chunk of createReadStream(this.path, { highWaterMark: 1 << 20 })) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
      this.progress(sent);
    }
  }
}
