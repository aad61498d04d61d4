import type { ReleaseProjectConfig } from '../config';
import { ReleaseError } from '../errors';
import type { ReleaseManifest } from '../manifest';

/** What the installers need besides the manifest. */
export interface InstallerSettings {
  /** `owner/name` of the GitHub repository whose releases hold the assets. */
  repo: string;
  /** One line for Homebrew's `desc` and Scoop's `description`. */
  description: string;
  homepage: string;
  /** SPDX identifier, when the project has one. */
  license?: string;
}

/** The environment variable the npm launcher reads too: `<URL>/<asset>` replaces the release URL. */
export const BASE_URL_ENV = 'CODEBUFF_DOWNLOAD_BASE_URL';
export const INSTALL_DIR_ENV = 'CODEBUFF_INSTALL_DIR';

export const REPO_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/**
 * The installers' settings from release.config.json (`installers`), the repository falling back
 * to `upload.github.repo`. Without a repository there is no default download URL to write into
 * a formula or manifest, so no installers are made (undefined).
 */
export function resolveInstallerSettings(
  config: Pick<ReleaseProjectConfig, 'name' | 'installers' | 'upload'>,
): InstallerSettings | undefined {
  const repo = config.installers?.repo ?? config.upload?.github?.repo;
  if (repo === undefined) return undefined;
  if (!REPO_PATTERN.test(repo))
    throw new ReleaseError(
      `invalid repository "${repo}" for the installers (installers.repo, else upload.github.repo): expected owner/name`,
    );
  return {
    repo,
    description: config.installers?.description ?? `${config.name} command-line tool`,
    homepage: config.installers?.homepage ?? `https://github.com/${repo}`,
    license: config.installers?.license,
  };
}

/** GitHub's download URL of a release's assets: `https://github.com/<owner>/<repo>/releases/download/v<version>`. */
export function defaultBaseUrl(settings: InstallerSettings, manifest: ReleaseManifest): string {
  return `https://github.com/${settings.repo}/releases/download/${manifest.tag}`;
}

/**
 * Everything written into a script must be inert there: file names, hashes, versions and URLs
 * are checked against a plain alphabet, so no quote, `$` or backtick ever reaches a shell or
 * PowerShell string.
 */
export function assertInert(what: string, value: string, pattern = /^[A-Za-z0-9._+-]+$/): string {
  if (!pattern.test(value)) throw new ReleaseError(`cannot write ${what} "${value}" into an installer: unexpected characters`);
  return value;
}

export const URL_PATTERN = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~%+-]+)*$/;
