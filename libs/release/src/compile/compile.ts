import { access, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256File, sha256Hex } from '../checksums';
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
import type { Lockfile } from '../native/lockfile';
import { binaryContents } from '../sbom/binary-contents';
import { cyclonedxSbom, SBOM_FILE } from '../sbom/cyclonedx';
import { COMPILE_RECORD, type CompileRecord, METAFILE } from './compile-record';
import { checkLicenses } from '../sbom/license-gate';
import { NOTICES_FILE, thirdPartyNotices } from '../sbom/notices';

/** Bun runs this file to compile (TypeScript, which Bun runs as is); a compile task hashes it. */
const BUN_COMPILE_SCRIPT = require.resolve('./bun-compile');

export { COMPILE_RECORD, type CompileRecord, METAFILE } from './compile-record';

export interface CompileOptions {
  platform: PlatformSpec;
  /** Absolute path of the CLI's entry file. */
  entry: string;
  /** Directory that will hold exactly the binary, compile.json, Bun's metafile and (with `inventory`) the SBOM and notices. */
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
  /**
   * With it, the compile checks the bundled packages' licenses against the allow-list and writes
   * the SBOM and THIRD-PARTY-NOTICES beside the binary (libs/release/src/sbom). Nx callers always give it.
   */
  inventory?: {
    workspaceRoot: string;
    /** The CLI's project folder, workspace-relative. */
    projectRoot: string;
    lock: Lockfile;
    /** npm package names the CLI and its libraries import (binaryClosure). */
    imported: readonly string[];
    allowedLicenses: readonly string[];
    /** The release config's path, for messages: where a license can be allowed. */
    configFile: string;
    /** The binary's base name (`codebuff`). */
    name: string;
  };
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
    const metafilePath = join(staging, METAFILE);
    const spec: BunCompileSpec = {
      platform: platform.key,
      bunTarget: platform.bunTarget,
      entry,
      outfile: binaryPath,
      metafile: metafilePath,
      executablePath: options.native
        ? join(packageDirIn(options.native.dir, options.native.set.runtime.name), runtimeFileOf(platform.key))
        : undefined,
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
    if (options.declaredInputs) {
      checkBundledInputs({
        metafile,
        cwd: options.cwd,
        workspaceRoot: options.declaredInputs.workspaceRoot,
        declared: options.declaredInputs.inputs,
        platform,
        nativeDir: options.native?.dir,
      });
    }
    if (options.native) {
      checkNativeInputs({
        metafile,
        cwd: options.cwd,
        nativeDir: options.native.dir,
        set: options.native.set,
        task: options.declaredInputs?.inputs.task ?? `compile-${platform.key}`,
      });
    }
    const inventory = options.inventory ? await writeInventory(options, metafile, staging) : {};
    await chmod(binaryPath, 0o755);
    const record: CompileRecord = {
      platform: platform.key,
      bunTarget: platform.bunTarget,
      bunVersion: bunVersion(),
      version,
      binaryName: platform.binaryName,
      size: (await stat(binaryPath)).size,
      sha256: await sha256File(binaryPath),
      ...inventory,
    };
    await writeJsonAtomic(join(staging, COMPILE_RECORD), record);
    await replaceDirectory(staging, outDir);
    return record;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The license gate, then the SBOM and THIRD-PARTY-NOTICES, into the staging folder: a refused
 * license leaves the previous output as it was (the staging folder is dropped).
 */
async function writeInventory(
  options: CompileOptions,
  metafile: BunMetafile,
  staging: string,
): Promise<Pick<CompileRecord, 'sbom' | 'notices'>> {
  const inventory = options.inventory as NonNullable<CompileOptions['inventory']>;
  const { platform } = options;
  const contents = binaryContents({
    metafile,
    cwd: options.cwd,
    workspaceRoot: inventory.workspaceRoot,
    projectRoot: inventory.projectRoot,
    lock: inventory.lock,
    native: options.native,
    imported: inventory.imported,
  });
  const thirdParty = [...contents.packages, ...(contents.runtime ? [contents.runtime] : [])];
  checkLicenses(thirdParty, inventory.allowedLicenses, {
    task: options.declaredInputs?.inputs.task ?? `compile-${platform.key}`,
    configFile: inventory.configFile,
  });
  const sbom = cyclonedxSbom({
    binary: inventory.name,
    version: options.version,
    platform: platform.key,
    bunTarget: platform.bunTarget,
    contents,
  });
  const notices = thirdPartyNotices({ binary: inventory.name, platform: platform.key, packages: thirdParty });
  await writeFile(join(staging, SBOM_FILE), sbom);
  await writeFile(join(staging, NOTICES_FILE), notices);
  return { sbom: { fileName: SBOM_FILE, sha256: sha256Hex(sbom) }, notices: { fileName: NOTICES_FILE, sha256: sha256Hex(notices) } };
}
