// Replaced by `bun build --define` at compile time; absent when run from source.
declare const CODEBUFF_VERSION: string | undefined;
declare const CODEBUFF_PLATFORM: string | undefined;

export interface BuildInfo {
  version: string;
  /** The platform this binary was compiled for, e.g. `linux-x64`. */
  builtFor: string;
}

export function buildInfo(): BuildInfo {
  return {
    version: typeof CODEBUFF_VERSION === 'string' ? CODEBUFF_VERSION : '0.0.0-dev',
    builtFor: typeof CODEBUFF_PLATFORM === 'string' ? CODEBUFF_PLATFORM : `${process.platform}-${process.arch} (from source)`,
  };
}
