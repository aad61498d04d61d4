import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { PutObjectCommand, type PutObjectCommandInput, type PutObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ProgressSink } from '../types';
import { offThreadHash, type Digests, type OffThreadHash } from './digest-thread';

/** What one attempt actually sent: every byte of the file as read from disk, hashed on the way (hex). */
export type SentBytes = Digests;

/** The store's answer or the SDK's error after its retries, with what the last attempt sent. */
export type PutFileResult = (
  | { ok: true; output: PutObjectCommandOutput }
  /** `stored`: the store took the object, but what was sent is unknown (the digest thread failed). */
  | { ok: false; error: unknown; stored?: boolean }
) & { sent: SentBytes | undefined };

/** Stands for the file in the command until the middleware below puts a stream in its place. */
const FILE_BODY = Object.freeze({ codebuffFileBody: true });

/**
 * One PutObject whose body streams from the file on disk, opened afresh for every attempt the
 * SDK makes (its retry middleware sends the same request again, and a stream is used up after
 * the first). The file is read once per attempt and never before: sha256 and MD5 are computed
 * from the bytes as they go out, so the caller can compare them with the manifest and with the
 * ETag the store answers. `sent` is the last attempt's, and only once it read the whole file
 * (also when the store refused it, e.g. S3 finding a body that does not match ChecksumSHA256).
 * Progress never goes backwards: a retried attempt reports nothing until it passes the bytes the
 * failed one had reached.
 */
export async function putFileObject(
  client: S3Client,
  params: Omit<PutObjectCommandInput, 'Body'>,
  path: string,
  progress: ProgressSink,
): Promise<PutFileResult> {
  let reported = 0;
  const attempts: OffThreadHash[] = [];
  /** The last attempt's: resolves with what it sent once it read the whole file, or undefined if it was cut off before. */
  let lastAttempt: { flushed: boolean; sent: Promise<SentBytes | undefined> } | undefined;
  const freshBody = () => {
    let settle!: (sent: SentBytes | undefined) => void;
    let fail!: (error: unknown) => void;
    const attempt = {
      flushed: false,
      sent: new Promise<SentBytes | undefined>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      }),
    };
    attempt.sent.catch(() => undefined); // looked at only if this attempt is the last one
    lastAttempt = attempt;
    const hash = offThreadHash();
    attempts.push(hash);
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > reported) progress((reported = bytes));
        this.push(chunk);
        hash.update(chunk).then(() => callback(), callback);
      },
      flush(callback) {
        attempt.flushed = true;
        hash.digest().then(settle, fail);
        callback();
      },
    });
    hashing.on('close', () => {
      if (!attempt.flushed) settle(undefined);
    });
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    file.on('error', (error) => hashing.destroy(error));
    return file.pipe(hashing);
  };
  // The command carries a stand-in, not a stream: the SDK's retry middleware refuses to retry a
  // request whose body is a stream (it cannot be read twice), and the signer sends a stand-in
  // object as UNSIGNED-PAYLOAD, as it would a stream. Each attempt gets a fresh stream below.
  const command = new PutObjectCommand({ ...params, Body: FILE_BODY as never });
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as object;
      // A copy of the attempt's request with its own stream; the retry loop keeps the stand-in.
      const attempt = Object.assign(Object.create(Object.getPrototypeOf(request) as object) as object, request, { body: freshBody() });
      return next({ ...args, request: attempt });
    },
    // Inside the retry loop: finalizeRequest, after the retry middleware (high) and the signer.
    { step: 'finalizeRequest', priority: 'low', name: 'codebuffFileBody', override: true },
  );
  let result: { ok: true; output: PutObjectCommandOutput } | { ok: false; error: unknown };
  try {
    result = { ok: true, output: await client.send(command) };
  } catch (error) {
    result = { ok: false, error };
  }
  try {
    // After a success the body was sent whole, and its end (which gives the digests) follows at
    // once; after a failure only an attempt that already read the whole file is looked at.
    const sent = lastAttempt && (result.ok || lastAttempt.flushed) ? await lastAttempt.sent : undefined;
    return { ...result, sent };
  } catch (error) {
    // The digest thread failed: nothing can be said about the bytes, so the upload did not work.
    return { ok: false, error, stored: result.ok, sent: undefined };
  } finally {
    for (const attempt of attempts) attempt.drop();
  }
}
