import { S3Client } from '@aws-sdk/client-s3';
import { addContentMd5 } from './content-md5';
import type { ResolvedS3Options } from './options';

/**
 * The S3 client with the settings releases need. Retries are the SDK's own ('standard' mode:
 * exponential backoff with jitter for connection resets, timeouts, 5xx and throttling).
 */
export function createS3Client(options: ResolvedS3Options): S3Client {
  const custom = options.endpoint !== undefined;
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint?.href.replace(/\/$/, ''),
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // On AWS, a bucket in another region than the one configured still works.
    followRegionRedirects: !custom,
    // Every body we send carries its own check: a file sent whole, the manifest's sha256 as
    // x-amz-checksum-sha256 (put-file.ts, s3-destination.ts); parts and small in-memory bodies a
    // Content-MD5 (content-md5.ts). The SDK's default CRC32 would be another pass over the same
    // bytes, its aws-chunked encoding cannot wrap a body reopened for a retry (put-file.ts), and
    // R2 and other S3-compatible stores reject it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(custom ? { responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    // A stalled connection fails (and is retried) instead of hanging the release.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
  addContentMd5(client);
  return client;
}
