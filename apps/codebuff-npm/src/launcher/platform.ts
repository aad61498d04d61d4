import { LauncherError } from './errors';
import type { LauncherAsset, ReleaseInfo } from './release-info';

/** The asset for `${platform}-${arch}` (Node's own names), or a clear error listing what exists. */
export function selectAsset(info: ReleaseInfo, platform: string = process.platform, arch: string = process.arch): LauncherAsset {
  const key = `${platform}-${arch}`;
  const asset = info.assets.find((a) => a.platform === key);
  if (!asset) {
    const supported = info.assets.map((a) => a.platform).join(', ');
    throw new LauncherError(`${info.name} ${info.version} has no binary for this platform (${key}); supported platforms: ${supported}`, {
      repair: 'run codebuff on one of the supported platforms, or build it from source for this one',
    });
  }
  return asset;
}
