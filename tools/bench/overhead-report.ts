/**
 * The build graph's section of BENCHMARKS.md: the overhead aims (issue 20), each daemon off (CI)
 * and on, against its baseline from the same run, with what the aim was before, and where each
 * aim's time goes.
 */
import { availableParallelism } from 'node:os';
import type { NoopSplit } from './time-split';
import { fmt, median, ratio, type Sample } from './measure';

export const MODES = ['off', 'on'] as const;
export type Mode = (typeof MODES)[number];

export interface Figures {
  nx: Record<Mode, { cold: Sample; noop: Sample; rerelease: Sample; onePlatform: Sample; sourceChange: Sample }>;
  naive: Sample;
  /** The same work through the library in one process, as many at once as there are cores (library-release.ts). */
  libraryCold: Sample;
  librarySource: Sample;
  libraryCompiles: Sample;
  /** linux-x64's whole work for the rows each mode's runs changed. */
  libraryOwn: Record<Mode, Sample>;
  /** The baseline the one-row aim had before: that platform's compile + bundle alone. */
  ownCompileBundle: Sample;
  /** A no-op with Nx's default, plugins isolated in a worker (the workspace's .env turns it off). */
  noopIsolated: Record<Mode, Sample>;
  nodeStart: Sample;
  /** Daemon off, after a source change: `nx run codebuff-cli:compile`, then `nx run codebuff-cli:bundle`. */
  compileCommand: number[];
  restCommand: number[];
  /**
   * One plain copy of what Nx's cache moves, daemon off: after a source change it restores the
   * natives and runtime chunks and writes the compiles', bundles' and release's outputs; a no-op restores all.
   */
  outputCopy: { restored: Sample; written: Sample; all: Sample };
  /** The same changes on a copy whose executors only put outputs in place (graph-alone.ts): what Nx itself costs. */
  graphAlone: Record<Mode, { sourceChange: Sample; onePlatform: Sample }>;
  /** Median seconds from a stand-in task worker's start to its executor's first line: Nx's own part of every task. */
  graphWorkerStart: number;
  /** Tasks a source change reruns: every platform's compile and bundle, and the aggregate. */
  sourceChangeTasks: number;
  noopSplit: NoopSplit;
  checks: string[];
}

/** What each aim measured before this issue (BENCHMARKS.md of 2026-12-02, daemon on; the issue's own daemon-off figures). */
const BEFORE = {
  sourceChange: '12.48 s = 0.37x the naive loop (daemon on); 19.4 s = 0.57x daemon off (the issue, on a fresh clone)',
  cold: '28.99 s = 0.86x (daemon on); 32.3 s = 0.95x daemon off (the issue)',
  noop: '2.15 s daemon on, 4.14 s daemon off',
  onePlatform: "15.90 s = 3.89x that platform's compile + bundle alone (4.09 s), daemon on",
};

const runs = (s: Sample) => s.runs.map(fmt).join(', ');
const met = (value: number, aim: number) => (value <= aim ? 'met' : 'missed');

