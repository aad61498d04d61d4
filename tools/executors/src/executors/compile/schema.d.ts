export interface CompileExecutorOptions {
  platform: string;
  name?: string;
  entry?: string;
  outputPath: string;
  nativeDir: string;
  version?: string;
  minify?: boolean;
}
