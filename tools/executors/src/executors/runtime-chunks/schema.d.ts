export interface RuntimeChunksExecutorOptions {
  platform: string;
  name?: string;
  outputPath: string;
  compressionLevel?: number;
}
