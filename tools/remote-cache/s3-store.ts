import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { withDeadline } from './deadline';
import { MIN_STORE_BYTES_PER_SECOND } from './limits';
import type { S3Location } from './options';
import { DamagedEntryError } from './store-errors';

export interface CacheEntry {
  body: Readable;
  size: number;
}

/** A complete upload, ready to be written (see spool.ts). */
export interface NewEntry {
  size: number;
  /** MD5 of the bytes, base64: sent as Content-MD5 so the store rejects a body that arrived different. */
  md5: string;
  /** A fresh stream of the bytes each time (one per attempt). */
  open(): Readable;
}

/** Where cache entries live. Entries are created once and never replaced. */
export interface CacheStore {
  /** The entry, undefined when absent; DamagedEntryError when what is stored is not what was written. */
  open(hash: string): Promise<CacheEntry | undefined>;
  /** Whether an entry is stored whole, absent, or damaged (stored, but not what was written). */
  inspect(hash: string): Promise<'complete' | 'absent' | 'damaged'>;
  /** Stores the entry unless a complete one exists; a damaged one is replaced (`replace`). */
  create(hash: string, entry: NewEntry, options?: { replace?: boolean }): Promise<'created' | 'exists'>;
  /** Releases connections to the store. */
  close(): void;
}

export interface S3StoreTimeouts {
  /** Deadline for one call, and the longest the store may stay silent on an open connection. */
  storeTimeoutMs: number;
}

/** Object metadata (x-amz-meta-entry-size) holding the size the entry had when it was written. */
const SIZE_METADATA = 'entry-size';
const PUT_ATTEMPTS = 3;

function status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

export function createS3Client(location: S3Location, { storeTimeoutMs }: S3StoreTimeouts): S3Client {
  const custom = location.endpoint !== undefined;
  return new S3Client({
    region: location.region,
    endpoint: location.endpoint,
    forcePathStyle: custom,
    credentials: location.credentials,
    // R2 and other S3-compatible stores reject the SDK's default CRC32 / aws-chunked uploads;
    // PUTs carry Content-MD5 instead, which every S3-compatible store checks.
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    // A store that accepts connections and then says nothing (paused, overloaded) fails the call
    // instead of holding it, and every client waiting behind it, forever.
    requestHandler: { connectionTimeout: storeTimeoutMs, socketTimeout: storeTimeoutMs },
    // The SDK would print its own warnings (a failed streamed PUT) to the console; the handler
    // logs every failed request with its cause in the server's log instead.
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
}

/** Entries are objects at `<prefix>/<hash>`; bodies are streamed both ways, never buffered. */
export function createS3Store(
  location: S3Location,
  timeouts: S3StoreTimeouts,
  client: S3Client = createS3Client(location, timeouts),
): CacheStore {
  const key = (hash: string) => `${location.prefix}/${hash}`;
  const { storeTimeoutMs } = timeouts;

  async function putOnce(hash: string, entry: NewEntry, signal: AbortSignal, replace: boolean): Promise<'created' | 'exists'> {
    try {
      // If-None-Match makes the write itself conditional where the store supports it (AWS S3,
      // R2, MinIO), closing the race between two servers that both saw the entry missing.
      await client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: key(hash),
          Body: entry.open(),
          ContentLength: entry.size,
          ContentMD5: entry.md5,
          ContentType: 'application/octet-stream',
          Metadata: { [SIZE_METADATA]: String(entry.size) },
          // Replacing a damaged object is the one write without the condition.
          ...(replace ? {} : { IfNoneMatch: '*' }),
        }),
        { abortSignal: signal },
      );
      return 'created';
    } catch (error) {
      if (status(error) === 412 || status(error) === 409) return 'exists';
      throw error;
    }
  }

  return {
    async open(hash) {
      // The deadline covers the wait for the answer; the body then streams with the socket
      // timeout as its bound (a store that stops sending mid-body fails the transfer).
      const object = await withDeadline(`GET ${hash}`, storeTimeoutMs, async (abortSignal) => {
        try {
          return await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key(hash) }), { abortSignal });
        } catch (error) {
          if (status(error) === 404) return undefined;
          throw error;
        }
      });
      if (!object) return undefined;
      const body = object.Body as Readable;
      const damage = damageOf(object.Metadata, object.ContentLength);
      if (damage) {
        body.destroy();
        throw new DamagedEntryError(key(hash), damage);
      }
      return { body, size: object.ContentLength as number };
    },
    inspect(hash) {
      return withDeadline(`HEAD ${hash}`, storeTimeoutMs, async (abortSignal) => {
        try {
          const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key(hash) }), { abortSignal });
          return damageOf(head.Metadata, head.ContentLength) ? 'damaged' : 'complete';
        } catch (error) {
          if (status(error) === 404) return 'absent';
          throw error;
        }
      });
    },
    create(hash, entry, { replace = false } = {}) {
      // The SDK does not retry a streamed body (it cannot rewind it); this loop does, with a
      // fresh stream of the spooled file each time, for failures that are not the store's answer.
      const ms = storeTimeoutMs + Math.ceil((entry.size / MIN_STORE_BYTES_PER_SECOND) * 1000);
      return withDeadline(`PUT ${hash}`, ms, async (signal) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await putOnce(hash, entry, signal, replace);
          } catch (error) {
            const answered = status(error);
            const transient = answered === undefined || answered >= 500;
            if (signal.aborted || !transient || attempt >= PUT_ATTEMPTS) throw error;
          }
        }
      });
    },
    close() {
      client.destroy();
    },
  };
}

/** Why a stored object is not the entry that was written, or undefined when it is. */
function damageOf(metadata: Record<string, string> | undefined, length: number | undefined): string | undefined {
  const recorded = metadata?.[SIZE_METADATA];
  if (recorded === undefined) return 'no recorded size';
  if (!/^\d+$/.test(recorded) || Number(recorded) !== length) return `${length} bytes, ${recorded} written`;
  return undefined;
}
