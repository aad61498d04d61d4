import { resolve } from 'node:path';
import { localDestination } from './local';
import type { UploadRequest } from './request';
import type { UploadDestination } from './types';

// Each destination's module loads only when it is used: the AWS SDK alone takes about 0.35 s to
// import, which a GitHub or local upload (or a refused one) has no reason to pay.
const loadS3 = () => require('./s3/s3-destination') as typeof import('./s3/s3-destination');
const loadGitHub = () => require('./github') as typeof import('./github');

/** The destination an upload request names; relative local paths are taken from `cwd`. */
export function createDestination(request: UploadRequest, cwd: string): UploadDestination {
  switch (request.destination) {
    case 'local':
      return localDestination(resolve(cwd, request.dir));
    case 's3':
      return loadS3().s3Destination({
        bucket: request.bucket,
        region: request.region,
        prefix: request.prefix,
        endpoint: request.endpoint,
        forcePathStyle: request.forcePathStyle,
      });
    case 'github':
      // On Actions, a tag that does not exist yet is created at the commit that was built.
      return loadGitHub().githubDestination({
        repo: request.repo,
        prerelease: request.prerelease,
        targetCommitish: process.env.GITHUB_SHA,
      });
  }
}
