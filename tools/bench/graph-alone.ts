/**
 * The graph alone: a copy of the workspace whose executors do none of the work. Each task's
 * stand-in (stand-in-executor.js) puts the task's outputs in place from a real release's, by hard
 * links, so an Nx command there costs only what Nx itself does for this graph: starting, hashing,
 * a worker per task, and moving every output into (and, daemon off, out of) its cache. The same
 * changes as the real scenarios rerun the same tasks.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { copyWorkspace, type TestWorkspace } from '@codebuff/testing/workspace';

const PACKAGE = 'tools/executors/package';

export interface StandInWorkspace extends TestWorkspace {
  /** Seconds from each stand-in worker's start (Node's) to its executor's first line, so far. */
  workerStarts: () => number[];
}

/** A workspace copy running stand-ins for every executor, which place `releasedRoot`'s dist. */
export function standInWorkspace(releasedRoot: string): StandInWorkspace {
  const ws = copyWorkspace('codebuff-bench-graph-');
  const stash = mkdtempSync(join(tmpdir(), 'bench-stash-'));
  // Hard links: the stash costs nothing and holds the outputs whatever happens to releasedRoot's.
  execFileSync('cp', ['-al', join(releasedRoot, 'dist'), join(stash, 'dist')]);
  const pkg = mkdtempSync(join(tmpdir(), 'bench-stand-in-'));
  copyFileSync(join(__dirname, 'stand-in-executor.js'), join(pkg, 'stand-in-executor.js'));
  writeFileSync(join(pkg, 'stash.json'), JSON.stringify({ stash }));
  // The real executors' names and schemas (Nx checks options against them), one implementation.
  const real = JSON.parse(readFileSync(join(ws.root, PACKAGE, 'executors.json'), 'utf8')) as {
    executors: Record<string, { schema: string }>;
  };
  const executors = Object.fromEntries(
    Object.entries(real.executors).map(([name, { schema }]) => [
      name,
      { implementation: './stand-in-executor.js', schema: relative(pkg, resolve(ws.root, PACKAGE, schema)), description: 'bench stand-in' },
    ]),
  );
  writeFileSync(join(pkg, 'executors.json'), JSON.stringify({ executors }));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@codebuff/nx-release', private: true, executors: './executors.json' }));
  // Nx finds executors through the package's link; the plugin (nx.json) and every task input stay
  // the real ones, so each task's hash is what it is in the real workspace.
  const link = join(ws.root, 'node_modules/@codebuff/nx-release');
  rmSync(link);
  symlinkSync(pkg, link, 'dir');
  return {
    root: ws.root,
    workerStarts: () => readFileSync(join(pkg, 'worker-starts.log'), 'utf8').trim().split('\n').map(Number),
    dispose: () => {
      ws.dispose();
      for (const dir of [stash, pkg]) rmSync(dir, { recursive: true, force: true });
    },
  };
}
