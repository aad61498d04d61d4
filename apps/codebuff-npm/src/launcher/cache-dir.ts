import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const HOME_ENV = 'CODEBUFF_HOME';

/**
 * Where binaries are cached, per user: $CODEBUFF_HOME if set, else the OS's cache directory
 * (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows). A cache, not config:
 * deleting it only costs a download.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform, home: string = homedir()): string {
  if (env[HOME_ENV]) return resolve(env[HOME_ENV] as string);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'codebuff', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'codebuff');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'codebuff');
}

/** One directory per version, so versions installed side by side never share a binary. */
export function versionDir(root: string, version: string): string {
  return join(root, version);
}
