import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReleaseError } from '@codebuff/release/errors';
import { MANIFEST_FILE, type ReleaseManifest, parseManifest } from '@codebuff/release/manifest';
import { fetchText } from '../launcher/download';
import { DEFAULT_DOWNLOAD_OPTIONS } from '../launcher/download';
import { describeError, redactUrl } from '../launcher/errors';

export interface LoadedManifest {
  manifest: ReleaseManifest;
  /** A path or URL, for messages. */
  from: string;
}

function checked(manifest: ReleaseManifest, version: string, from: string): LoadedManifest {
  if (manifest.version !== version) throw new ReleaseError(`${from} is for version ${manifest.version}, not ${version}`);
  return { manifest, from };
}

export function readLocalManifest(releaseRoot: string, version: string): LoadedManifest | undefined {
  const path = join(releaseRoot, version, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ReleaseError(`${path} is not valid JSON`);
  }
  return checked(parseManifest(json, path), version, path);
}

/** The manifest the upload put next to the assets (`<assetBaseUrl>/manifest.json`). */
export async function fetchRemoteManifest(assetBaseUrl: string, version: string): Promise<LoadedManifest> {
  const url = `${assetBaseUrl}/${MANIFEST_FILE}`;
  let text: string;
  try {
    text = await fetchText(url, DEFAULT_DOWNLOAD_OPTIONS);
  } catch (error) {
    throw new ReleaseError(`no local dist/release/${version}/manifest.json and none at ${redactUrl(url)}: ${describeError(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReleaseError(`${redactUrl(url)} is not valid JSON`);
  }
  return checked(parseManifest(json, url), version, url);
}
