import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { runNx, WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import type { RepoFacts } from './commands';

interface GraphTarget {
  executor?: string;
}

interface ProjectGraphFile {
  graph: { nodes: Record<string, { data: { root: string; targets?: Record<string, GraphTarget> } }> };
}

export interface NxFacts {
  targets: Map<string, Set<string>>;
  options: Map<string, Set<string>>;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The folder of an executor package: a workspace project of that name, else node_modules. */
function packageDir(root: string, name: string, projectRoots: string[]): string | undefined {
  for (const projectRoot of projectRoots) {
    const pkg = join(root, projectRoot, 'package.json');
    if (existsSync(pkg) && readJson<{ name?: string }>(pkg).name === name) return join(root, projectRoot);
  }
  // A linked package (npm's file: dependencies) by its real folder: its manifests name paths such as ../src.
  const installed = join(root, 'node_modules', name);
  return existsSync(join(installed, 'package.json')) ? realpathSync(installed) : undefined;
}

/** The option names in an executor's schema.json ("pkg:name"); undefined when it cannot be found. */
function executorOptions(root: string, executor: string, projectRoots: string[]): Set<string> | undefined {
  const at = executor.lastIndexOf(':');
  const dir = packageDir(root, executor.slice(0, at), projectRoots);
  if (!dir) return undefined;
  const manifest = readJson<{ executors?: string }>(join(dir, 'package.json')).executors;
  if (!manifest) return undefined;
  const entry = readJson<{ executors?: Record<string, { schema?: string }> }>(join(dir, manifest)).executors?.[executor.slice(at + 1)];
  if (!entry?.schema) return undefined;
  const schema = readJson<{ properties?: Record<string, unknown> }>(join(dir, dirname(manifest), entry.schema));
  return new Set(Object.keys(schema.properties ?? {}));
}

/** Every project's targets, and its executors' options, as the real Nx of this workspace computes them. */
export async function nxFacts(root = WORKSPACE_ROOT): Promise<NxFacts> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
  let graph: ProjectGraphFile['graph'];
  try {
    const file = join(dir, 'graph.json');
    const result = await runNx(root, ['graph', `--file=${file}`]);
    if (result.code !== 0) throw new Error(`nx graph failed:\n${result.output}`);
    ({ graph } = readJson<ProjectGraphFile>(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const projectRoots = Object.values(graph.nodes).map((n) => n.data.root);
  const targets = new Map<string, Set<string>>();
  const options = new Map<string, Set<string>>();
  for (const [project, node] of Object.entries(graph.nodes)) {
    targets.set(project, new Set(Object.keys(node.data.targets ?? {})));
    for (const [target, definition] of Object.entries(node.data.targets ?? {})) {
      const known = definition.executor?.includes(':') ? executorOptions(root, definition.executor, projectRoots) : undefined;
      if (known) options.set(`${project}:${target}`, known);
    }
  }
  return { targets, options };
}

export async function repoFacts(root = WORKSPACE_ROOT): Promise<RepoFacts> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return {
    ...(await nxFacts(root)),
    scripts: new Set(Object.keys(pkg.scripts ?? {})),
    bins: new Set(readdirSync(join(root, 'node_modules', '.bin'))),
    exists: (path) => {
      const full = resolve(root, path);
      return (full === root || full.startsWith(root + sep)) && existsSync(full);
    },
  };
}
