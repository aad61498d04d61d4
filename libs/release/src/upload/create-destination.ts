import { resolve } from 'node:path';
import { githubDestination } from './github';
import { localDestination } from './local';
import type { UploadRequest } from './request';
import { s3Destination } from './s3/s3-destination';
import type { UploadDestination } from './types';

/** The destination an upload request names; relative local paths are taken from `cwd`. */
export function createDestination(request: UploadRequest, cwd: string): UploadDestination {
  switch (request.kind) {
    case 'local':
      return localDestination(resolve(cwd, request.dir));
    case 's3':
      return s3Destination({ bucket: request.bucket, region: request.region, prefix: request.prefix, endpoint: request.endpoint, forcePathStyle: request.forcePathStyle });
    case 'github':
      // On Actions, a tag that does not exist yet is created at the commit that was built.
      return githubDestination({ repo: request.repo, prerelease: request.prerelease, targetCommitish: process.env.GITHUB_SHA });
  }
}
