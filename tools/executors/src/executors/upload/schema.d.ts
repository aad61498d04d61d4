import type { UploadCommand } from '../../../../../libs/release/src';

export interface UploadExecutorOptions extends UploadCommand {
  releaseRoot?: string;
  quiet?: boolean;
  concurrency?: number;
}
