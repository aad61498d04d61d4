export interface NativeExecutorOptions {
  platform: string;
  name?: string;
  outputPath: string;
}
