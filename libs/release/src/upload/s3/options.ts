import { ReleaseError } from '../../errors';
import type { ReleaseManifest } from '../../manifest';
import { DEFAULT_RELEASE_NAME } from '../../pipeline';

/** Static credentials; when absent the standard AWS chain (env, profile, SSO, role) is used. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3DestinationOptions {
  bucket: string;
  /** Default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Key prefix; objects go to `<prefix>/<version>/<file>`, the pointer to `<prefix>/latest.json`. Default `codebuff`; '' for the bucket root. */
  prefix?: string;
  /** An S3-compatible endpoint (MinIO, R2, DigitalOcean…), http(s) URL. Implies path-style addressing. */
  endpoint?: string;
  /** Overrides the path-style default (on with a custom endpoint, off for AWS). */
  forcePathStyle?: boolean;
  credentials?: S3Credentials;
  /**
   * Files up to this size go up as one PutObject streamed from disk; larger ones as a multipart
   * upload. Default 64 MiB (every archive of a release today; S3 accepts up to 5 GiB in one PUT).
   */
  multipartThreshold?: number;
  /** Bytes per multipart part (min 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts of one file in flight at once. Default 4. */
  partsInFlight?: number;
  /** Attempts per request, first included, with the SDK's standard retry. Default 5. */
  maxAttempts?: number;
}

export interface ResolvedS3Options {
  bucket: string;
  region: string;
  prefix: string;
  endpoint?: URL;
  forcePathStyle: boolean;
  credentials?: S3Credentials;
  multipartThreshold: number;
  partSize: number;
  partsInFlight: number;
  maxAttempts: number;
}

const MIB = 1024 * 1024;
export const DEFAULT_PREFIX = DEFAULT_RELEASE_NAME;
// S3's own naming rules; also catches `s3://bucket` and `bucket/path` typos early.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  if (prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new ReleaseError(`invalid S3 prefix "${prefix}": no leading or trailing slash (e.g. "codebuff" or "tools/codebuff")`);
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..') || prefix.includes('\\')) {
    throw new ReleaseError(`invalid S3 prefix "${prefix}": no empty, "." or ".." segments and no backslashes`);
  }
  return prefix;
}

function checkEndpoint(endpoint: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ReleaseError(`invalid S3 endpoint "${endpoint}": expected an http(s) URL such as https://<account>.r2.cloudflarestorage.com`);
  }
  // A URL with user:password in it would put a secret into logs and error messages; refuse it without echoing it.
  if (url.username !== '' || url.password !== '') {
    throw new ReleaseError(
      'invalid S3 endpoint: it must not contain a user name or password; pass credentials through the AWS environment variables or profile',
    );
  }
  return url;
}

function positiveInteger(value: number | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new ReleaseError(`invalid S3 option ${name}: ${value} (expected an integer >= ${min})`);
  return value;
}

/** Validates and fills in defaults; throws a one-line ReleaseError before any network use. */
export function resolveS3Options(options: S3DestinationOptions, env: NodeJS.ProcessEnv = process.env): ResolvedS3Options {
  const bucket = nonEmpty(options.bucket);
  if (!bucket) throw new ReleaseError('no S3 bucket given: pass --bucket <name>');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new ReleaseError(
      `invalid S3 bucket name "${bucket}": expected the bare name (3-63 lowercase letters, digits, dots, hyphens), e.g. my-releases`,
    );
  }
  const endpoint = options.endpoint === undefined ? undefined : checkEndpoint(options.endpoint);
  return {
    bucket,
    region: nonEmpty(options.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    prefix: checkPrefix(options.prefix ?? DEFAULT_PREFIX),
    endpoint,
    // Virtual-hosted addressing needs DNS per bucket, which custom endpoints rarely have.
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    credentials: options.credentials,
    multipartThreshold: positiveInteger(options.multipartThreshold, 64 * MIB, 'multipartThreshold', 0),
    partSize: positiveInteger(options.partSize, 8 * MIB, 'partSize', 5 * MIB),
    partsInFlight: positiveInteger(options.partsInFlight, 4, 'partsInFlight'),
    maxAttempts: positiveInteger(options.maxAttempts, 5, 'maxAttempts'),
  };
}

/** Where a release lives in the bucket: `<prefix>/<version>/`, and the pointer beside the versions. */
export interface S3Layout {
  versionPrefix(manifest: ReleaseManifest): string;
  objectKey(manifest: ReleaseManifest, fileName: string): string;
  latestKey: string;
}

export function s3Layout(prefix: string): S3Layout {
  const base = prefix === '' ? '' : `${prefix}/`;
  const versionPrefix = (manifest: ReleaseManifest) => {
    const { version } = manifest;
    if (version === '' || version.includes('/') || version.includes('\\') || version === '.' || version === '..') {
      throw new ReleaseError(`version "${version}" cannot be used in an S3 key`);
    }
    return `${base}${version}/`;
  };
  return {
    versionPrefix,
    objectKey: (manifest, fileName) => {
      if (fileName === '' || fileName.includes('/') || fileName.includes('\\') || fileName === '.' || fileName === '..') {
        throw new ReleaseError(`file name "${fileName}" cannot be used in an S3 key`);
      }
      return `${versionPrefix(manifest)}${fileName}`;
    },
    latestKey: `${base}latest.json`,
  };
}
