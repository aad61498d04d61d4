export interface BundleExecutorOptions {
  platform: string;
  archive: 'tar.gz' | 'zip';
  binaryName: string;
  name?: string;
  binDir: string;
  outputPath: string;
  compressionLevel?: number;
}
