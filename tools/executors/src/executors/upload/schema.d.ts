import type { UploadCommand } from '@codebuff/release/upload/request';

export interface UploadExecutorOptions extends UploadCommand {
  /** What `nx run p:upload -- --target=s3` passes; the same as destination. */
  target?: string;
  releaseRoot?: string;
  dryRun?: boolean;
  quiet?: boolean;
  concurrency?: number;
}
