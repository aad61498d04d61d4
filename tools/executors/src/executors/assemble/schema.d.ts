export interface AssembleExecutorOptions {
  name?: string;
  platforms: string[];
  bundleRoot?: string;
  releaseRoot?: string;
}
