import type { TargetConfiguration } from '@nx/devkit';
import type { LoadedReleaseConfig } from '@codebuff/release/config';
import { nativeEnvName, npmEnvName, runtimeEnvName } from '@codebuff/release/native/project-native';
import { platformRowEnvName } from '@codebuff/release/platforms';
import {
  BUNDLE,
  BUNDLE_PLATFORM,
  COMPILE,
  NATIVE,
  RUNTIME_CHUNKS,
  type Stage,
  UPLOAD,
  dependsOn,
  stageDir,
  targetName,
} from '@codebuff/release/pipeline';
import { sourceDateCommand } from '@codebuff/release/source-date';
import { binaryClosure } from './binary-closure';
import { filesInputs, pipelineInputs, resolutionConfigInputs } from './task-inputs';

const shellQuote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

const PLUGIN = '@codebuff/nx-release';
const executor = (stage: Stage) => `${PLUGIN}:${stage.executor}`;

/**
 * The targets of one releasable project, derived from its release config and the platform table.
 * Caching rests on precise inputs: a compile hashes everything Bun reads (the CLI and the
 * workspace libraries and npm packages it imports, through the project graph; the tsconfig chain),
 * the modules its executor imports, Bun's version, VERSION and its own row of the platform table —
 * never the whole table and never the host OS, so one changed row rebuilds one platform, on any
 * runner. The compile then checks Bun's list of bundled files against those inputs.
 *
 * Nx hashes a project's whole configuration into every task of that project, so nothing that
 * differs per row or changes often (the row itself, upload settings) may sit in target options:
 * rows reach the hash through an environment variable per row (set by preTasksExecution), and
 * the upload executor reads its settings from release.config.json when it runs.
 */
