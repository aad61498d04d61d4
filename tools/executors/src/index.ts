import { dirname } from 'node:path';
import type { CreateNodes, PreTasksExecution } from '@nx/devkit';
import { loadReleaseConfig, RELEASE_CONFIG_FILE } from '@codebuff/release';
import { applyCommandLine } from './command-line';
import { releaseTargets } from './targets';

export const name = '@codebuff/nx-release';

/** Every folder with a release.config.json gets the compile/bundle/upload targets. */
export const createNodes: CreateNodes = [
  `**/${RELEASE_CONFIG_FILE}`,
  (files, _options, context) =>
    files.map((file) => {
      const projectRoot = dirname(file);
      const config = loadReleaseConfig(context.workspaceRoot, projectRoot);
      return [file, { projects: { [projectRoot]: { targets: releaseTargets(config) } } }] as const;
    }),
];

/**
 * Nx keeps `--target` and `--version` for itself and never hands them to a task; this hook
 * sees the whole command line and passes them on as environment variables, which Nx forwards
 * to the tasks (and VERSION into their hashes).
 */
export const preTasksExecution: PreTasksExecution = (_options, context) => {
  applyCommandLine(context.argv, process.env);
};
