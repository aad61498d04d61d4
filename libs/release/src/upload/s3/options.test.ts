import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReleaseError } from '../../errors';
import type { ReleaseManifest } from '../../manifest';
import { SecretScrubber, describeSdkError, s3Failure } from './errors';
import { resolveS3Options, s3Layout } from './options';
import { s3Destination } from './s3-destination';

function throwsOneLine(work: () => unknown, pattern: RegExp): string {
  try {
    work();
  } catch (error) {
    assert.ok(isReleaseError(error), String(error));
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  }
  return assert.fail('expected a ReleaseError');
}

test('defaults: prefix codebuff, region from AWS_REGION then AWS_DEFAULT_REGION then us-east-1, virtual-hosted on AWS', () => {
  const aws = resolveS3Options({ bucket: 'my-releases' }, {});
  assert.equal(aws.prefix, 'codebuff');
  assert.equal(aws.region, 'us-east-1');
  assert.equal(aws.forcePathStyle, false);
  assert.equal(aws.partSize, 8 * 1024 * 1024);
  assert.equal(resolveS3Options({ bucket: 'b12' }, { AWS_DEFAULT_REGION: 'eu-west-3' }).region, 'eu-west-3');
  assert.equal(resolveS3Options({ bucket: 'b12' }, { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-3' }).region, 'ap-south-1');
  assert.equal(resolveS3Options({ bucket: 'b12', region: 'us-west-2' }, { AWS_REGION: 'ap-south-1' }).region, 'us-west-2');
});

test('a custom endpoint turns on path-style addressing unless overridden', () => {
  assert.equal(resolveS3Options({ bucket: 'b12', endpoint: 'https://acc.r2.cloudflarestorage.com' }, {}).forcePathStyle, true);
  assert.equal(resolveS3Options({ bucket: 'b12', endpoint: 'http://127.0.0.1:9000', forcePathStyle: false }, {}).forcePathStyle, false);
});

test('malformed endpoints are refused with one line', () => {
  throwsOneLine(
    () => s3Destination({ bucket: 'b12', endpoint: 'not a url' }),
    /^invalid S3 endpoint "not a url": expected an http\(s\) URL/,
  );
  throwsOneLine(() => s3Destination({ bucket: 'b12', endpoint: 'ftp://host' }), /^invalid S3 endpoint/);
  throwsOneLine(() => s3Destination({ bucket: 'b12', endpoint: 's3.amazonaws.com' }), /^invalid S3 endpoint/);
  const message = throwsOneLine(
    () => s3Destination({ bucket: 'b12', endpoint: 'https://key:hunter22@host' }),
    /must not contain a user name or password/,
  );
  assert.ok(!message.includes('hunter22'));
});

test('prefixes with leading or trailing slashes or dot segments are refused', () => {
  for (const prefix of ['/codebuff', 'codebuff/', 'a/../b', '..', 'a//b', 'a\\b']) {
    throwsOneLine(() => resolveS3Options({ bucket: 'b12', prefix }, {}), /^invalid S3 prefix/);
  }
  assert.equal(resolveS3Options({ bucket: 'b12', prefix: 'tools/codebuff' }, {}).prefix, 'tools/codebuff');
});

test('bucket names that are not bare S3 names are refused', () => {
  throwsOneLine(() => resolveS3Options({ bucket: '' }, {}), /^no S3 bucket given/);
  for (const bucket of ['s3://my-bucket', 'my-bucket/path', 'My-Bucket', 'ab']) {
    throwsOneLine(() => resolveS3Options({ bucket }, {}), /^invalid S3 bucket name/);
  }
});

test('keys: <prefix>/<version>/<file> and <prefix>/latest.json; the bucket root with an empty prefix', () => {
  const manifest = { version: '1.2.3' } as ReleaseManifest;
  assert.equal(s3Layout('codebuff').objectKey(manifest, 'SHA256SUMS'), 'codebuff/1.2.3/SHA256SUMS');
  assert.equal(s3Layout('codebuff').latestKey, 'codebuff/latest.json');
  assert.equal(s3Layout('').objectKey(manifest, 'a.tar.gz'), '1.2.3/a.tar.gz');
  assert.equal(s3Layout('').latestKey, 'latest.json');
  throwsOneLine(() => s3Layout('x').objectKey({ version: '../1' } as ReleaseManifest, 'a'), /cannot be used in an S3 key/);
});

test('error descriptions are one line and never contain a known credential', () => {
  const scrubber = new SecretScrubber();
  scrubber.add('AKIAEXAMPLEKEY', 'secret/with+chars');
  const error = Object.assign(new Error('denied for AKIAEXAMPLEKEY\nusing secret/with+chars'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
    AWSAccessKeyId: 'AKIAEXAMPLEKEY',
  });
  const failure = s3Failure('cannot list s3://b12/x/', error, scrubber);
  assert.equal(failure.message, 'cannot list s3://b12/x/: AccessDenied (HTTP 403): denied for *** using ***');
  assert.equal(failure.cause, undefined, 'the SDK error (with its AWSAccessKeyId field) is not attached');
  assert.equal(
    describeSdkError(Object.assign(new Error('UnknownError'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } })),
    'NotFound (HTTP 404)',
  );
  assert.equal(
    describeSdkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
  );
});
