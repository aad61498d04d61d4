import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every module an executor loads, worked out from its imports: the pipeline code that shapes a
 * task's output, so that exactly these files (and the npm packages they import) are the task's
 * inputs. A hand-kept list went stale once already: `version.ts`, which normalizes the version
 * baked into every binary, was imported by the compile but was not among its inputs.
 */
export interface ImportClosure {
  /** Workspace-relative paths, sorted. */
  files: string[];
  /** npm packages imported at run time (type-only imports leave no trace in the output), sorted. */
  packages: string[];
}

// Our own code only: static `import … from`, `export … from`, `import '…'`, `require('…')`,
// `import('…')`, and `require.resolve('…')` (a file handed to another program, such as the script
// Bun runs to compile). `import type` / `export type` are skipped: they are erased before anything runs.
const IMPORT_PATTERN =
  /(?:^|[;\s])(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\b(?:require(?:\.resolve)?|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.json', '/index.ts', '/index.tsx', '/index.js'];
const BUILTINS = new Set(builtinModules);

/**
 * `aliases` maps an import name to a workspace file (a tsconfig `paths` entry such as
 * `@codebuff/common` → `libs/common/src/index.ts`): followed like a relative import, so imports
 * by package name between projects are part of the closure.
 */
export function importClosure(
  workspaceRoot: string,
  entryFiles: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): ImportClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = entryFiles.map((f) => resolve(workspaceRoot, f));
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const key = relative(workspaceRoot, file).split('\\').join('/');
    if (files.has(key)) continue;
    files.add(key);
    if (file.endsWith('.json')) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(resolveRelative(file, specifier));
      else if (aliasTarget(specifier, aliases) !== undefined)
        pending.push(resolveFile(resolve(workspaceRoot, aliasTarget(specifier, aliases) as string), file, specifier));
      else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier)) packages.add(packageNameOf(specifier));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

export function importsOf(source: string): string[] {
  const found: string[] = [];
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const match of withoutComments.matchAll(IMPORT_PATTERN)) {
    if (match[1]) continue;
    found.push(match[2] ?? match[3]);
  }
  return found;
}

/**
 * The workspace path an alias maps `specifier` to: an exact entry (`@codebuff/common`), or a
 * wildcard one (`@codebuff/release/*` → `libs/release/src/*`), as TypeScript's `paths` match them.
 */
function aliasTarget(specifier: string, aliases: Readonly<Record<string, string>>): string | undefined {
  if (aliases[specifier]) return aliases[specifier];
  for (const [name, target] of Object.entries(aliases)) {
    if (name.endsWith('/*') && specifier.startsWith(name.slice(0, -1))) return target.replace('*', specifier.slice(name.length - 1));
  }
  return undefined;
}

function resolveRelative(fromFile: string, specifier: string): string {
  return resolveFile(join(dirname(fromFile), specifier), fromFile, specifier);
}

function resolveFile(base: string, fromFile: string, specifier: string): string {
  for (const extension of EXTENSIONS) {
    const candidate = base + extension;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${fromFile} imports ${specifier}, which resolves to no file`);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** tsconfig.base.json's `paths` (exact names and `name/*` wildcards): workspace packages imported by name. */
export function workspaceAliases(workspaceRoot: string): Record<string, string> {
  const config = JSON.parse(readFileSync(join(workspaceRoot, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions?: { paths?: Record<string, string[]> };
  };
  const aliases: Record<string, string> = {};
  for (const [name, targets] of Object.entries(config.compilerOptions?.paths ?? {})) {
    if (targets[0] && (!name.includes('*') || name.endsWith('/*'))) aliases[name] = targets[0];
  }
  return aliases;
}
