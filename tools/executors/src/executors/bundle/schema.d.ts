export interface BundleExecutorOptions {
  name?: string;
  platforms: string[];
  bundleRoot?: string;
  releaseRoot?: string;
}
