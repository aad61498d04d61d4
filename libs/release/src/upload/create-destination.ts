import { resolve } from 'node:path';
import { localDestination } from './local';
import type { UploadRequest } from './request';
import type { UploadDestination } from './types';

/** The destination an upload request names; relative local paths are taken from `cwd`. */
export function createDestination(request: UploadRequest, cwd: string): UploadDestination {
  switch (request.kind) {
    case 'local':
      return localDestination(resolve(cwd, request.dir));
    default:
      throw new Error(`${request.kind} destination not wired yet`);
  }
}
