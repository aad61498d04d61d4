export interface CompileExecutorOptions {
  platform: string;
  name?: string;
  entry?: string;
  outputPath: string;
  version?: string;
  minify?: boolean;
}
