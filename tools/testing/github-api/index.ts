export { startGitHubApi } from './server';
export type { GitHubApi, GitHubApiFaults, GitHubApiOptions, ReleaseView, AssetView, RecordedRequest } from './server';
