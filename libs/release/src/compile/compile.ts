import { access, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256File } from '../checksums';
import { ReleaseError } from '../errors';
import { replaceDirectory, sweepDeadTemps, tempPathFor, writeJsonAtomic } from '../fs-atomic';
import type { PlatformSpec } from '../platforms';
import { packageDirIn } from '../native/fetch';
import { type NativeSet, runtimeFileOf } from '../native/native-set';
import { runProcess } from '../run-process';
import { bunExecutable, bunVersion } from './bun';
import type { BunCompileSpec } from './bun-compile-spec';
import { sweepBunTemps } from './bun-temps';
import { type BunMetafile, checkBundledInputs, type DeclaredInputs } from './bundled-inputs';
import { checkNativeInputs } from './native-guard';

/** Bun runs this file to compile (TypeScript, which Bun runs as is); a compile task hashes it. */
const BUN_COMPILE_SCRIPT = require.resolve('./bun-compile');

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
  /**
   * The target's platform packages and Bun runtime, fetched by the native task (fetch.ts). With
   * it, the compile downloads nothing and resolves platform packages from that folder alone.
   * Without it (a CLI with no native dependencies), Bun fetches its runtime itself.
   */
  native?: { dir: string; set: NativeSet };
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
    const spec: BunCompileSpec = {
      platform: platform.key,
      bunTarget: platform.bunTarget,
      entry,
      outfile: binaryPath,
      metafile: metafilePath,
      executablePath: options.native ? join(packageDirIn(options.native.dir, options.native.set.runtime.name), runtimeFileOf(platform.key)) : undefined,
      minify: options.minify !== false,
      define: { CODEBUFF_VERSION: JSON.stringify(version), CODEBUFF_PLATFORM: JSON.stringify(platform.key) },
      nativeRoot: options.native?.dir ?? staging,
      platformNames: options.native?.set.platformNames ?? [],
      fetched: options.native?.set.packages.map((p) => p.name) ?? [],
      excluded: options.native?.set.excluded ?? {},
    };
    const specPath = join(staging, 'compile-spec.json');
    await writeFile(specPath, JSON.stringify(spec));
    const result = await runProcess(bunExecutable(), [BUN_COMPILE_SCRIPT, specPath], { cwd: options.cwd });
    await rm(specPath);
    if (result.code !== 0) {
      const refusal = /^compile-error: (.*)$/m.exec(result.output);
      throw new ReleaseError(refusal ? refusal[1] : `compile failed for ${platform.key} (${platform.bunTarget}):\n${result.output.trim()}`);
    }
    const metafile = JSON.parse(await readFile(metafilePath, 'utf8')) as BunMetafile;
    await rm(metafilePath);
    if (options.declaredInputs) {
      checkBundledInputs({ metafile, cwd: options.cwd, workspaceRoot: options.declaredInputs.workspaceRoot, declared: options.declaredInputs.inputs, platform, nativeDir: options.native?.dir });
    }
    if (options.native) {
      checkNativeInputs({ metafile, cwd: options.cwd, nativeDir: options.native.dir, set: options.native.set, task: options.declaredInputs?.inputs.task ?? `compile-${platform.key}` });
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