export function releaseTargets(workspaceRoot: string, config: LoadedReleaseConfig): Record<string, TargetConfiguration> {
  const pipeline = pipelineInputs(workspaceRoot);
  const targets: Record<string, TargetConfiguration> = {};
  const keys = config.resolvedPlatforms.map((p) => p.key);
  const siblingInputs = filesInputs(config.files ?? []);
  const closure = binaryClosure(workspaceRoot, config);
  for (const platform of config.resolvedPlatforms) {
    const key = platform.key;
    const rowInput = { env: platformRowEnvName(key) };
    const nativeInput = { env: nativeEnvName(key) };
    const nativeDir = stageDir(NATIVE, key);
    // The platform's own platform packages and Bun runtime, fetched by the lockfile's pins. Its key
    // is those pins (and the platform's exclusions), not the rest of the lockfile: a change to one
    // platform package's entry refetches and recompiles that platform only.
    targets[targetName(NATIVE, key)] = {
      executor: executor(NATIVE),
      cache: true,
      inputs: [...pipeline.native, nativeInput, rowInput],
      outputs: [`{workspaceRoot}/${nativeDir}`],
      options: { platform: key, name: config.name, outputPath: nativeDir },
      metadata: { description: `Fetch ${key}'s platform packages and Bun runtime by package-lock.json's pins.` },
    };
    targets[targetName(COMPILE, key)] = {
      executor: executor(COMPILE),
      cache: true,
      dependsOn: dependsOn(COMPILE, keys, key),
      inputs: [
        // The CLI's files and those of every workspace project it imports. Their npm packages come
        // in through nativeInput's sibling, npmInput: the lockfile's pins of what this platform's
        // binary can bundle. (Nx's '^' would hash every platform's native package into all five.)
        'binarySources',
        ...(closure.projects.length > 0 ? [{ input: 'binarySources', projects: closure.projects }] : []),
        ...resolutionConfigInputs(workspaceRoot, config.projectRoot),
        ...pipeline.compile,
        { env: 'VERSION' },
        rowInput,
        nativeInput,
        { env: npmEnvName(key) },
        // The license gate's allow-list: a change re-checks (and may refuse) every binary.
        { json: '{projectRoot}/release.config.json', fields: ['allowedLicenses'] },
      ],
      // The binary, compile.json, Bun's metafile, the SBOM and THIRD-PARTY-NOTICES.
      outputs: [`{workspaceRoot}/${stageDir(COMPILE, key)}`],
      options: { platform: key, name: config.name, entry: config.entry, outputPath: stageDir(COMPILE, key), nativeDir },
      metadata: { description: `Compile ${config.name} for ${key} with Bun (${platform.bunTarget}).` },
    };
    // Bun's runtime, compressed: a store of chunks the bundle reuses. Its key is Bun's version, the
    // runtime's pin and the row only, so a source change leaves it cached (and CI gets it from a
    // remote cache).
    targets[targetName(RUNTIME_CHUNKS, key)] = {
      executor: executor(RUNTIME_CHUNKS),
      cache: true,
      dependsOn: dependsOn(RUNTIME_CHUNKS, keys, key),
      inputs: [...pipeline['runtime-chunks'], rowInput, { env: runtimeEnvName(key) }],
      outputs: [`{workspaceRoot}/${stageDir(RUNTIME_CHUNKS, key)}`],
      options: {
        platform: key,
        name: config.name,
        outputPath: stageDir(RUNTIME_CHUNKS, key),
        nativeDir,
        compressionLevel: config.compressionLevel,
      },
      metadata: { description: `Compress Bun's runtime for ${key} into chunks that bundle-${key} reuses.` },
    };
    targets[targetName(BUNDLE_PLATFORM, key)] = {
      executor: executor(BUNDLE_PLATFORM),
      cache: true,
      // The chunk store saves work but never changes the archive, so it is not among the inputs.
      dependsOn: dependsOn(BUNDLE_PLATFORM, keys, key),
      inputs: [
        { dependentTasksOutputFiles: '**/compile.json', transitive: false },
        ...pipeline['bundle-platform'],
        { env: 'SOURCE_DATE_EPOCH' },
        { runtime: `${sourceDateCommand(config.projectRoot).map(shellQuote).join(' ')} 2>/dev/null || echo none` },
        rowInput,
        ...siblingInputs,
      ],
      outputs: [`{workspaceRoot}/${stageDir(BUNDLE_PLATFORM, key)}`],
      options: {
        platform: key,
        name: config.name,
        binDir: stageDir(COMPILE, key),
        outputPath: stageDir(BUNDLE_PLATFORM, key),
        chunkStore: stageDir(RUNTIME_CHUNKS, key),
        compressionLevel: config.compressionLevel,
        files: config.files ?? [],
      },
      metadata: { description: `Pack ${config.name}-${key}.${platform.archive}.` },
    };
  }
  targets.compile = {
    executor: 'nx:noop',
    dependsOn: keys.map((k) => targetName(COMPILE, k)),
    metadata: { description: `Compile ${config.name} for every platform: ${keys.join(', ')}.` },
  };
  targets[BUNDLE.target] = {
    executor: executor(BUNDLE),
    cache: true,
    dependsOn: dependsOn(BUNDLE, keys),
    inputs: [
      { dependentTasksOutputFiles: '**/bundle.json', transitive: false },
      ...pipeline.bundle,
      // The installers it writes name the repository; the upload settings beside it reach no file.
      { json: '{projectRoot}/release.config.json', fields: ['name', 'installers', 'upload.github.repo'] },
    ],
    outputs: [`{workspaceRoot}/${BUNDLE.writes}`],
    options: { name: config.name, platforms: keys, bundleRoot: BUNDLE_PLATFORM.writes, releaseRoot: BUNDLE.writes },
    metadata: { description: `Bundle every platform into ${BUNDLE.writes}/<version>/ with SHA256SUMS and manifest.json.` },
  };
  targets[UPLOAD.target] = {
    executor: executor(UPLOAD),
    cache: false,
    dependsOn: dependsOn(UPLOAD, keys),
    options: { releaseRoot: BUNDLE.writes },
    metadata: { description: 'Upload the bundled release: --target=github|s3|local (see the upload executor schema).' },
  };
  return targets;
}
