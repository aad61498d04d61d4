/** What the Node side hands bun-compile.ts: one target's compile, fully resolved. */
export interface BunCompileSpec {
  platform: string;
  bunTarget: string;
  entry: string;
  outfile: string;
  metafile: string;
  /** Bun's runtime for the target, from its pinned `@oven/bun-*` package. */
  executablePath?: string;
  minify: boolean;
  define: Record<string, string>;
  /** Folder whose node_modules holds this target's fetched platform packages. */
  nativeRoot: string;
  /** Every platform-specific name the code may import (any target's). */
  platformNames: string[];
  /** The names fetched for this target. */
  fetched: string[];
  /** Names release.config.json leaves out of this target, with the reason. */
  excluded: Record<string, string>;
}
