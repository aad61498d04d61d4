import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { PutObjectCommand, type PutObjectCommandInput, type PutObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ProgressSink } from '../types';

/**
 * One PutObject whose body streams from the file on disk, opened afresh for every attempt the
 * SDK makes (its retry middleware sends the same request again, and a stream is used up after
 * the first). `contentMd5` (base64) makes the store reject a body that is not those bytes.
 * Progress never goes backwards: a retried attempt reports nothing until it passes the bytes the
 * failed one had reached.
 */
/** Stands for the file in the command until the middleware below puts a stream in its place. */
const FILE_BODY = Object.freeze({ codebuffFileBody: true });

export async function putFileObject(
  client: S3Client,
  params: Omit<PutObjectCommandInput, 'Body' | 'ContentMD5'>,
  path: string,
  contentMd5: string,
  progress: ProgressSink,
): Promise<PutObjectCommandOutput> {
  let reported = 0;
  const freshBody = () => {
    let sent = 0;
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        if (sent > reported) progress((reported = sent));
        callback(null, chunk);
      },
    });
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    file.on('error', (error) => counting.destroy(error));
    return file.pipe(counting);
  };
  // The command carries a stand-in, not a stream: the SDK's retry middleware refuses to retry a
  // request whose body is a stream (it cannot be read twice), and the signer sends a stand-in
  // object as UNSIGNED-PAYLOAD, as it would a stream. Each attempt gets a fresh stream below.
  const command = new PutObjectCommand({ ...params, ContentMD5: contentMd5, Body: FILE_BODY as never });
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
  return client.send(command);
}
