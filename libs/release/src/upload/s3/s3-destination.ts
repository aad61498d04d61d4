import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, pipeline } from 'node:stream';
import {
  GetObjectCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ReleaseError } from '../../errors';
import type { ReleaseManifest } from '../../manifest';
import { latestPointerJson, pointerPlan, pointerShouldMove } from '../latest';
import type { LocalFile, ProgressSink, RemoteFile, UploadDestination } from '../types';
import { createS3Client } from './client';
import { SecretScrubber, describeSdkError, httpStatusOf, s3Failure } from './errors';
import { resolveS3Options, s3Layout, type S3DestinationOptions } from './options';
import { putFileObject } from './put-file';

export type { S3Credentials, S3DestinationOptions } from './options';

/** Versioned keys never change once written, so caches may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** latest.json moves with every release; caches must revalidate it. */
export const POINTER_CACHE_CONTROL = 'no-cache';
/** Object metadata key (`x-amz-meta-sha256`) holding the hex sha256 of the object's bytes. */
export const SHA256_METADATA = 'sha256';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Hashes and counts the bytes as lib-storage reads them, so put() knows exactly what it sent. */
function digestingStream(): Transform & { digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(stream, { digest: () => ({ sha256: hash.digest('hex'), bytes }) });
}

/**
 * An S3 bucket (or an S3-compatible store) as a release destination:
 * `<prefix>/<version>/<file>` for every file, immutable and cached for a year, each with its
 * sha256 in `x-amz-meta-sha256`; `<prefix>/latest.json` (no-cache) written by publish() only.
 */
