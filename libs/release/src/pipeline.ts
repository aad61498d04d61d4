/**
 * The release pipeline, stage by stage, in the order a release runs them: the one place that says
 * what each stage is called, where it writes and what it waits for. The Nx plugin makes its
 * targets from this table (tools/executors/src/targets.ts, which also computes what each task
 * reads: its exact cache inputs), the executors and the benchmark take their folders from it, and
 * README.md's diagram is rendered from it (a test compares them).
 */
export interface Stage {
  /** The Nx target; a per-platform stage has one target per platform, `<target>-<platform>`. */
  target: string;
  /** The executor of the workspace plugin (@codebuff/nx-release) that runs it. */
  executor?: string;
  /** A stage outside the Nx graph: the command that runs it. */
  command?: string;
  perPlatform: boolean;
  /**
   * The stages whose outputs it needs: a per-platform stage needs the same platform's, a stage
   * that runs once needs every platform's.
   */
  after: readonly Stage[];
  /** Workspace-relative folder it writes (per-platform: `<folder>/<platform>`), or where it sends. */
  writes: string;
  /** One line: what it does. */
  does: string;
}

export const NATIVE: Stage = {
  target: 'native',
  executor: 'native',
  perPlatform: true,
  after: [],
  writes: 'dist/build/native',
  does: "fetch the platform's native packages and Bun runtime, by integrity",
};

export const COMPILE: Stage = {
  target: 'compile',
  executor: 'compile',
  perPlatform: true,
  after: [NATIVE],
  writes: 'dist/build/bin',
  does: 'Bun compiles one binary; the guard checks every file it embedded',
};

export const RUNTIME_CHUNKS: Stage = {
  target: 'runtime-chunks',
  executor: 'runtime-chunks',
  perPlatform: true,
  after: [NATIVE],
  writes: 'dist/build/runtime-chunks',
  does: "compress Bun's runtime once, into chunks every bundle reuses",
};

export const BUNDLE_PLATFORM: Stage = {
  target: 'bundle',
  executor: 'bundle-platform',
  perPlatform: true,
  after: [COMPILE, RUNTIME_CHUNKS],
  writes: 'dist/build/bundles',
  does: 'pack a byte-reproducible tar.gz or zip',
};

export const BUNDLE: Stage = {
  target: 'bundle',
  executor: 'bundle',
  perPlatform: false,
  after: [BUNDLE_PLATFORM],
  writes: 'dist/release',
  does: 'gather <version>/: archives, installers, SHA256SUMS, manifest.json',
};

export const UPLOAD: Stage = {
  target: 'upload',
  executor: 'upload',
  perPlatform: false,
  after: [BUNDLE],
  writes: 'dist/uploads, S3 or GitHub Releases',
  does: 'send what is missing, verify each file, then publish',
};

/** After the Nx graph: `node scripts/deploy.mjs` publishes the npm launcher for an uploaded release. */
export const PUBLISH: Stage = {
  target: 'deploy',
  command: 'node scripts/deploy.mjs',
  perPlatform: false,
  after: [UPLOAD],
  writes: 'the npm registry',
  does: 'publish the codebuff launcher once every asset is verified',
};

export const PIPELINE: readonly Stage[] = [NATIVE, COMPILE, RUNTIME_CHUNKS, BUNDLE_PLATFORM, BUNDLE, UPLOAD, PUBLISH];

/** The binary's and the assets' base name when a caller names none (release.config.json's `name` does). */
export const DEFAULT_RELEASE_NAME = 'codebuff';

/** The local upload's folder when neither --dir nor release.config.json names one. */
export const DEFAULT_UPLOAD_DIR = 'dist/uploads';

/** Folders every build rewrites: nothing else may be written there. */
export const BUILD_OUTPUT_ROOTS = ['dist/release', 'dist/build'] as const;

/** `compile-linux-x64`, or `bundle` for a stage that runs once. */
export function targetName(stage: Stage, platform?: string): string {
  return stage.perPlatform ? `${stage.target}-${platform}` : stage.target;
}

/** The Nx targets `stage` depends on, for one platform (a per-platform stage) or for all of them. */
export function dependsOn(stage: Stage, platforms: readonly string[], platform?: string): string[] {
  return stage.after.flatMap((dep) => {
    if (!dep.perPlatform) return [dep.target];
    return stage.perPlatform ? [targetName(dep, platform)] : platforms.map((p) => targetName(dep, p));
  });
}

/** A per-platform stage's folder for one platform. */
export function stageDir(stage: Stage, platform: string): string {
  return `${stage.writes}/${platform}`;
}

/** The stages as README.md shows them: one row each, in order, with what each waits for. */
export function pipelineDiagram(): string {
  const name = (s: Stage) => (s.perPlatform ? `${s.target}-<platform>` : s.command ? s.command : s.target);
  const rows = PIPELINE.map((s) => [name(s), s.after.length > 0 ? s.after.map(name).join(', ') : '-', s.writes, s.does]);
  const header = ['stage (nx target)', 'after', 'writes', 'does'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  ')).join('\n');
}
