import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { importClosure, packageNameOf, workspaceAliases } from './import-closure';

type Input = NonNullable<TargetConfiguration['inputs']>[number];

const PLUGIN_ROOT = join(__dirname, '..');

/** The cached executors whose own code shapes what they write. */
const CACHED_EXECUTORS = ['native', 'compile', 'runtime-chunks', 'bundle-platform', 'bundle'] as const;
type CachedExecutor = (typeof CACHED_EXECUTORS)[number];

/** What turns an executor's sources into the code Nx runs (see prebuilt.js and package/). */
const PREBUILT_LOADERS = ['prebuilt.js', 'package/executors.js', 'package/executors.json'];

/**
 * Files that a module reads at run time instead of importing, so that no import graph shows them:
 * the module, and a glob of what it reads. Whoever loads the module depends on those files too.
 */
const READ_AT_RUN_TIME: Readonly<Record<string, string>> = {
  // The installers' templates (the bundle target's assemble writes the installers).
  'libs/release/src/installers/render-template.ts': 'libs/release/src/installers/templates/*.tmpl',
};

/**
 * For each cached executor: every workspace file it loads and every npm package it imports, from
 * its import graph (see import-closure.ts), the files its modules read at run time, and the pinned
 * `bun` package, which builds every executor (prebuilt.js) and runs the compiler and compressor.
 */
export function pipelineInputs(workspaceRoot: string): Record<CachedExecutor, Input[]> {
  const aliases = workspaceAliases(workspaceRoot);
  const inputsOf = (name: CachedExecutor): Input[] => {
    // Nx runs the executor prebuilt by prebuilt.js from exactly these sources; the loader files
    // and the pinned Bun (which bundles it) are inputs too.
    const entry = join(PLUGIN_ROOT, 'src', 'executors', name, 'executor.ts');
    const closure = importClosure(workspaceRoot, [entry], aliases);
    const readFiles = closure.files.flatMap((f) => (f in READ_AT_RUN_TIME ? [READ_AT_RUN_TIME[f]] : []));
    const loaders = PREBUILT_LOADERS.map((f) => relative(workspaceRoot, join(PLUGIN_ROOT, f)).split('\\').join('/'));
    return [
      ...[...closure.files, ...readFiles, ...loaders].map((f) => `{workspaceRoot}/${f}`),
      { externalDependencies: [...new Set(['bun', ...closure.packages])] },
    ];
  };
  return Object.fromEntries(CACHED_EXECUTORS.map((name) => [name, inputsOf(name)])) as Record<CachedExecutor, Input[]>;
}

/**
 * Configuration that steers how Bun resolves the CLI's imports: the project's tsconfig and every
 * tsconfig it extends, whole (their `paths` map import names to files; Nx on its own hashes only
 * part of the root tsconfig), and a `bunfig.toml` beside the project or at the root.
 */
export function resolutionConfigInputs(workspaceRoot: string, projectRoot: string): Input[] {
  const inputs: Input[] = ['{projectRoot}/bunfig.toml', '{workspaceRoot}/bunfig.toml'];
  const packages: string[] = [];
  let file: string | undefined = join(workspaceRoot, projectRoot, 'tsconfig.json');
  const seen = new Set<string>();
  while (file && existsSync(file) && !seen.has(file)) {
    seen.add(file);
    inputs.push(`{workspaceRoot}/${relative(workspaceRoot, file).split('\\').join('/')}`);
    const extended = (JSON.parse(readFileSync(file, 'utf8')) as { extends?: string }).extends;
    if (extended === undefined) break;
    if (extended.startsWith('.')) {
      file = join(dirname(file), extended.endsWith('.json') ? extended : `${extended}.json`);
    } else {
      packages.push(packageNameOf(extended));
      file = undefined;
    }
  }
  return packages.length > 0 ? [...inputs, { externalDependencies: packages }] : inputs;
}

/**
 * The files packed beside the binary (release.config.json's `files`): a workspace file by its
 * contents; a file inside an npm package by that package's pin in the lockfile (Nx does not hash
 * node_modules, and the pin fixes the contents).
 */
export function filesInputs(files: readonly string[]): Input[] {
  const inside = (f: string) => f.startsWith('node_modules/');
  const packages = [...new Set(files.filter(inside).map((f) => packageNameOf(f.slice('node_modules/'.length))))];
  const inputs: Input[] = files.filter((f) => !inside(f)).map((f) => `{workspaceRoot}/${f}`);
  return packages.length > 0 ? [...inputs, { externalDependencies: packages }] : inputs;
}
