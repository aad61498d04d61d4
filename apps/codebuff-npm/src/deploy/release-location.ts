import { pathToFileURL } from 'node:url';
import { ReleaseError } from '@codebuff/release/errors';

/** Where a version's assets are, as the user named it on the command line. */
export type LocationOption = { kind: 'github'; repo: string } | { kind: 's3'; base: string } | { kind: 'url'; base: string };

export interface ReleaseLocation {
  option: LocationOption;
  /** The directory URL holding `<asset>` files of this version, without a trailing slash. */
  assetBaseUrl: string;
}

function parseUrl(raw: string, flag: string, schemes: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ReleaseError(`invalid ${flag} "${raw}": expected a URL such as ${schemes[0]}//host/path`);
  }
  if (!schemes.includes(url.protocol)) throw new ReleaseError(`invalid ${flag} "${raw}": expected ${schemes.join(' or ')} URL`);
  // Whatever is in the URL is published inside a public npm package.
  if (url.username || url.password)
    throw new ReleaseError(`${flag} must not contain credentials: the URL is embedded in the public npm package`);
  if (url.search || url.hash) throw new ReleaseError(`${flag} must not have a query or fragment`);
  return url;
}

/**
 * Resolves the one location option given into the URL the launcher downloads from:
 * - `--github owner/repo`: `https://github.com/owner/repo/releases/download/v<version>`
 * - `--s3-base URL`: `<URL>/<version>` (a public bucket or CDN URL; the upload's S3 layout)
 * - `--base-url URL`: `<URL>/<version>`, or URL with `{version}` replaced; http(s) or file://
 */
export function resolveLocation(option: LocationOption, version: string): ReleaseLocation {
  const trim = (s: string) => s.replace(/\/+$/, '');
  switch (option.kind) {
    case 'github': {
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(option.repo))
        throw new ReleaseError(`invalid --github "${option.repo}": expected owner/repo`);
      return { option, assetBaseUrl: `https://github.com/${option.repo}/releases/download/v${version}` };
    }
    case 's3': {
      const url = parseUrl(option.base, '--s3-base', ['https:', 'http:']);
      return { option, assetBaseUrl: `${trim(url.href)}/${encodeURIComponent(version)}` };
    }
    case 'url': {
      const templated = option.base.includes('{version}');
      const url = parseUrl(option.base.replaceAll('{version}', encodeURIComponent(version)), '--base-url', ['https:', 'http:', 'file:']);
      return { option, assetBaseUrl: templated ? trim(url.href) : `${trim(url.href)}/${encodeURIComponent(version)}` };
    }
  }
}

/** The local layout `<dir>/<version>/<asset>` as a file:// location (what deploy-local uses). */
export function localLocation(releaseRoot: string, version: string): ReleaseLocation {
  return resolveLocation({ kind: 'url', base: pathToFileURL(releaseRoot).href }, version);
}

/** Exactly one of the three options; none or two is an error. */
export function pickLocationOption(values: { 'base-url'?: string; github?: string; 's3-base'?: string }): LocationOption {
  const given: LocationOption[] = [];
  if (values['base-url'] !== undefined) given.push({ kind: 'url', base: values['base-url'] });
  if (values.github !== undefined) given.push({ kind: 'github', repo: values.github });
  if (values['s3-base'] !== undefined) given.push({ kind: 's3', base: values['s3-base'] });
  if (given.length !== 1) {
    throw new ReleaseError(
      given.length === 0
        ? 'where are the uploaded binaries? pass one of --github owner/repo, --s3-base URL or --base-url URL'
        : 'pass only one of --github, --s3-base, --base-url',
    );
  }
  return given[0];
}
