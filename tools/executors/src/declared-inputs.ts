import type { ExecutorContext } from '@nx/devkit';
// The same resolver behind `nx show target --inputs`: Nx's own hash plan for the task, so the
// compile's guard checks against exactly what Nx hashes, not a second reading of the globs.
// (Not part of @nx/devkit; Nx is pinned, and the nx-graph tests break if this module moves.)
import { getTaskRawInputs } from 'nx/src/hasher/check-task-files';
import type { DeclaredInputs } from '@codebuff/release/compile/bundled-inputs';
import { ReleaseError } from '@codebuff/release/errors';

/** The files and npm packages (with the versions the lockfile pins) that the running task's hash covers. */
export async function declaredInputsOf(context: ExecutorContext): Promise<DeclaredInputs> {
  const task = `${context.projectName}:${context.targetName}`;
  const raw = await getTaskRawInputs(task, { projectGraph: context.projectGraph, nxJson: context.nxJsonConfiguration });
  if (!raw) throw new ReleaseError(`${task}: Nx could not say what the task's inputs are`);
  const packages = new Map<string, Set<string>>();
  for (const name of raw.external) {
    const node = context.projectGraph.externalNodes?.[name];
    if (!node?.data.packageName) continue;
    const versions = packages.get(node.data.packageName) ?? new Set<string>();
    versions.add(node.data.version);
    packages.set(node.data.packageName, versions);
  }
  return { task, files: new Set(raw.files), packages };
}
