export { githubDestination } from './destination';
export type { GitHubDestinationOptions } from './options';
export { MAX_ASSET_BYTES as GITHUB_MAX_ASSET_BYTES } from './preflight';
