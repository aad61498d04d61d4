import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Location } from './options';

export interface CacheEntry {
  body: Readable;
  size?: number;
}

/** Where cache entries live. Entries are created once and never replaced. */
export interface CacheStore {
  open(hash: string): Promise<CacheEntry | undefined>;
  exists(hash: string): Promise<boolean>;
  /** Stores `size` bytes from `body` (complete: see spool.ts) unless the entry exists; never overwrites. */
  create(hash: string, body: Readable, size: number): Promise<'created' | 'exists'>;
  /** Releases connections to the store. */
  close(): void;
}

function status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

export function createS3Client(location: S3Location): S3Client {
  const custom = location.endpoint !== undefined;
  return new S3Client({
    region: location.region,
    endpoint: location.endpoint,
    forcePathStyle: custom,
    credentials: location.credentials,
    // R2 and other S3-compatible stores reject the SDK's default CRC32 / aws-chunked uploads.
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

/** Entries are objects at `<prefix>/<hash>`; bodies are streamed both ways, never buffered. */
export function createS3Store(location: S3Location, client: S3Client = createS3Client(location)): CacheStore {
  const key = (hash: string) => `${location.prefix}/${hash}`;
  return {
    async open(hash) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key(hash) }));
        return { body: object.Body as Readable, size: object.ContentLength };
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },
    async exists(hash) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key(hash) }));
        return true;
      } catch (error) {
        if (status(error) === 404) return false;
        throw error;
      }
    },
    async create(hash, body, size) {
      try {
        // If-None-Match makes the write itself conditional where the store supports it (AWS S3,
        // R2, MinIO), closing the race between two servers that both saw the entry missing.
        await client.send(
          new PutObjectCommand({ Bucket: location.bucket, Key: key(hash), Body: body, ContentLength: size, ContentType: 'application/octet-stream', IfNoneMatch: '*' }),
        );
        return 'created';
      } catch (error) {
        if (status(error) === 412 || status(error) === 409) return 'exists';
        throw error;
      }
    },
    close() {
      client.destroy();
    },
  };
}
