import { createHash } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { RunningS3 } from './s3rver';

/** What an object looks like to an anonymous reader (s3rver serves unauthenticated GETs). */
export interface FetchedObject {
  status: number;
  size: number;
  sha256: string;
  headers: Headers;
  text: string;
}

export async function fetchObject(s3: RunningS3, bucket: string, key: string): Promise<FetchedObject> {
  const response = await fetch(`${s3.endpoint}/${bucket}/${key}`);
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of response.body ?? []) {
    const bytes = Buffer.from(chunk as Uint8Array);
    hash.update(bytes);
    size += bytes.length;
    if (head.length < 64 * 1024) head = Buffer.concat([head, bytes]);
  }
  return { status: response.status, size, sha256: hash.digest('hex'), headers: response.headers, text: head.toString('utf8') };
}

/** Every key in the bucket under a prefix, as the server lists them. */
export async function listKeys(s3: RunningS3, bucket: string, prefix: string): Promise<string[]> {
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  } finally {
    client.destroy();
  }
}

const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

/**
 * Runs `work` with the AWS credential chain seeing only `env`: no profile files, and the EC2
 * metadata lookup off so that nothing leaves the loopback interface. Restores the environment.
 */
export async function withAwsEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(AWS_ENV.map((name) => [name, process.env[name]]));
  for (const name of AWS_ENV) delete process.env[name];
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  });
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
