import type { ReleaseManifest } from '../manifest';

/** One file of a release as it sits in dist/release/<version>/. */
export interface LocalFile {
  fileName: string;
  path: string;
  size: number;
  sha256: string;
  contentType: string;
  /** Versioned assets never change once published; latest.json does. */
  immutable: boolean;
}

/** What a destination already holds under a file name; sha256 when the destination knows it. */
export interface RemoteFile {
  fileName: string;
  size: number;
  sha256?: string;
  /** False for a half-created upload (GitHub asset state other than `uploaded`). */
  complete: boolean;
}

/** Called with the running total of bytes sent for one file. */
export type ProgressSink = (sentBytes: number) => void;

/**
 * A place a release goes to. The driver (uploadRelease) owns ordering, skipping and
 * verification; a destination only knows how to talk to its server. Every method throws
 * ReleaseError with a one-line message that contains no secret.
 */
export interface UploadDestination {
  /**
   * put() hashes the bytes it sends and, when they are not the manifest's (file.sha256), fails
   * and leaves nothing at the file's name. The driver then does not read such a file before
   * sending it (a second pass over every byte), except in a dry run and when it replaces a file
   * the destination holds (a bad local file must fail before the good one is removed).
   */
  readonly checksWhileSending?: boolean;
  /** Human description for logs, e.g. `s3://bucket/prefix/1.2.3/`. No secrets. */
  describe(manifest: ReleaseManifest): string;
  /** Checks credentials, permissions and that the target exists. Sends no asset; in a dry run writes nothing at all. */
  preflight(manifest: ReleaseManifest, options?: { dryRun?: boolean }): Promise<void>;
  /** Files already present for this version, by file name. */
  list(manifest: ReleaseManifest): Promise<Map<string, RemoteFile>>;
  /** Removes a file (a broken half-upload, or one being replaced). */
  remove(manifest: ReleaseManifest, fileName: string): Promise<void>;
  /** Streams one file; must be safe to call again after a failed attempt. */
  put(manifest: ReleaseManifest, file: LocalFile, progress: ProgressSink): Promise<void>;
  /**
   * Makes the release visible to users (GitHub: un-draft; S3/local: write latest.json).
   * Called only after every file is present and verified.
   */
  publish(manifest: ReleaseManifest): Promise<void>;
  /** What publish would do now, in one line (for a dry run). Reads only. */
  planPublish(manifest: ReleaseManifest): Promise<string>;
}

export interface UploadOptions {
  /** Replace files whose content differs instead of failing. */
  replace?: boolean;
  /** Upload and verify but do not publish (GitHub draft; no latest.json). */
  draft?: boolean;
  /**
   * Preflight and compare with the destination, then report what would be uploaded, skipped,
   * replaced and published, and send nothing: no write of any kind.
   */
  dryRun?: boolean;
  /** Files in flight at once. */
  concurrency?: number;
  reporter?: UploadReporter;
}

export interface UploadReporter {
  start(file: LocalFile): ProgressSink;
  done(file: LocalFile, outcome: 'uploaded' | 'skipped'): void;
  info(message: string): void;
}

export interface UploadSummary {
  destination: string;
  /** Sent (in a dry run: would be sent), replacements included. */
  uploaded: string[];
  /** Of `uploaded`, those that replace a different or half-made file at the destination. */
  replaced: string[];
  skipped: string[];
  bytesSent: number;
  published: boolean;
  dryRun: boolean;
  /** A dry run's answer to "what would publish do", from the destination. */
  publishPlan?: string;
}
