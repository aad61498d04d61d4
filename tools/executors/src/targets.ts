import type { TargetConfiguration } from '@nx/devkit';
import { type LoadedReleaseConfig } from '../../../libs/release/src/config';
import { nativeEnvName, npmEnvName, runtimeEnvName } from '../../../libs/release/src/native/project-native';
import { platformRowEnvName } from '../../../libs/release/src/platforms';
import { sourceDateCommand } from '../../../libs/release/src/source-date';
import { binaryClosure } from './binary-closure';
import { filesInputs, pipelineInputs, resolutionConfigInputs } from './task-inputs';

const shellQuote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

const EXECUTORS = '@codebuff/nx-release';
export const BIN_ROOT = 'dist/build/bin';
export const BUNDLE_ROOT = 'dist/build/bundles';
export const RUNTIME_CHUNKS_ROOT = 'dist/build/runtime-chunks';
export const NATIVE_ROOT = 'dist/build/native';
export const RELEASE_ROOT = 'dist/release';

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
    const rowInput = { env: platformRowEnvName(platform.key) };
    const nativeInput = { env: nativeEnvName(platform.key) };
    const nativeDir = `${NATIVE_ROOT}/${platform.key}`;
    // The platform's own platform packages and Bun runtime, fetched by the lockfile's pins. Its key
    // is those pins (and the platform's exclusions), not the rest of the lockfile: a change to one
    // platform package's entry refetches and recompiles that platform only.
    targets[`native-${platform.key}`] = {
      executor: `${EXECUTORS}:native`,
      cache: true,
      inputs: [...pipeline.native, nativeInput, rowInput],
      outputs: [`{workspaceRoot}/${nativeDir}`],
      options: { platform: platform.key, name: config.name, outputPath: nativeDir },
      metadata: { description: `Fetch ${platform.key}'s platform packages and Bun runtime by package-lock.json's pins.` },
    };
    targets[`compile-${platform.key}`] = {
      executor: `${EXECUTORS}:compile`,
      cache: true,
      dependsOn: [`native-${platform.key}`],
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
        { env: npmEnvName(platform.key) },
        // The license gate's allow-list: a change re-checks (and may refuse) every binary.
        { json: '{projectRoot}/release.config.json', fields: ['allowedLicenses'] },
      ],
      // The binary, compile.json, Bun's metafile, the SBOM and THIRD-PARTY-NOTICES.
      outputs: [`{workspaceRoot}/${BIN_ROOT}/${platform.key}`],
      options: { platform: platform.key, name: config.name, entry: config.entry, outputPath: `${BIN_ROOT}/${platform.key}`, nativeDir },
      metadata: { description: `Compile ${config.name} for ${platform.key} with Bun (${platform.bunTarget}).` },
    };
    // Bun's runtime, compressed: a store of chunks the bundle reuses. Its key is Bun's version, the
    // runtime's pin and the row only, so a source change leaves it cached (and CI gets it from a
    // remote cache).
    targets[`runtime-chunks-${platform.key}`] = {
      executor: `${EXECUTORS}:runtime-chunks`,
      cache: true,
      dependsOn: [`native-${platform.key}`],
      inputs: [...pipeline['runtime-chunks'], rowInput, { env: runtimeEnvName(platform.key) }],
      outputs: [`{workspaceRoot}/${RUNTIME_CHUNKS_ROOT}/${platform.key}`],
      options: { platform: platform.key, name: config.name, outputPath: `${RUNTIME_CHUNKS_ROOT}/${platform.key}`, nativeDir, compressionLevel: config.compressionLevel },
      metadata: { description: `Compress Bun's runtime for ${platform.key} into chunks that bundle-${platform.key} reuses.` },
    };
    targets[`bundle-${platform.key}`] = {
      executor: `${EXECUTORS}:bundle`,
      cache: true,
      // The chunk store saves work but never changes the archive, so it is not among the inputs.
      dependsOn: [`compile-${platform.key}`, `runtime-chunks-${platform.key}`],
      inputs: [
        { dependentTasksOutputFiles: '**/compile.json', transitive: false },
        ...pipeline.bundle,
        { env: 'SOURCE_DATE_EPOCH' },
        { runtime: `${sourceDateCommand(config.projectRoot).map(shellQuote).join(' ')} 2>/dev/null || echo none` },
        rowInput,
        ...siblingInputs,
      ],
      outputs: [`{workspaceRoot}/${BUNDLE_ROOT}/${platform.key}`],
      options: {
        platform: platform.key,
        name: config.name,
        binDir: `${BIN_ROOT}/${platform.key}`,
        outputPath: `${BUNDLE_ROOT}/${platform.key}`,
        chunkStore: `${RUNTIME_CHUNKS_ROOT}/${platform.key}`,
        compressionLevel: config.compressionLevel,
        files: config.files ?? [],
      },
      metadata: { description: `Pack ${config.name}-${platform.key}.${platform.archive}.` },
    };
  }
  targets.compile = {
    executor: 'nx:noop',
    dependsOn: keys.map((k) => `compile-${k}`),
    metadata: { description: `Compile ${config.name} for every platform: ${keys.join(', ')}.` },
  };
  targets.bundle = {
    executor: `${EXECUTORS}:assemble`,
    cache: true,
    dependsOn: keys.map((k) => `bundle-${k}`),
    inputs: [
      { dependentTasksOutputFiles: '**/bundle.json', transitive: false },
      ...pipeline.assemble,
      // The installers it writes name the repository; the upload settings beside it reach no file.
      { json: '{projectRoot}/release.config.json', fields: ['name', 'installers', 'upload.github.repo'] },
    ],
    outputs: [`{workspaceRoot}/${RELEASE_ROOT}`],
    options: { name: config.name, platforms: keys, bundleRoot: BUNDLE_ROOT, releaseRoot: RELEASE_ROOT },
    metadata: { description: `Bundle every platform into ${RELEASE_ROOT}/<version>/ with SHA256SUMS and manifest.json.` },
  };
  targets.upload = {
    executor: `${EXECUTORS}:upload`,
    cache: false,
    dependsOn: ['bundle'],
    options: { releaseRoot: RELEASE_ROOT },
    metadata: { description: 'Upload the bundled release: --target=github|s3|local (see the upload executor schema).' },
  };
  return targets;
}
