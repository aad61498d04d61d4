import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type ServerLimits } from './limits';

/** A one-line, secret-free message for the operator; the CLI prints it alone and exits 1. */
export class CacheServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheServerError';
  }
}

export interface S3Location {
  bucket: string;
  /** Entries are stored at `<prefix>/<hash>`. */
  prefix: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, R2, s3rver); absent for AWS itself. */
  endpoint?: string;
  /** Static credentials; when absent the standard AWS chain (env, profile, role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface AccessTokens {
  /** May read and create entries (trusted builds: main branch, releases). */
  readWrite: string;
  /** May only read (pull requests, developers' machines). */
  read?: string;
}

export interface CacheServerOptions {
  host: string;
  port: number;
  s3: S3Location;
  tokens: AccessTokens;
  limits: ServerLimits;
  quiet: boolean;
}

export const USAGE = `Usage: node --import tsx tools/remote-cache/server.ts [options]   (or: npm run cache-server -- [options])

A self-hosted Nx remote cache (Nx's HTTP protocol: GET/PUT /v1/cache/<hash>) stored in an
S3-compatible bucket. Entries are never replaced: a PUT of an existing hash answers 409.

Options:
  --host HOST        address to bind (default 127.0.0.1; use 0.0.0.0 behind a TLS proxy)
  --port PORT        port to listen on (default 8787; 0 picks a free one)
  --bucket NAME      S3 bucket (or CACHE_S3_BUCKET)
  --prefix PREFIX    key prefix, entries at <prefix>/<hash> (or CACHE_S3_PREFIX; default nx-cache)
  --endpoint URL     S3-compatible endpoint, path-style (or CACHE_S3_ENDPOINT; default AWS)
  --region REGION    S3 region (or AWS_REGION; default us-east-1)
  --store-timeout S  deadline in seconds for one store call; passed, the client gets 504 (default 30)
  --client-timeout S seconds a client may stay silent mid-request (default 30)
  --min-upload-rate KIB  slowest accepted upload, KiB/s on average (default 100)
  --max-connections N    open connections at once; beyond it the oldest idle one is closed (default 256)
  --max-connections-per-address N   the same, per client address (default 64)
  --header-timeout S     seconds a connection may take to send its request headers (default 5)
  --quiet            log errors only, not one line per request
  -h, --help         print this help

Environment:
  CACHE_READ_WRITE_TOKEN   bearer token that may read and write (required, 16+ characters)
  CACHE_READ_TOKEN         bearer token that may only read (optional; give this one to pull requests)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...   S3 credentials (standard AWS chain)
`;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
// Tokens travel in an HTTP header: visible ASCII only, and long enough not to be guessed.
const TOKEN = /^[\x21-\x7e]{16,}$/;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new CacheServerError(`invalid --port "${raw}": expected 0-65535`);
  return port;
}

function positive(flag: string, raw: string | undefined, fallback: number, scale: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(value > 0) || !Number.isFinite(value * scale)) {
    throw new CacheServerError(`invalid --${flag} "${raw}": expected a positive number`);
  }
  return Math.round(value * scale);
}

function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..')) {
    throw new CacheServerError(`invalid prefix "${prefix}": letters, digits, "_", "-", "." and inner "/" only (e.g. "nx-cache")`);
  }
  return prefix;
}

function checkEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CacheServerError(`invalid --endpoint "${raw}": expected an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CacheServerError(`invalid --endpoint "${raw}": expected an http(s) URL`);
  return url.href.replace(/\/$/, '');
}

/** The tokens from the environment; their values never appear in an error message. */
export function readTokens(env: NodeJS.ProcessEnv): AccessTokens {
  const readWrite = env.CACHE_READ_WRITE_TOKEN;
  const read = env.CACHE_READ_TOKEN === '' ? undefined : env.CACHE_READ_TOKEN;
  if (!readWrite) throw new CacheServerError('CACHE_READ_WRITE_TOKEN is not set: the server refuses to run without a write token');
  if (!TOKEN.test(readWrite)) throw new CacheServerError('CACHE_READ_WRITE_TOKEN must be 16 or more visible ASCII characters (no spaces)');
  if (read !== undefined && !TOKEN.test(read))
    throw new CacheServerError('CACHE_READ_TOKEN must be 16 or more visible ASCII characters (no spaces)');
  if (read === readWrite) throw new CacheServerError('CACHE_READ_TOKEN must differ from CACHE_READ_WRITE_TOKEN');
  return { readWrite, read };
}

/** Options from the command line and environment, or 'help'; bad input throws CacheServerError. */
export function parseServerOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CacheServerOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'store-timeout': { type: 'string' },
        'client-timeout': { type: 'string' },
        'min-upload-rate': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-address': { type: 'string' },
        'header-timeout': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CacheServerError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return 'help';
  const bucket = nonEmpty(values.bucket) ?? nonEmpty(env.CACHE_S3_BUCKET);
  if (!bucket) throw new CacheServerError('no bucket: pass --bucket NAME or set CACHE_S3_BUCKET');
  if (!BUCKET_NAME.test(bucket)) throw new CacheServerError(`invalid bucket name "${bucket}"`);
  const endpoint = nonEmpty(values.endpoint) ?? nonEmpty(env.CACHE_S3_ENDPOINT);
  return {
    host: nonEmpty(values.host) ?? '127.0.0.1',
    port: parsePort(nonEmpty(values.port) ?? '8787'),
    s3: {
      bucket,
      prefix: checkPrefix(nonEmpty(values.prefix) ?? nonEmpty(env.CACHE_S3_PREFIX) ?? 'nx-cache'),
      region: nonEmpty(values.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
      endpoint: endpoint === undefined ? undefined : checkEndpoint(endpoint),
    },
    tokens: readTokens(env),
    limits: {
      storeTimeoutMs: positive('store-timeout', nonEmpty(values['store-timeout']), DEFAULT_LIMITS.storeTimeoutMs, 1000),
      clientTimeoutMs: positive('client-timeout', nonEmpty(values['client-timeout']), DEFAULT_LIMITS.clientTimeoutMs, 1000),
      minUploadBytesPerSecond: positive(
        'min-upload-rate',
        nonEmpty(values['min-upload-rate']),
        DEFAULT_LIMITS.minUploadBytesPerSecond,
        1024,
      ),
      maxConnections: positive('max-connections', nonEmpty(values['max-connections']), DEFAULT_LIMITS.maxConnections, 1),
      maxConnectionsPerAddress: positive(
        'max-connections-per-address',
        nonEmpty(values['max-connections-per-address']),
        DEFAULT_LIMITS.maxConnectionsPerAddress,
        1,
      ),
      headerTimeoutMs: positive('header-timeout', nonEmpty(values['header-timeout']), DEFAULT_LIMITS.headerTimeoutMs, 1000),
    },
    quiet: values.quiet ?? false,
  };
}