export function s3Destination(options: S3DestinationOptions): UploadDestination {
  const config = resolveS3Options(options);
  const layout = s3Layout(config.prefix);
  const { bucket } = config;
  const scrubber = new SecretScrubber();
  scrubber.add(config.credentials?.accessKeyId, config.credentials?.secretAccessKey, config.credentials?.sessionToken);
  scrubber.add(process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN);
  let client: S3Client | undefined;
  // Created on first use so that constructing a destination (e.g. to validate options) touches nothing.
  const s3 = () => (client ??= createS3Client(config));
  const at = config.endpoint ? ` at ${config.endpoint.origin}` : '';
  const describe = (m: ReleaseManifest) => `s3://${bucket}/${layout.versionPrefix(m)}${at}`;

  async function checkCredentials(): Promise<void> {
    try {
      const credentials = await s3().config.credentials();
      scrubber.add(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken);
    } catch (error) {
      throw new ReleaseError(
        scrubber.scrub(
          `no AWS credentials for s3://${bucket}${at} (${describeSdkError(error)}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role`,
        ),
      );
    }
  }

  async function checkBucket(): Promise<void> {
    try {
      await s3().send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const status = httpStatusOf(error);
      const where = `s3://${bucket}${at}`;
      if (status === 404) throw new ReleaseError(scrubber.scrub(`bucket ${where} does not exist (HTTP 404): create it or fix --bucket`));
      if (status === 403) {
        throw s3Failure(
          `access denied to bucket ${where}`,
          error,
          scrubber,
          'check that the credentials are valid and allow s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on it',
        );
      }
      throw s3Failure(`cannot reach bucket ${where}`, error, scrubber);
    }
  }

  async function head(m: ReleaseManifest, fileName: string): Promise<RemoteFile | undefined> {
    try {
      const object = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: layout.objectKey(m, fileName) }));
      const sha256 = object.Metadata?.[SHA256_METADATA];
      // An object is only visible once its PUT or CompleteMultipartUpload succeeded: never half-made.
      return { fileName, size: object.ContentLength ?? 0, sha256: sha256 && SHA256_HEX.test(sha256) ? sha256 : undefined, complete: true };
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined; // deleted between listing and HEAD
      throw s3Failure(`cannot read s3://${bucket}/${layout.objectKey(m, fileName)}`, error, scrubber);
    }
  }

  /** The text of latest.json, or undefined when there is none (or it cannot be read). */
  const currentPointer = () =>
    s3()
      .send(new GetObjectCommand({ Bucket: bucket, Key: layout.latestKey }))
      .then((object) => object.Body?.transformToString())
      .catch(() => undefined);

  /** Deletes what put() just stored, so that no key holds bytes other than the manifest's, and says why. */
  async function refuse(key: string, message: string): Promise<never> {
    await s3()
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      .catch(() => undefined);
    throw new ReleaseError(scrubber.scrub(message));
  }

  /** The one line for a file whose bytes, as read while sending, are not the manifest's. */
  const notTheManifests = (file: LocalFile, sent: { sha256: string; bytes: number }) =>
    `${file.path} does not match manifest.json (sent ${sent.bytes} bytes, sha256 ${sent.sha256}); rebuild with the bundle target`;

  /**
   * A file up to the multipart threshold goes up as one PutObject streamed from disk: no part
   * buffers, no part bookkeeping, no reassembly by the store, and no read of the file before the
   * send. Its sha256 and MD5 are computed from the bytes as they go out (put-file.ts):
   * - `x-amz-checksum-sha256` carries the manifest's sha256, so S3 (and MinIO) refuse a body that
   *   is not the manifest's bytes before storing anything;
   * - the sha256 of what was sent is compared with the manifest, which catches a changed file on
   *   a store that ignores that header (s3rver): the object is deleted again;
   * - the ETag (the MD5 of what the store holds) is compared with the MD5 of what was sent, which
   *   catches bytes changed on the way on a store that checks neither header.
   * Publishing (latest.json) happens only after every put() succeeded, so a refused file leaves
   * nothing visible.
   */
  async function putWhole(
    file: LocalFile,
    key: string,
    params: Parameters<typeof putFileObject>[1],
    progress: ProgressSink,
  ): Promise<void> {
    const checksum = Buffer.from(file.sha256, 'hex').toString('base64');
    const result = await putFileObject(s3(), { ...params, ChecksumSHA256: checksum }, file.path, progress);
    const { sent } = result;
    if (sent && (sent.sha256 !== file.sha256 || sent.bytes !== file.size)) await refuse(key, notTheManifests(file, sent));
    if (!result.ok) {
      const failure = s3Failure(`upload of ${file.fileName} to s3://${bucket}/${key} failed`, result.error, scrubber);
      // Stored but not verified: a re-run would find it with the manifest's sha256 and skip it.
      if (result.stored) await refuse(key, failure.message);
      throw failure;
    }
    if (!sent)
      return refuse(key, `upload of ${file.fileName} to s3://${bucket}/${key} was answered before the whole file was sent; run again`);
    // A store that does not check the body (s3rver) still answers with the MD5 of what it stored
    // as the ETag, unless the object is encrypted with KMS or a customer key (then the ETag is
    // something else, and S3 has checked x-amz-checksum-sha256).
    const stored = result.output;
    const etag = stored.ETag?.replace(/"/g, '');
    const plainEtag =
      stored.SSECustomerAlgorithm === undefined && (stored.ServerSideEncryption === undefined || stored.ServerSideEncryption === 'AES256');
    if (plainEtag && etag !== undefined && /^[0-9a-f]{32}$/.test(etag) && etag !== sent.md5) {
      await refuse(
        key,
        `${file.fileName} arrived at s3://${bucket}/${key}${at} different from what was sent (the store holds MD5 ${etag}, sent ${sent.md5}); run again`,
      );
    }
  }

  return {
    checksWhileSending: true,
    describe,

    async preflight(m) {
      layout.versionPrefix(m);
      await checkCredentials();
      await checkBucket();
    },

    async list(m) {
      const dir = layout.versionPrefix(m);
      const names: string[] = [];
      try {
        for await (const page of paginateListObjectsV2({ client: s3() }, { Bucket: bucket, Prefix: dir })) {
          for (const object of page.Contents ?? []) {
            const name = object.Key?.slice(dir.length);
            if (name && !name.includes('/')) names.push(name);
          }
        }
      } catch (error) {
        throw s3Failure(`cannot list s3://${bucket}/${dir}`, error, scrubber);
      }
      // A release is a handful of files; HEAD them together for their sha256 metadata.
      const found = new Map<string, RemoteFile>();
      for (const remote of await Promise.all(names.map((name) => head(m, name)))) {
        if (remote) found.set(remote.fileName, remote);
      }
      return found;
    },

    async remove(m, fileName) {
      const key = layout.objectKey(m, fileName);
      try {
        await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        throw s3Failure(`cannot delete s3://${bucket}/${key}`, error, scrubber);
      }
    },

    async put(m, file: LocalFile, progress: ProgressSink) {
      const key = layout.objectKey(m, file.fileName);
      const params = {
        Bucket: bucket,
        Key: key,
        ContentLength: file.size,
        ContentType: file.contentType,
        CacheControl: file.immutable ? IMMUTABLE_CACHE_CONTROL : POINTER_CACHE_CONTROL,
        Metadata: { [SHA256_METADATA]: file.sha256 },
      };
      if (file.size <= config.multipartThreshold) return putWhole(file, key, params, progress);
      const source = createReadStream(file.path, { highWaterMark: 1 << 20 });
      const body = digestingStream();
      pipeline(source, body, () => {});
      // lib-storage reads the stream part by part into Buffers (at most partsInFlight parts in
      // memory), sends a parallel multipart upload with a Content-MD5 on every part, and aborts
      // the multipart upload if a part fails after the SDK's retries.
      const upload = new Upload({
        client: s3(),
        partSize: config.partSize,
        queueSize: config.partsInFlight,
        params: { ...params, Body: body },
      });
      upload.on('httpUploadProgress', ({ loaded }) => {
        if (loaded !== undefined) progress(loaded);
      });
      try {
        await upload.done();
      } catch (error) {
        throw s3Failure(`upload of ${file.fileName} to s3://${bucket}/${key} failed`, error, scrubber);
      } finally {
        source.destroy();
      }
      // The metadata must describe the bytes actually sent, not what the file held when hashed.
      const sent = body.digest();
      if (sent.sha256 !== file.sha256 || sent.bytes !== file.size) await refuse(key, notTheManifests(file, sent));
    },

    async planPublish(m) {
      return pointerPlan(await currentPointer(), m.version, `s3://${bucket}/${layout.latestKey}`);
    },

    async publish(m) {
      const key = layout.latestKey;
      const text = Buffer.from(latestPointerJson(m));
      const current = await currentPointer();
      if (!pointerShouldMove(current, m.version)) return;
      try {
        await s3().send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: text,
            ContentType: 'application/json',
            CacheControl: POINTER_CACHE_CONTROL,
            Metadata: { [SHA256_METADATA]: createHash('sha256').update(text).digest('hex') },
          }),
        );
      } catch (error) {
        throw s3Failure(`cannot write s3://${bucket}/${key}`, error, scrubber);
      }
    },
  };
}
