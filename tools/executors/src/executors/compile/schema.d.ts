export interface CompileExecutorOptions {
  platform: string;
  bunTarget: string;
  binaryName: string;
  entry?: string;
  outputPath: string;
  version?: string;
  minify?: boolean;
}
