import { dirname } from 'node:path';
import type { CreateNodes, PostTasksExecution, PreTasksExecution } from '@nx/devkit';
import { loadReleaseConfig, RELEASE_CONFIG_FILE } from '@codebuff/release/config';
import { exportNativeFingerprints } from '@codebuff/release/native/project-native';
import { binaryClosure } from './binary-closure';
import { applyCommandLine, exportPlatformRows, releasableConfigs } from './command-line';
import { releaseTargets } from './targets';

export const name = '@codebuff/nx-release';
/** What the CLI's binary imports (npm packages, workspace projects); the bench's library baseline needs it too. */
export { binaryClosure } from './binary-closure';

/** Every folder with a release.config.json gets the compile/bundle/upload targets. */
export const createNodes: CreateNodes = [
  `**/${RELEASE_CONFIG_FILE}`,
  (files, _options, context) =>
    files.map((file) => {
      const projectRoot = dirname(file);
      const config = loadReleaseConfig(context.workspaceRoot, projectRoot);
      return [file, { projects: { [projectRoot]: { targets: releaseTargets(context.workspaceRoot, config) } } }] as const;
    }),
];

/**
 * Runs before Nx hashes and runs tasks; what it assigns to process.env reaches both.
 * - Nx keeps `--target` (and may keep `--version`) for itself and never hands them to a task;
 *   the hook reads the whole command line and passes them on as environment variables.
 * - Each platform row goes into its own variable, the hash input of that platform's tasks.
 * - So do each platform's pins from package-lock.json: its platform packages, its Bun runtime, and
 *   the npm packages its binary can bundle (see bundled-npm.ts for why Nx's own npm hash is not used).
 * Bad input (a non-semver version) fails here, before any task runs.
 */
export const preTasksExecution: PreTasksExecution = (_options, context) => {
  // Only the daemon outlives the command, so only there is anything to put back (postTasksExecution).
  const before = process.env.NX_DAEMON_PROCESS === 'true' ? { ...process.env } : undefined;
  applyCommandLine(context.argv, process.env, context.workspaceRoot);
  exportPlatformRows(process.env);
  const projects = releasableConfigs(context.workspaceRoot).map((config) => ({
    config,
    imported: binaryClosure(context.workspaceRoot, config).packages,
  }));
  exportNativeFingerprints(context.workspaceRoot, projects, process.env);
  if (before) {
    const changed = Object.keys(process.env).filter((key) => process.env[key] !== before[key]);
    assignedInDaemon = Object.fromEntries(changed.map((key) => [key, before[key]]));
  }
};

/** The daemon's variables as they were before the hook assigned its own, to put back after the tasks. */
let assignedInDaemon: Record<string, string | undefined> | undefined;

/**
 * Nx hands what the hook assigns to the command's tasks, but in the daemon the variables also stay
 * in the daemon's own environment until the next command's arrives. Left there, they differ from
 * that command's, and Nx recomputes the project graph for it (70–100 ms of a no-op). Put back.
 */
export const postTasksExecution: PostTasksExecution = () => {
  if (!assignedInDaemon) return;
  for (const [key, value] of Object.entries(assignedInDaemon)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  assignedInDaemon = undefined;
};
