export interface RuntimeChunksExecutorOptions {
  platform: string;
  name?: string;
  outputPath: string;
  nativeDir: string;
  compressionLevel?: number;
}
