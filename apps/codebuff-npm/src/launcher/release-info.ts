import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveFile, ReleaseAsset } from '@codebuff/release/manifest';
import { LauncherError } from './errors';

/**
 * One platform's archive, as the release manifest lists it: the manifest schema's own type,
 * imported as a type only, so the launcher carries no zod and no library code for it. The launcher
 * still checks the embedded file by hand (parseReleaseInfo).
 */
export type LauncherAsset = ReleaseAsset;
export type LauncherFile = ArchiveFile;

/**
 * What `deploy` writes into the npm package as `release.json`: the release manifest's assets
 * and the URL of the directory that holds them. The launcher trusts nothing else: every
 * download is checked against these sizes and hashes.
 */
export interface ReleaseInfo {
  schemaVersion: 1;
  name: string;
  version: string;
  /** Directory URL of this version's assets (https:, http: or file:), without a trailing slash. */
  assetBaseUrl: string;
  assets: LauncherAsset[];
}

export const RELEASE_INFO_FILE = 'release.json';

/** Overrides the release location, e.g. an internal mirror; the checksums still come from the package. */
export const BASE_URL_ENV = 'CODEBUFF_DOWNLOAD_BASE_URL';

/**
 * One path segment of ordinary characters: a name the launcher puts into a URL and a file path
 * (`..`, `.`, an empty name or a separator would reach a parent URL or leave the cache folder).
 */
const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._+-]+$/;
/** semver 2.0.0's own pattern (semver.org), without build metadata, which releases never carry. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

/** The launcher ships without zod, so the embedded file is checked by hand (deploy wrote it with zod). */
export function parseReleaseInfo(value: unknown, where: string): ReleaseInfo {
  const fail = (what: string): never => {
    throw new LauncherError(`${where} is damaged: ${what}`, { repair: 'reinstall the package: npm install -g codebuff' });
  };
  const v = value as Partial<ReleaseInfo> | null;
  if (!v || typeof v !== 'object') return fail('not a JSON object');
  if (v.schemaVersion !== 1) fail(`unsupported schemaVersion ${String(v.schemaVersion)}`);
  if (typeof v.name !== 'string' || typeof v.version !== 'string') fail('name or version missing');
  if (!SEMVER.test(v.version as string)) fail(`version ${JSON.stringify(v.version)} is not semver`);
  if (typeof v.assetBaseUrl !== 'string' || !/^(https?|file):/.test(v.assetBaseUrl)) fail('assetBaseUrl must be an http(s) or file URL');
  if (!Array.isArray(v.assets) || v.assets.length === 0) fail('no assets');
  for (const a of v.assets as LauncherAsset[]) {
    const ok =
      typeof a?.platform === 'string' &&
      typeof a.fileName === 'string' &&
      SEGMENT.test(a.fileName) &&
      (a.archive === 'tar.gz' || a.archive === 'zip') &&
      typeof a.binaryName === 'string' &&
      SEGMENT.test(a.binaryName) &&
      Number.isSafeInteger(a.size) &&
      a.size > 0 &&
      /^[0-9a-f]{64}$/.test(a.sha256) &&
      (a.files === undefined ||
        (Array.isArray(a.files) &&
          a.files.every(
            (f) =>
              typeof f?.name === 'string' &&
              SEGMENT.test(f.name) &&
              f.name !== a.binaryName &&
              Number.isSafeInteger(f.size) &&
              /^[0-9a-f]{64}$/.test(f.sha256),
          )));
    if (!ok) fail(`asset entry ${JSON.stringify(a)} is incomplete`);
  }
  return v as ReleaseInfo;
}

export function readReleaseInfo(packageDir: string): ReleaseInfo {
  const path = join(packageDir, RELEASE_INFO_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new LauncherError(`${path} is missing: this copy of the codebuff package is incomplete`, {
      repair: 'reinstall it: npm install -g codebuff',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parseReleaseInfo(null, path);
  }
  return parseReleaseInfo(json, path);
}

/** `<base>/<fileName>`; the base may be overridden by CODEBUFF_DOWNLOAD_BASE_URL. */
export function assetUrl(info: ReleaseInfo, asset: LauncherAsset, env: NodeJS.ProcessEnv = process.env): string {
  const base = (env[BASE_URL_ENV] || info.assetBaseUrl).replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(asset.fileName)}`;
}
