/**
 * Where a no-op's time goes inside Nx, read from NX_PERF_LOGGING with the daemon on (without the
 * daemon, this Nx prints only its first measures), and what Nx's cache costs to write or restore
 * outputs, measured as one plain copy of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNx } from '@codebuff/testing/workspace';
import { median, type Sample, timeRuns } from './measure';

/** Milliseconds of the first `Time taken for '<label>' N ms` line Nx's perf logging printed. */
function perfMs(output: string, label: string): number {
  const match = new RegExp(`Time taken for '${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' ([\\d.]+)ms`).exec(output);
  return match ? Number(match[1]) : Number.NaN;
}

export interface NoopSplit {
  /** The whole command with perf logging, and Nx's round trip for the plugin's preTasksExecution hook, and hashing: ms. */
  total: number;
  preTasksHook: number;
  hashing: number;
}

/** Needs a workspace whose build is cached and whose daemon is running. */
export async function measureNoopSplit(root: string, runs: number): Promise<NoopSplit> {
  const hook: number[] = [];
  const hashing: number[] = [];
  const totals = await timeRuns(runs, async () => {
    const run = await runNx(root, ['run', 'codebuff-cli:bundle'], { NX_DAEMON: 'true', NX_PERF_LOGGING: 'true' });
    if (run.code !== 0) throw new Error(run.output);
    hook.push(perfMs(run.output, 'PRE_TASKS_EXECUTION round trip'));
    hashing.push(perfMs(run.output, 'hashMultipleTasks'));
  });
  return { total: totals.median * 1000, preTasksHook: median(hook), hashing: median(hashing) };
}

/** One plain copy of `dirs`, as Nx's cache makes of task outputs it writes or (daemon off) restores. */
export async function measureOutputCopy(dirs: readonly string[], runs: number): Promise<Sample> {
  const copies: string[] = [];
  try {
    return await timeRuns(runs, async () => {
      const into = mkdtempSync(join(tmpdir(), 'bench-copy-'));
      copies.push(into);
      // coreutils' cp, whose plain read/write loop is close to the cache's own copy (Node's cpSync is far slower).
      for (const [i, dir] of dirs.entries()) execFileSync('cp', ['-r', dir, join(into, String(i))]);
    });
  } finally {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  }
}
