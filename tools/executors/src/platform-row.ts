import { ReleaseError } from '@codebuff/release/errors';
import { getPlatform, platformRowEnvName, platformRowFingerprint, type PlatformSpec, readPlatformTable } from '@codebuff/release/platforms';

/** Fresh from the platform table, and checked against the row that went into the task's hash. */
export function platformForTask(key: string, baseName: string | undefined, env: NodeJS.ProcessEnv = process.env): PlatformSpec {
  const platform = getPlatform(key, readPlatformTable(), baseName);
  const hashed = env[platformRowEnvName(key)];
  if (hashed !== undefined && hashed !== platformRowFingerprint(platform)) {
    throw new ReleaseError(`the platform table changed while Nx was running (row ${key}); run the command again`);
  }
  return platform;
}