export function overheadLines(f: Figures): string[] {
  const { nx, naive } = f;
  const r = (a: number, b: number) => a / b;
  const cell = (mode: Mode, pick: (m: Figures['nx'][Mode]) => Sample) => `${fmt(pick(nx[mode]).median)} (${runs(pick(nx[mode]))})`;
  const sc = (m: Mode) => nx[m].sourceChange.median;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  /** A row of the split: what it is, its median and runs, and its share of `whole`. */
  const part = (aim: string, what: string, value: number, runsText: string, whole: number) =>
    row([aim, what, fmt(value), runsText, ratio(value, whole)]);
  const both = (value: (m: Mode) => number, aim: number) => MODES.map((m) => `${ratio(value(m), 1)} ${met(value(m), aim)}`).join(' / ');

  const noopOff = nx.off.noop.median;
  // As many at once as library-release.ts runs them.
  const cores = availableParallelism();
  const compileCmd = median(f.compileCommand);
  const restCmd = median(f.restCommand);
  const libBundles = f.librarySource.median - f.libraryCompiles.median;
  const copies = f.outputCopy.restored.median + f.outputCopy.written.median;
  // The floor of any Nx release: the library's work plus what Nx costs for a command with nothing to run.
  const noop = (m: Mode) => nx[m].noop.median;
  const floor = (work: number) => MODES.map((m) => `${fmt(work + noop(m))}`).join(' / ');
  const floorRatio = (work: number, against: number) => MODES.map((m) => ratio(work + noop(m), against)).join(' / ');
  const allowance = (work: number, aim: number) => fmt(work * (aim - 1));
  const g = (m: Mode) => f.graphAlone[m];
  // The second floor: the work plus the graph alone. Nx holds one of its parallel slots for a task
  // from starting its worker until the task's outputs are in its cache, so what the graph alone
  // costs (measured with no work in it) adds to the slot time the work itself needs.
  const graphFloor = (work: number, graph: Sample) => work + graph.median;
  const cpuText = (s: Sample) => `${fmt(s.cpu.median)} CPU`;
  const workerStart = fmt(f.graphWorkerStart);
  // Nx's workers alone: each holds a slot from its start to its executor's first line. A changed
  // row runs four of its five tasks one after another (native, compile, bundle, aggregate).
  const ROW_CHAIN_TASKS = 4;
  const workers = (tasks: number, slots: number) =>
    `${tasks} × ${workerStart}${slots > 1 ? ` on ${slots} slots` : ' one after another'} = ${fmt((tasks * f.graphWorkerStart) / slots)}`;
  // Whether an aim lies below a floor (cannot be met through Nx) or above it, per mode.
  const againstFloor = (floorOf: (m: Mode) => number, aim: number, against: (m: Mode) => number) =>
    MODES.map(
      (m) =>
        `daemon ${m}: ${floorOf(m) > aim * against(m) ? 'the aim lies below the floor' : 'the floor is within the aim, not ruled out'}`,
    ).join('; ');
  const withNoop = (work: number) => (m: Mode) => work + noop(m);
  const sourceFloor = (m: Mode) => graphFloor(f.librarySource.median, g(m).sourceChange);
  const rowFloor = (m: Mode) => graphFloor(f.libraryOwn[m].median, g(m).onePlatform);
  // Runs on this shared machine vary by a third: the library's cold build can be the slower one.
  const coldAdds = (added: number) =>
    added >= 0
      ? `the Nx build adds ${fmt(added)} (daemon off) to the work: starting, hashing, a worker for each of the 21 tasks, and writing about 1.6 GB of outputs to the cache.`
      : `the Nx build (daemon off) measured ${fmt(-added)} less than the library's here, within this machine's spread between runs.`;
  return [
    '## Build graph: what the pipeline itself costs (daemon off as CI runs it, and on)',
    '',
    "The CLI measured is the real shape: a React terminal UI on OpenTUI (a native library per platform, fetched per target by the lockfile's pins), two workspace libraries, tree-sitter's wasm beside the binary. " +
      '"Daemon off" is how CI runs Nx (`NX_DAEMON=false`); both ways Nx runs the plugin in its own process, or the daemon\'s, as the workspace\'s `.env` sets (`NX_ISOLATE_PLUGINS=false`). ' +
      '"Library" baselines are the same stages through `@codebuff/release` in this one process, as many at once as Nx runs them (tools/bench/library-release.ts).',
    '',
    row(['aim', 'measurement', 'daemon off (runs)', 'daemon on (runs)', 'baseline, same run', 'ratio off / on', 'before this issue']),
    row(['---', '---', '---', '---', '---', '---', '---']),
    row([
      '≤ 1.15x the library',
      'release after a CLI source change: all five compiles and bundles rerun',
      cell('off', (m) => m.sourceChange),
      cell('on', (m) => m.sourceChange),
      `library, same work: ${fmt(f.librarySource.median)} (${runs(f.librarySource)})`,
      both((m) => r(sc(m), f.librarySource.median), 1.15),
      '',
    ]),
    row([
      '≤ 0.25x naive',
      'the same release',
      '',
      '',
      `naive loop: ${fmt(naive.median)} (${runs(naive)})`,
      both((m) => r(sc(m), naive.median), 0.25),
      BEFORE.sourceChange,
    ]),
    row([
      '≤ 0.45x naive',
      'cold build, `nx run codebuff-cli:bundle --skip-nx-cache`',
      cell('off', (m) => m.cold),
      cell('on', (m) => m.cold),
      `naive loop: ${fmt(naive.median)}`,
      both((m) => r(nx[m].cold.median, naive.median), 0.45),
      BEFORE.cold,
    ]),
    row([
      '≤ 2.0 s off, ≤ 1.0 s on',
      'nothing changed, `nx run codebuff-cli:bundle`',
      cell('off', (m) => m.noop),
      cell('on', (m) => m.noop),
      `\`node -e 0\`: ${fmt(f.nodeStart.median)}`,
      `${met(noopOff, 2.0)} / ${met(nx.on.noop.median, 1.0)}`,
      BEFORE.noop,
    ]),
    row([
      '≤ 1.3x its library work',
      "one platform's row changed (linux-x64; a different change each run)",
      cell('off', (m) => m.onePlatform),
      cell('on', (m) => m.onePlatform),
      `library, that platform's fetch, compile, runtime chunks, bundle, assemble: ${fmt(f.libraryOwn.off.median)} / ${fmt(f.libraryOwn.on.median)} (${runs(f.libraryOwn.off)}; ${runs(f.libraryOwn.on)})`,
      both((m) => r(nx[m].onePlatform.median, f.libraryOwn[m].median), 1.3),
      `${BEFORE.onePlatform}; against that same compile + bundle now (${fmt(f.ownCompileBundle.median)}): ${ratio(nx.off.onePlatform.median, f.ownCompileBundle.median)} / ${ratio(nx.on.onePlatform.median, f.ownCompileBundle.median)}`,
    ]),
    row([
      'about 1 s, nothing sent',
      're-release with nothing changed: `nx run codebuff-cli:upload --target=s3` again (s3rver)',
      cell('off', (m) => m.rerelease),
      cell('on', (m) => m.rerelease),
      '',
      '',
      '3.22 s (daemon on)',
    ]),
    '',
    `Baselines: the naive loop is Codebuff's own script (tools/bench/naive-loop.sh): swap the target's OpenTUI packages into node_modules, \`bun build --compile --minify\`, \`tar czf\` of the binary and tree-sitter.wasm, one platform after another, with the packages already fetched. Checks made while measuring: ${f.checks.join('; ')}.`,
    '',
    '## Where the time goes, per aim',
    '',
    row(['aim', 'part', 'median', 'runs', 'share']),
    row(['---', '---', '---', '---', '---']),
    part('source change', 'the release, daemon off', sc('off'), runs(nx.off.sourceChange), sc('off')),
    part('source change', "any Nx command's fixed cost: the no-op, daemon off", noopOff, runs(nx.off.noop), sc('off')),
    part('source change', `library: the five compiles, ${cores} at a time`, f.libraryCompiles.median, runs(f.libraryCompiles), sc('off')),
    part('source change', 'library: the five bundles from the chunk stores and the aggregate', libBundles, '', sc('off')),
    row([
      'source change',
      "one plain copy of what Nx's cache moves: restores (five natives and runtime chunk stores) + writes (five binaries with records, SBOMs, notices; five archives; the release)",
      `${fmt(f.outputCopy.restored.median)} + ${fmt(f.outputCopy.written.median)}`,
      `${runs(f.outputCopy.restored)}; ${runs(f.outputCopy.written)}`,
      ratio(copies, sc('off')),
    ]),
    ...MODES.map((m) =>
      part(
        'source change',
        `the graph alone, daemon ${m}: the same ${f.sourceChangeTasks} tasks through Nx, each executor a stand-in that only puts its outputs in place (${cpuText(g(m).sourceChange)})`,
        g(m).sourceChange.median,
        runs(g(m).sourceChange),
        sc('off'),
      ),
    ),
    part(
      'source change',
      `library: the same release (${cpuText(f.librarySource)})`,
      f.librarySource.median,
      runs(f.librarySource),
      sc('off'),
    ),
    part('source change', 'as two commands: `nx run codebuff-cli:compile`', compileCmd, f.compileCommand.map(fmt).join(', '), sc('off')),
    part('source change', 'then `nx run codebuff-cli:bundle` (bundles, aggregate)', restCmd, f.restCommand.map(fmt).join(', '), sc('off')),
    ...MODES.map((m) =>
      part(
        'one row',
        `the graph alone, daemon ${m}: the same five tasks with stand-ins (${cpuText(g(m).onePlatform)}); library, that platform: ${fmt(f.libraryOwn[m].median)} (${cpuText(f.libraryOwn[m])})`,
        g(m).onePlatform.median,
        runs(g(m).onePlatform),
        nx[m].onePlatform.median,
      ),
    ),
    row([
      'cold',
      'library: fetch, compile, compress runtimes, bundle, assemble (the work itself)',
      fmt(f.libraryCold.median),
      runs(f.libraryCold),
      `${ratio(f.libraryCold.median, naive.median)} of naive`,
    ]),
    part(
      'nothing changed',
      'daemon off: one copy of every output of the 21 tasks (Nx copies each back from its cache: without the daemon it cannot tell they are intact)',
      f.outputCopy.all.median,
      runs(f.outputCopy.all),
      noopOff,
    ),
    part(
      'nothing changed',
      'daemon off with Nx default plugin isolation (a plugin worker), which .env turns off',
      f.noopIsolated.off.median,
      runs(f.noopIsolated.off),
      noopOff,
    ),
    part(
      'nothing changed',
      'daemon on with Nx default plugin isolation (a fresh plugin worker for the hook on every run)',
      f.noopIsolated.on.median,
      runs(f.noopIsolated.on),
      noop('on'),
    ),
    row(['nothing changed', 'daemon on, with perf logging: whole command', `${Math.round(f.noopSplit.total)} ms`, '', '1.00x']),
    row([
      'nothing changed',
      "daemon on: Nx's round trip for the plugin's `preTasksExecution` (in the daemon's process)",
      `${Math.round(f.noopSplit.preTasksHook)} ms`,
      '',
      ratio(f.noopSplit.preTasksHook, f.noopSplit.total),
    ]),
    row([
      'nothing changed',
      'daemon on: hashing the tasks',
      `${Math.round(f.noopSplit.hashing)} ms`,
      '',
      ratio(f.noopSplit.hashing, f.noopSplit.total),
    ]),
    '',
    `- **The floor every aim meets**: an Nx command that has nothing to run costs ${fmt(noop('off'))} daemon off and ${fmt(noop('on'))} on (the no-op above), so no release through this graph can cost less than its library work plus that. Each aim below is compared with that floor, figures daemon off / on.`,
    `- **What Nx itself costs for a release** (the graph alone): the same changes on a copy of the workspace whose executors do none of the work, only put each task's outputs in place from a real release's (hard links; tools/bench/graph-alone.ts), cost ${MODES.map((m) => fmt(g(m).sourceChange.median)).join(' / ')} for a source change (${f.sourceChangeTasks} tasks) and ${MODES.map((m) => fmt(g(m).onePlatform.median)).join(' / ')} for one row (five). That is Nx starting and hashing, a worker per task (${workerStart} from Node's start to the executor's first line, measured in the stand-ins, before any of our code loads), and its cache: each task's outputs copied into it when the task ends (Nx 23.3.1's \`cache.put\`, a file copy in the kernel, on Nx's main thread), and daemon off every cached output copied back. Nx holds one of its parallel slots for a task from its worker's start until its outputs are in the cache, so this cost adds to the work's own time in each slot: a second floor, the library's work plus the graph alone, under which no release through this graph, with these outputs in Nx's cache, can go.`,
    `- **Source change**: 1.15x the library allows ${allowance(f.librarySource.median, 1.15)} over its ${fmt(f.librarySource.median)}; the graph alone costs ${MODES.map((m) => fmt(g(m).sourceChange.median)).join(' / ')}, and Nx's workers alone ${workers(f.sourceChangeTasks, cores)}. Floors: library + no-op ${floor(f.librarySource.median)} = ${floorRatio(f.librarySource.median, f.librarySource.median)} the library; library + the graph alone ${MODES.map((m) => fmt(sourceFloor(m))).join(' / ')} = ${MODES.map((m) => ratio(sourceFloor(m), f.librarySource.median)).join(' / ')} (${againstFloor(sourceFloor, 1.15, () => f.librarySource.median)}), ${MODES.map((m) => ratio(sourceFloor(m), naive.median)).join(' / ')} the naive loop (aim 0.25x; ${againstFloor(sourceFloor, 0.25, () => naive.median)}). The release measured ${MODES.map((m) => ratio(sc(m), f.librarySource.median)).join(' / ')}. Nx writes about 1 GB of new outputs into its cache (one plain copy of them: ${fmt(f.outputCopy.written.median)}; daemon off it also copies back the cached natives and runtime chunks: ${fmt(f.outputCopy.restored.median)}; plain \`cp\` timings on this shared disk vary by 2x or more).`,
    `- **Cold**: the work alone, through the library, is ${ratio(f.libraryCold.median, naive.median)} of the naive loop, ${f.libraryCold.median > 0.45 * naive.median ? 'above the 0.45x aim by itself' : 'within the 0.45x aim'}: a cold build fetches and unpacks five platforms' packages and runtimes (which the naive loop is handed ready) and compresses each runtime whole into the chunk store that makes every later release cheap. Its floor is ${floorRatio(f.libraryCold.median, naive.median)} of the naive loop (${againstFloor(withNoop(f.libraryCold.median), 0.45, () => naive.median)}); ${coldAdds(nx.off.cold.median - f.libraryCold.median)}`,
    `- **Nothing changed**: daemon off, the command is Node and Nx starting, the project graph (every plugin's createNodes runs again without the daemon), the plugin's hook in Nx's own process, hashing, and restoring the 21 tasks, which without the daemon means copying every output back from the cache (Nx 23.3.1's \`shouldCopyOutputsFromCacheBatch\`: "No daemon → can't verify on-disk outputs, always copy"; one plain \`cp\` of them took ${fmt(f.outputCopy.all.median)} here). Nx reads no TypeScript here: the plugin's package is linked into node_modules from a folder outside its project's root (before, every Nx process that resolved one of its executors read it, 0.25–0.35 s each; tools/executors/README.md). With Nx's default isolation, which the workspace's \`.env\` turns off, a plugin worker adds ${fmt(f.noopIsolated.off.median - noopOff)}. With the daemon, the hook runs in the daemon's process (round trip ${Math.round(f.noopSplit.preTasksHook)} ms; isolated, Nx starts a fresh plugin worker for it on every run: ${fmt(f.noopIsolated.on.median)} a no-op), and outputs on disk are checked against their recorded hashes instead of copied.`,
    `- **One row**: 1.3x that platform's library work allows ${MODES.map((m) => allowance(f.libraryOwn[m].median, 1.3)).join(' / ')}; the graph alone costs ${MODES.map((m) => fmt(g(m).onePlatform.median)).join(' / ')}, and the workers of the four tasks that run one after another ${workers(ROW_CHAIN_TASKS, 1)}. Floors: library + no-op ${MODES.map((m) => ratio(f.libraryOwn[m].median + noop(m), f.libraryOwn[m].median)).join(' / ')}; library + the graph alone ${MODES.map((m) => ratio(rowFloor(m), f.libraryOwn[m].median)).join(' / ')} (${againstFloor(rowFloor, 1.3, (m) => f.libraryOwn[m].median)}). Five tasks run (that platform's native, compile, runtime-chunks and bundle, and the aggregate), a worker each, four of them one after another; the compile and the runtime's compression run side by side, as in the library; the aggregate's release folder holds all five archives, which Nx copies into its cache again; daemon off, Nx also copies the other four platforms' 16 cached outputs back from its cache.`,
    '',
  ];
}
