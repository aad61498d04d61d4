import { access, chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256File } from '../checksums';
import { ReleaseError } from '../errors';
import { replaceDirectory, sweepDeadTemps, tempPathFor, writeJsonAtomic } from '../fs-atomic';
import type { PlatformSpec } from '../platforms';
import { bunExecutable, bunVersion, runCommand } from './bun';
import { sweepBunTemps } from './bun-temps';
import { type BunMetafile, checkBundledInputs, type DeclaredInputs } from './bundled-inputs';

export const COMPILE_RECORD = 'compile.json';

/** What compile promises about the binary it left; bundle re-checks it before packaging. */
export interface CompileRecord {
  platform: string;
  bunTarget: string;
  bunVersion: string;
  version: string;
  binaryName: string;
  size: number;
  sha256: string;
}

export interface CompileOptions {
  platform: PlatformSpec;
  /** Absolute path of the CLI's entry file. */
  entry: string;
  /** Directory that will hold exactly the binary and compile.json. */
  outDir: string;
  version: string;
  /** Working directory for Bun (the CLI project's root, so its tsconfig applies). */
  cwd: string;
  minify?: boolean;
  /**
   * What the task's cache key covers. When given, every file and package Bun bundled is checked
   * against it before the binary is kept (see bundled-inputs.ts); Nx callers always give it.
   */
  declaredInputs?: { workspaceRoot: string; inputs: DeclaredInputs };
}

export async function compileBinary(options: CompileOptions): Promise<CompileRecord> {
  const { platform, entry, outDir, version } = options;
  try {
    await access(entry);
  } catch {
    throw new ReleaseError(`entry file not found: ${entry}`);
  }
  await mkdir(dirname(outDir), { recursive: true });
  await sweepDeadTemps(dirname(outDir)); // a killed compile leaves a 100 MB staging folder
  await sweepBunTemps(options.cwd); // ...and Bun's own temp binary in the CLI's folder
  const staging = tempPathFor(outDir);
  await mkdir(staging, { recursive: true });
  try {
    const binaryPath = join(staging, platform.binaryName);
    const metafilePath = join(staging, 'bun-metafile.json');
    const args = [
      'build',
      entry,
      '--compile',
      `--target=${platform.bunTarget}`,
      `--outfile=${binaryPath}`,
      `--metafile=${metafilePath}`,
      `--define=CODEBUFF_VERSION=${JSON.stringify(version)}`,
      `--define=CODEBUFF_PLATFORM=${JSON.stringify(platform.key)}`,
      ...(options.minify === false ? [] : ['--minify']),
    ];
    const result = await runCommand(bunExecutable(), args, options.cwd);
    if (result.code !== 0) {
      throw new ReleaseError(`compile failed for ${platform.key} (${platform.bunTarget}):\n${result.output.trim()}`);
    }
    const metafile = JSON.parse(await readFile(metafilePath, 'utf8')) as BunMetafile;
    await rm(metafilePath);
    if (options.declaredInputs) {
      checkBundledInputs({ metafile, cwd: options.cwd, workspaceRoot: options.declaredInputs.workspaceRoot, declared: options.declaredInputs.inputs, platform });
    }
    await chmod(binaryPath, 0o755);
    const record: CompileRecord = {
      platform: platform.key,
      bunTarget: platform.bunTarget,
      bunVersion: bunVersion(),
      version,
      binaryName: platform.binaryName,
      size: (await stat(binaryPath)).size,
      sha256: await sha256File(binaryPath),
    };
    await writeJsonAtomic(join(staging, COMPILE_RECORD), record);
    await replaceDirectory(staging, outDir);
    return record;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
