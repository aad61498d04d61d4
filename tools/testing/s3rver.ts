import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no types; it is an independent S3 implementation, used here as the real server.
const S3rver = require('s3rver') as new (
  options: Record<string, unknown>,
) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

export interface RunningS3 {
  /** `http://127.0.0.1:<port>`, for `--endpoint` with path-style addressing. */
  endpoint: string;
  /** Where s3rver keeps objects on disk. */
  directory: string;
  /** Credentials s3rver accepts (it checks signatures made with them). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with an OS-chosen port and a temp directory, buckets created. */
export async function startS3rver(buckets: readonly string[] = ['releases']): Promise<RunningS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
