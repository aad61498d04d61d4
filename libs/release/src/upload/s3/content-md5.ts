import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';

const BODY_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * Adds Content-MD5 to every PutObject and UploadPart whose body is in memory (lib-storage hands
 * each part over as a Buffer). S3, R2 and MinIO then reject a body that arrived different from
 * what was read from disk. The SDK's own CRC32 does the same on AWS, but with a custom endpoint
 * it is off (`WHEN_REQUIRED`, because R2 rejects it); MD5 is the check every S3-compatible
 * store understands.
 */
export function addContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown } | undefined;
      const headers = request?.headers;
      if (
        headers &&
        BODY_COMMANDS.has(context.commandName ?? '') &&
        request.body instanceof Uint8Array &&
        !Object.keys(headers).some((h) => h.toLowerCase() === 'content-md5')
      ) {
        headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'codebuffContentMd5', override: true },
  );
}
