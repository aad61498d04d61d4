import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type RunningS3 } from '@codebuff/testing/s3rver';
import { type RunningCacheServer, type StartOptions, startCacheServer } from './cache-server';
import type { AccessTokens } from './options';

export const BUCKET = 'nx-cache';
export const PREFIX = 'team/nx';

export interface CacheFixture {
  s3: RunningS3;
  server: RunningCacheServer;
  tokens: Required<AccessTokens>;
  /** Every line the server logged. */
  logs: string[];
  /** What the bucket holds under PREFIX: hash → bytes. */
  stored(): Promise<Map<string, Buffer>>;
  close(): Promise<void>;
}

export interface FixtureOptions extends Pick<StartOptions, 'limits' | 'spoolDir'> {
  /** The store to use instead of a fresh in-process s3rver (which the fixture then does not close). */
  s3?: RunningS3;
  /** Where the cache server reaches the store, when not at s3.endpoint (a proxy in between). */
  storeEndpoint?: string;
}

/** A real s3rver and the cache server in front of it, both on 127.0.0.1 with OS-chosen ports. */
export async function startCacheFixture(options: FixtureOptions = {}): Promise<CacheFixture> {
  const s3 = options.s3 ?? (await startS3rver([BUCKET]));
  const tokens = { readWrite: `rw-${randomBytes(16).toString('hex')}`, read: `ro-${randomBytes(16).toString('hex')}` };
  const logs: string[] = [];
  const location = {
    bucket: BUCKET,
    prefix: PREFIX,
    region: 'us-east-1',
    endpoint: options.storeEndpoint ?? s3.endpoint,
    credentials: s3.credentials,
  };
  const server = await startCacheServer({
    host: '127.0.0.1',
    port: 0,
    s3: location,
    tokens,
    limits: options.limits,
    spoolDir: options.spoolDir,
    log: (line) => logs.push(line),
  });
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  return {
    s3,
    server,
    tokens,
    logs,
    async stored() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
      const entries = new Map<string, Buffer>();
      for (const object of listed.Contents ?? []) {
        const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key }));
        entries.set(object.Key!.slice(PREFIX.length + 1), Buffer.from(await got.Body!.transformToByteArray()));
      }
      return entries;
    },
    async close() {
      await server.close();
      client.destroy();
      if (!options.s3) await s3.close();
    },
  };
}
