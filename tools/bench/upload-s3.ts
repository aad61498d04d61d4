import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readManifest } from '@codebuff/release/manifest';
import { s3Destination } from '@codebuff/release/upload/s3/s3-destination';
import { localReleaseFiles, uploadRelease } from '@codebuff/release/upload/upload-release';
import { startS3rver } from '@codebuff/testing/s3rver';

export interface UploadS3Bench {
  /** uploadRelease to an empty bucket: preflight, one PutObject per file (hashed as it is sent), verify, publish. */
  uploadAllMs: number;
  /** One plain PutObjectCommand streaming every file of the release concatenated (same total bytes). */
  singlePutMs: number;
  /** Total bytes of the release's files (archives, SHA256SUMS, manifest.json). */
  bytes: number;
  /** uploadRelease again, everything already there. */
  rerunMs: number;
  rerunBytesSent: number;
  /** The checks' own work with no network: every file read once through sha256 and MD5. */
  hashOnlyMs: number;
}

async function hashFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      sha256.update(chunk as Buffer);
      md5.update(chunk as Buffer);
    }
    sha256.digest();
    md5.digest();
  }
}

function concatenated(paths: readonly string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1 << 20 });
    })(),
  );
}

/** Uploads a release directory to a fresh s3rver on loopback and measures it against the baseline of one PUT. */
export async function benchUploadS3(releaseDir: string): Promise<UploadS3Bench> {
  const manifest = await readManifest(releaseDir);
  const files = await localReleaseFiles(manifest, releaseDir);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const s3 = await startS3rver(['bench']);
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const destination = () => s3Destination({ bucket: 'bench', endpoint: s3.endpoint, credentials: s3.credentials });

    let start = performance.now();
    await uploadRelease(destination(), manifest, releaseDir);
    const uploadAllMs = performance.now() - start;

    start = performance.now();
    await client.send(
      new PutObjectCommand({
        Bucket: 'bench',
        Key: 'baseline/single-put.bin',
        Body: concatenated(files.map((f) => f.path)),
        ContentLength: bytes,
      }),
    );
    const singlePutMs = performance.now() - start;

    start = performance.now();
    const rerun = await uploadRelease(destination(), manifest, releaseDir);
    const rerunMs = performance.now() - start;

    start = performance.now();
    await hashFiles(files.map((f) => f.path));
    const hashOnlyMs = performance.now() - start;

    return {
      uploadAllMs: Math.round(uploadAllMs),
      singlePutMs: Math.round(singlePutMs),
      bytes,
      rerunMs: Math.round(rerunMs),
      rerunBytesSent: rerun.bytesSent,
      hashOnlyMs: Math.round(hashOnlyMs),
    };
  } finally {
    client.destroy();
    await s3.close();
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node --import tsx tools/bench/upload-s3.ts dist/release/<version>');
    process.exit(1);
  }
  benchUploadS3(dir).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
