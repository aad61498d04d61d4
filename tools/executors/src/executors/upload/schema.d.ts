import type { UploadCommand } from '@codebuff/release';

export interface UploadExecutorOptions extends UploadCommand {
  releaseRoot?: string;
  quiet?: boolean;
  concurrency?: number;
}
