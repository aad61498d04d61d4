/**
 * Where the time of the aims the bench misses goes, measured in the same run: what Bun's compile
 * costs on its own (the floor under a release after a source change), what one Nx task worker
 * adds around an executor, and what a no-op spends inside Nx (read from NX_PERF_LOGGING).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBinary, getPlatform, platforms, type PlatformSpec } from '@codebuff/release';
import { CLI_ROOT, nativeFor } from '@codebuff/testing/native';
import { runNx } from '@codebuff/testing/workspace';
import { fmt, median, ratio, type Sample, timeRuns } from './measure';

export interface TimeSplit {
  /** The five compiles straight through the library, one after another: no Nx at all. */
  compilesAlone: Sample;
  /** The linux-x64 compile through the library, and as one Nx task (`--skip-nx-cache`). */
  oneCompileLibrary: Sample;
  oneCompileNx: Sample;
  /** From a no-op's NX_PERF_LOGGING: milliseconds per phase, medians. */
  noop: { preTasksHook: number; hashing: number; total: number };
}

/** Compiles the CLI for `platforms`, one after another, straight through the library, into a scratch folder. */
async function compilePlatforms(platforms: readonly PlatformSpec[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-compiles-'));
  try {
    for (const platform of platforms) {
      const native = await nativeFor(platform.key); // fetched once, before the first timed run
      await compileBinary({
        platform,
        entry: join(CLI_ROOT, 'src/main.tsx'),
        outDir: join(dir, platform.key),
        version: '1.0.0',
        cwd: CLI_ROOT,
        native,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds of the first `Time taken for '<label>' N ms` line Nx's perf logging printed. */
function perfMs(output: string, label: string): number {
  const match = new RegExp(`Time taken for '${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' ([\\d.]+)ms`).exec(output);
  return match ? Number(match[1]) : Number.NaN;
}

/** Needs a workspace whose build is cached and whose daemon is running. */
export async function measureTimeSplit(root: string, runs: number, heavyRuns: number): Promise<TimeSplit> {
  const daemon = { NX_DAEMON: 'true' };
  const hook: number[] = [];
  const hashing: number[] = [];
  const totals = await timeRuns(runs, async () => {
    const run = await runNx(root, ['run', 'codebuff-cli:bundle'], { ...daemon, NX_PERF_LOGGING: 'true' });
    if (run.code !== 0) throw new Error(run.output);
    hook.push(perfMs(run.output, 'PRE_TASKS_EXECUTION round trip'));
    hashing.push(perfMs(run.output, 'hashMultipleTasks'));
  });
  const oneCompileNx = await timeRuns(heavyRuns, async () => {
    const run = await runNx(root, ['run', 'codebuff-cli:compile-linux-x64', '--skip-nx-cache'], daemon);
    if (run.code !== 0) throw new Error(run.output);
  });
  await compilePlatforms(platforms()); // fetches every platform's packages (tmp/test-native) outside the timed runs
  const oneCompileLibrary = await timeRuns(heavyRuns, () => compilePlatforms([getPlatform('linux-x64')]));
  const compilesAlone = await timeRuns(heavyRuns, () => compilePlatforms(platforms()));
  return {
    compilesAlone,
    oneCompileLibrary,
    oneCompileNx,
    noop: { preTasksHook: median(hook), hashing: median(hashing), total: totals.median * 1000 },
  };
}

/** The section of BENCHMARKS.md that says where the missed aims' time goes. */
export function timeSplitLines(
  split: TimeSplit,
  figures: { naive: number; sourceChange: number; cold: number; onePlatform: number; own: number; noop: number },
): string[] {
  const workerCost = split.oneCompileNx.median - split.oneCompileLibrary.median;
  const ms = (v: number) => `${Math.round(v)} ms`;
  return [
    '## Where the time goes, for the aims missed',
    '',
    '| measurement | median | runs | against | ratio |',
    '| --- | --- | --- | --- | --- |',
    `| the five compiles alone: \`compileBinary\` (\`Bun.build({ compile })\` with each platform's packages, and the guards), one after another, no Nx | ${fmt(split.compilesAlone.median)} | ${split.compilesAlone.runs.map(fmt).join(', ')} | (d) naive loop | ${ratio(split.compilesAlone.median, figures.naive)} |`,
    `| one compile (linux-x64) through the library | ${fmt(split.oneCompileLibrary.median)} | ${split.oneCompileLibrary.runs.map(fmt).join(', ')} | | |`,
    `| the same compile as an Nx command, \`nx run codebuff-cli:compile-linux-x64 --skip-nx-cache\` (daemon on; the flag reruns its native-linux-x64 too, a fetch from npm's cache) | ${fmt(split.oneCompileNx.median)} | ${split.oneCompileNx.runs.map(fmt).join(', ')} | the library call | ${ratio(split.oneCompileNx.median, split.oneCompileLibrary.median)} |`,
    `| no-op (b), whole command with perf logging | ${ms(split.noop.total)} | | | |`,
    `| no-op (b): Nx's pre-task hook round trip (Nx starts a fresh worker for the plugin's \`preTasksExecution\` on every run) | ${ms(split.noop.preTasksHook)} | | the no-op | ${ratio(split.noop.preTasksHook, split.noop.total)} |`,
    `| no-op (b): hashing the tasks (includes Nx loading TypeScript to resolve the local plugin's executors) | ${ms(split.noop.hashing)} | | the no-op | ${ratio(split.noop.hashing, split.noop.total)} |`,
    '',
    `- (e) release after a source change: the compiles alone, without Nx, take ${ratio(split.compilesAlone.median, figures.naive)} of the naive loop, so Bun's \`build --compile\` by itself is ${split.compilesAlone.median / figures.naive > 0.2 ? 'already above' : 'below'} the 0.20x aim; the release measured ${ratio(figures.sourceChange, figures.naive)}. The compiles and the bundles each run as one Nx batch (one worker per executor, two platforms at a time), and each bundle compresses only the chunks that changed.`,
    `- That Nx command costs ${fmt(workerCost)} more than the library call: the fixed cost of any Nx command here (the no-op (b), ${fmt(figures.noop)}: above all the pre-task hook's fresh worker and Nx loading TypeScript for the local plugin) and about ${fmt(Math.max(0, workerCost - figures.noop))} for the two tasks' workers (Nx's task runner, TypeScript and the transpiler load in every worker) and the refetch. (c) one row changed runs five tasks (the platform's native, compile, runtime-chunks and bundle, and the aggregate), four of them one after another, each in a worker of its own, and recompresses that platform's whole runtime: ${fmt(figures.onePlatform)} against ${fmt(figures.own)} of library work.`,
    `- (a) cold build: the compiles alone are ${ratio(split.compilesAlone.median, figures.naive)} of the naive loop, and a cold build also compresses all five runtimes whole (the "new, empty store" column of (f), per platform); it measured ${ratio(figures.cold, figures.naive)}.`,
    '',
  ];
}
