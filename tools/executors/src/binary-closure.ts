import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedReleaseConfig } from '@codebuff/release/config';
import { projectName } from './project-name';
import { importClosure, workspaceAliases } from './import-closure';

/** What a CLI's binary is built from, beyond its own folder. */
export interface BinaryClosure {
  /** Workspace projects the CLI imports by package name (directly or through each other). */
  projects: string[];
  /** npm packages imported by the CLI and those projects. */
  packages: string[];
}

/**
 * Follows the CLI's imports from its entry, into workspace libraries by their package names
 * (tsconfig.base.json's `paths`). Bun's metafile is the final word: the compile's guard refuses a
 * bundled file or package that this closure, and so the task's hash, missed.
 */
export function binaryClosure(workspaceRoot: string, config: Pick<LoadedReleaseConfig, 'projectRoot' | 'entry'>): BinaryClosure {
  const closure = importClosure(workspaceRoot, [join(config.projectRoot, config.entry)], workspaceAliases(workspaceRoot));
  const roots = new Set(closure.files.map((file) => projectRootOf(workspaceRoot, file)));
  roots.delete(config.projectRoot);
  roots.delete('');
  return { projects: [...roots].map((root) => projectName(workspaceRoot, root)).sort(), packages: closure.packages };
}

/** The nearest folder above a workspace file with a project.json or package.json ('' for the root). */
function projectRootOf(workspaceRoot: string, file: string): string {
  for (let dir = dirname(file); dir !== '.' && dir !== '/'; dir = dirname(dir)) {
    if (existsSync(join(workspaceRoot, dir, 'project.json')) || existsSync(join(workspaceRoot, dir, 'package.json'))) return dir;
  }
  return '';
}
