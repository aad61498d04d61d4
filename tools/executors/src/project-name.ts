import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The name Nx gives the project: project.json's, else package.json's, else the folder's. */
export function projectName(workspaceRoot: string, root: string): string {
  for (const file of ['project.json', 'package.json']) {
    const path = join(workspaceRoot, root, file);
    if (!existsSync(path)) continue;
    try {
      const name = (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name;
      if (typeof name === 'string') return name;
    } catch {
      // An unreadable file is reported by Nx itself.
    }
  }
  return basename(root);
}
