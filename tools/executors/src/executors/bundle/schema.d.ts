export interface BundleExecutorOptions {
  platform: string;
  name?: string;
  binDir: string;
  outputPath: string;
  compressionLevel?: number;
}
