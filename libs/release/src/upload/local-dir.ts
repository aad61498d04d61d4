import { lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { ReleaseError } from '../errors';
import { whyNotWritable } from '../fs-errors';
import { BUILD_OUTPUT_ROOTS, DEFAULT_UPLOAD_DIR } from '../pipeline';

/**
 * The path with every symlink in it resolved, dangling ones too (a link to a dist/ that the next
 * build creates is still a way into it); the part that does not exist yet is kept as written.
 */
function realPathOf(path: string, depth = 0): string {
  if (depth > 40) throw new ReleaseError(`${path}: too many levels of symbolic links`);
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    const next = join(current, parts[i]);
    const stat = lstatOrUndefined(next);
    if (!stat) return join(next, ...parts.slice(i + 1));
    if (stat.isSymbolicLink()) return realPathOf(join(resolve(current, readlinkSync(next)), ...parts.slice(i + 1)), depth + 1);
    current = next;
  }
  return current;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Refuses a local upload folder that is empty, the workspace itself, or inside the build output
 * (`dist/release`, `dist/build`), however it is spelled (`..`, `./`, absolute, through a symlink):
 * the next bundle would delete what the upload wrote there, and the workspace root would get a
 * release copied over it. One line, before any work.
 */
export function checkLocalUploadDir(dir: string, workspaceRoot: string): void {
  if (dir.trim() === '') throw new ReleaseError(`--dir is empty: name the folder to upload into (default ${DEFAULT_UPLOAD_DIR})`);
  const target = realPathOf(resolve(workspaceRoot, dir));
  const root = realPathOf(resolve(workspaceRoot));
  if (target === root)
    throw new ReleaseError(`--dir ${dir} is the workspace itself; upload into a folder of its own, such as ${DEFAULT_UPLOAD_DIR}`);
  for (const output of BUILD_OUTPUT_ROOTS) {
    if (inside(target, realPathOf(join(root, output)))) {
      throw new ReleaseError(
        `--dir ${dir} is inside ${output}, which every build rewrites (what the upload wrote would be deleted); upload elsewhere, such as ${DEFAULT_UPLOAD_DIR}`,
      );
    }
  }
  const unwritable = whyNotWritable(target);
  if (unwritable) throw new ReleaseError(`--dir ${dir} cannot be written: ${unwritable}; upload into a folder you can write to`);
}
