import type { UploadCommand } from '../../../../../libs/release/src/upload/request';

export interface UploadExecutorOptions extends UploadCommand {
  releaseRoot?: string;
  quiet?: boolean;
  concurrency?: number;
}
