export interface BundlePlatformExecutorOptions {
  platform: string;
  name?: string;
  binDir: string;
  outputPath: string;
  chunkStore?: string;
  compressionLevel?: number;
  files?: string[];
}
