import type { ExecutorContext } from '@nx/devkit';
import { isReleaseError } from '@codebuff/release/errors';

export interface ProjectPaths {
  workspaceRoot: string;
  projectRoot: string;
}

export function projectPaths(context: ExecutorContext): ProjectPaths {
  const name = context.projectName;
  const project = name ? context.projectsConfigurations?.projects[name] : undefined;
  if (!project) throw new Error('executor run without a project');
  return { workspaceRoot: context.root, projectRoot: project.root };
}

/**
 * Runs an executor body and turns a ReleaseError into one clear line and a failed task;
 * anything else is a bug and keeps its stack.
 */
export async function runExecutor(body: () => Promise<void>): Promise<{ success: boolean }> {
  try {
    await body();
    return { success: true };
  } catch (error) {
    if (isReleaseError(error)) {
      console.error(`error: ${error.message}`);
      return { success: false };
    }
    throw error;
  }
}
