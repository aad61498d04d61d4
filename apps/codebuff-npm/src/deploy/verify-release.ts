import { ReleaseError } from '@codebuff/release/errors';
import { type ReleaseAsset, type ReleaseManifest, releaseArtifacts } from '@codebuff/release/manifest';
import { DEFAULT_DOWNLOAD_OPTIONS, measureUrl } from '../launcher/download';
import { describeError, redactUrl } from '../launcher/errors';
import { NotFoundError } from '../launcher/http-open';

export const NOT_READY_HINT = 'Make sure all platform binaries are built and uploaded before publishing.';

export interface VerifyOptions {
  /** Platforms that must all be present: the platform table's keys. */
  platforms: readonly string[];
  concurrency?: number;
  log?: (line: string) => void;
}

/**
 * Downloads every asset from where the launcher will download it, with the launcher's own
 * HTTP code, and compares size and sha256 with the manifest. Hashing the real bytes (not a
 * SHA256SUMS file the same upload wrote) is what catches a truncated or replaced upload.
 * Throws one error listing every problem, so a single run shows everything to fix.
 */
export async function verifyReleaseAssets(manifest: ReleaseManifest, assetBaseUrl: string, options: VerifyOptions): Promise<void> {
  const problems: string[] = [];
  const missingPlatforms = options.platforms.filter((p) => !manifest.assets.some((a) => a.platform === p));
  for (const platform of missingPlatforms) problems.push(`the manifest has no asset for ${platform}`);

  // Each archive, and the SBOM that says what is in it: the release's files that belong to a platform.
  const queue: Checked[] = releaseArtifacts(manifest).flatMap(({ platform, fileName, size, sha256 }) =>
    platform !== undefined && size !== undefined && sha256 !== undefined ? [{ platform, fileName, size, sha256 }] : [],
  );
  const worker = async () => {
    for (let asset = queue.shift(); asset; asset = queue.shift()) {
      const problem = await checkAsset(asset, assetBaseUrl);
      if (problem) problems.push(problem);
      else options.log?.(`ok ${asset.platform}: ${asset.fileName} (${asset.size} bytes, sha256 ${asset.sha256.slice(0, 12)}…)`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  if (problems.length > 0) {
    throw new ReleaseError(`refusing to publish ${manifest.name} ${manifest.version}: ${problems.sort().join('; ')}. ${NOT_READY_HINT}`);
  }
}

/** A file the manifest names for a platform, with the size and sha256 it promises. */
type Checked = Pick<ReleaseAsset, 'platform' | 'fileName' | 'size' | 'sha256'>;

async function checkAsset(asset: Checked, assetBaseUrl: string): Promise<string | undefined> {
  const url = `${assetBaseUrl}/${encodeURIComponent(asset.fileName)}`;
  try {
    const got = await measureUrl(url, DEFAULT_DOWNLOAD_OPTIONS);
    if (got.size !== asset.size) return `${asset.fileName} at ${redactUrl(url)} is ${got.size} bytes, the manifest says ${asset.size}`;
    if (got.sha256 !== asset.sha256)
      return `${asset.fileName} at ${redactUrl(url)} has sha256 ${got.sha256}, the manifest says ${asset.sha256}`;
    return undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return `${asset.fileName} is missing at ${redactUrl(url)}`;
    return `${asset.fileName} could not be downloaded from ${redactUrl(url)}: ${describeError(error)}`;
  }
}
