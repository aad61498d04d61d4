/**
 * `npm run bench`: measures the build graph and uploads on this machine, each figure against a
 * baseline measured in the same run, and writes BENCHMARKS.md. Medians, because the machines
 * here are shared and noisy. Every Nx scenario runs twice: without the daemon as CI runs it
 * (CI_NX_ENV: NX_DAEMON=false) and with the daemon; both with the plugin in Nx's process (.env).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlatform, bunVersion, compileBinary, getPlatform, platforms, ZIP_EPOCH } from '@codebuff/release';
import { BUNDLE, BUNDLE_PLATFORM, COMPILE, NATIVE, RUNTIME_CHUNKS, type Stage } from '@codebuff/release/pipeline';
import { CLI_ROOT, nativeFor } from '@codebuff/testing/native';
import { startS3rver } from '@codebuff/testing/s3rver';
import { copyWorkspace, runCommand, runNx, taskOutcome, WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import { benchCompression } from './compression';
import { standInWorkspace } from './graph-alone';
import { type LibraryRelease, libraryRelease } from './library-release';
import { median, timeRuns } from './measure';
import { type Figures, MODES, type Mode, overheadLines } from './overhead-report';
import { measureNoopSplit, measureOutputCopy } from './time-split';
import { benchUpload } from './upload';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HEAVY_RUNS = Number(process.env.BENCH_HEAVY_RUNS ?? 2);
const SIBLINGS = [{ name: 'tree-sitter.wasm', path: join(WORKSPACE_ROOT, 'node_modules/web-tree-sitter/tree-sitter.wasm') }];
const MODE_ENV: Record<Mode, NodeJS.ProcessEnv> = { off: {}, on: { NX_DAEMON: 'true' } };
/** linux-x64's row, changed a different way for each timed run: a row Nx has cached is no change. */
const ROW_VARIANTS: Record<Mode, { bunTarget: string; archive: 'tar.gz' | 'zip' }[]> = {
  off: [
    { bunTarget: 'bun-linux-x64', archive: 'tar.gz' },
    { bunTarget: 'bun-linux-x64-musl', archive: 'tar.gz' },
  ],
  on: [
    { bunTarget: 'bun-linux-x64', archive: 'zip' },
    { bunTarget: 'bun-linux-x64-musl', archive: 'zip' },
  ],
};

const ROW = '{ "key": "linux-x64", "bunTarget": "bun-linux-x64-baseline", "archive": "tar.gz" }';

/** linux-x64's row of `root`'s platform table, set to one of a mode's variants, and put back. */
function platformRow(root: string) {
  const path = join(root, 'libs/release/src/platform-table.json');
  const table = readFileSync(path, 'utf8');
  if (!table.includes(ROW)) throw new Error(`linux-x64's row is no longer ${ROW}: update the bench`);
  return {
    set: (mode: Mode, i: number) => writeFileSync(path, table.replace(ROW, JSON.stringify({ key: 'linux-x64', ...ROW_VARIANTS[mode][i] }))),
    restore: () => writeFileSync(path, table),
  };
}

/**
 * The CLI's entry in `root`, a user-visible string edited a different way each time, so all five
 * compiles and bundles rerun; the platforms' packages and Bun's compressed runtime stay cached.
 */
function cliSource(root: string) {
  const path = join(root, 'apps/codebuff-cli/src/main.tsx');
  const source = readFileSync(path, 'utf8');
  let edits = 0;
  return {
    edit: () => writeFileSync(path, source.replace('running on: ', `running ${++edits} on: `)),
    restore: () => writeFileSync(path, source),
  };
}

async function nxOk(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  // As many tasks at once as the library baselines run (one per core), as the release workflow sets it.
  const run = await runNx(root, args, { NX_PARALLEL: '100%', ...env });
  if (run.code !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${run.output}`);
  return run.output;
}

const step = (what: string) => process.stderr.write(`${what}...\n`);

/** The library baselines' scratch folders, removed between timed runs (untimed). */
const scratches: string[] = [];
const clearScratch = () => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
};
const throughLibrary = (root: string, options: LibraryRelease) => async () => void scratches.push(await libraryRelease(root, options));

async function main() {
  // A node_modules of its own: the naive loop swaps each target's OpenTUI packages into it.
  const ws = copyWorkspace('codebuff-bench-');
  const lines: string[] = [];
  try {
    const bundleAll = ['run', 'codebuff-cli:bundle'];
    const checks: string[] = [];
    const f = { off: {}, on: {} } as Figures['nx'];

    for (const mode of MODES) {
      step(`cold builds, daemon ${mode}`);
      if (mode === 'on') await nxOk(ws.root, bundleAll, MODE_ENV.on); // starts the daemon
      f[mode].cold = await timeRuns(HEAVY_RUNS, async () => void (await nxOk(ws.root, [...bundleAll, '--skip-nx-cache'], MODE_ENV[mode])));
    }
    step('cold builds through the library');
    const libraryCold = await timeRuns(HEAVY_RUNS, throughLibrary(ws.root, { fresh: platforms(), cold: true }), clearScratch);
    clearScratch();

    step('naive loop');
    const naive = await timeRuns(HEAVY_RUNS, async () => {
      const out = mkdtempSync(join(tmpdir(), 'naive-'));
      execFileSync(join(__dirname, 'naive-loop.sh'), [out, ws.root]);
      rmSync(out, { recursive: true, force: true });
    });

    step('no-op runs');
    let allCached = true;
    for (const mode of MODES) {
      await nxOk(ws.root, bundleAll, MODE_ENV[mode]);
      f[mode].noop = await timeRuns(mode === 'on' ? RUNS + 2 : RUNS, async () => {
        allCached &&= taskOutcome(await nxOk(ws.root, bundleAll, MODE_ENV[mode])).ran.length === 0;
      });
    }
    // Nx's default, the plugin in a worker of its own, which the workspace's .env turns off.
    const noopIsolated = {} as Figures['noopIsolated'];
    for (const mode of MODES) {
      const isolated = { ...MODE_ENV[mode], NX_ISOLATE_PLUGINS: 'true' };
      // A running daemon keeps the plugins it has loaded, where it loaded them: measure isolation in
      // a daemon started with it, then go back to one started as the workspace's .env says.
      if (mode === 'on') await nxOk(ws.root, ['daemon', '--stop'], MODE_ENV.on);
      await nxOk(ws.root, bundleAll, isolated);
      noopIsolated[mode] = await timeRuns(RUNS, async () => void (await nxOk(ws.root, bundleAll, isolated)));
      if (mode === 'on') {
        await nxOk(ws.root, ['daemon', '--stop'], MODE_ENV.on);
        await nxOk(ws.root, bundleAll, MODE_ENV.on);
      }
    }
    const nodeStart = await timeRuns(RUNS, async () => void (await runCommand(process.execPath, ['-e', '0'], { cwd: ws.root })));
    checks.push(`every no-op run restored all tasks from cache: ${allCached ? 'yes' : 'NO'}`);

    step('re-release with nothing changed');
    const s3 = await startS3rver(['releases']);
    const s3Env = {
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const uploadArgs = ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`];
    await nxOk(ws.root, [...uploadArgs, '--quiet'], s3Env);
    const sent: string[] = [];
    for (const mode of MODES) {
      f[mode].rerelease = await timeRuns(RUNS, async () => {
        sent.push(/sent ([\d.]+ \w+)/.exec(await nxOk(ws.root, uploadArgs, { ...s3Env, ...MODE_ENV[mode] }))?.[1] ?? '?');
      });
    }
    await s3.close();
    checks.push(`bytes sent by each re-release: ${sent.join(', ')}`);

    step('one-platform changes');
    const rows = platformRow(ws.root);
    const ran: string[] = [];
    const libraryOwn = {} as Figures['libraryOwn'];
    for (const mode of MODES) {
      const variants = ROW_VARIANTS[mode];
      f[mode].onePlatform = await timeRuns(
        variants.length,
        async () => void ran.push(taskOutcome(await nxOk(ws.root, bundleAll, MODE_ENV[mode])).ran.join(' + ')),
        (i) => rows.set(mode, i),
      );
      rows.restore();
      // The same platform's whole work through the library: fetch, compile, runtime chunks, bundle, assemble.
      const specs = variants.map((v) => ({ ...getPlatform('linux-x64'), ...v }));
      libraryOwn[mode] = await timeRuns(variants.length, (i) => throughLibrary(ws.root, { fresh: [specs[i]], cold: true })(), clearScratch);
      clearScratch();
    }
    checks.push(`tasks run after each one-row change: ${ran.join('; ')}`);
    // The figure the aims before this issue compared with: that platform's compile + bundle alone.
    const ownSpecs = ROW_VARIANTS.off.map((v) => ({ ...getPlatform('linux-x64'), ...v }));
    const ownNative = await Promise.all(ownSpecs.map((spec) => nativeFor(spec)));
    const ownCompileBundle = await timeRuns(ownSpecs.length, async (i) => {
      const dir = mkdtempSync(join(tmpdir(), 'own-'));
      const common = { platform: ownSpecs[i] };
      await compileBinary({
        ...common,
        entry: join(CLI_ROOT, 'src/main.tsx'),
        outDir: join(dir, 'bin'),
        version: '1.0.0',
        cwd: CLI_ROOT,
        native: ownNative[i],
      });
      await bundlePlatform({
        ...common,
        binDir: join(dir, 'bin'),
        outDir: join(dir, 'bundle'),
        sourceDateEpoch: ZIP_EPOCH,
        files: SIBLINGS,
      });
      rmSync(dir, { recursive: true, force: true });
    });
    await nxOk(ws.root, bundleAll); // back to the normal build

    step('releases after a CLI source change');
    const source = cliSource(ws.root);
    const editSource = source.edit;
    const chunkCounts: string[] = [];
    for (const mode of MODES) {
      f[mode].sourceChange = await timeRuns(
        HEAVY_RUNS,
        async () => {
          const output = await nxOk(ws.root, bundleAll, MODE_ENV[mode]);
          chunkCounts.push([...output.matchAll(/ (\d+) of (\d+) chunks compressed/g)].map((m) => `${m[1]}/${m[2]}`).join(' '));
        },
        editSource,
      );
    }
    checks.push(`chunks compressed / distinct chunks per bundle after each source change: ${chunkCounts.join('; ')}`);
    const editFresh = () => {
      clearScratch();
      editSource();
    };
    const librarySource = await timeRuns(HEAVY_RUNS, throughLibrary(ws.root, { fresh: platforms(), cold: false }), editFresh);
    const libraryCompiles = await timeRuns(
      HEAVY_RUNS,
      throughLibrary(ws.root, { fresh: platforms(), cold: false, compileOnly: true }),
      editFresh,
    );
    clearScratch();
    // The same release in two Nx commands, daemon off: the five compiles, then the rest.
    const compileCommand: number[] = [];
    const restCommand: number[] = [];
    for (let i = 0; i < HEAVY_RUNS; i++) {
      editSource();
      compileCommand.push((await timeRuns(1, async () => void (await nxOk(ws.root, ['run', 'codebuff-cli:compile'])))).median);
      restCommand.push((await timeRuns(1, async () => void (await nxOk(ws.root, bundleAll)))).median);
    }
    // What Nx's cache moves, as one plain copy each (Nx copies files into and out of its cache).
    const dirsOf = (stages: Stage[]) => stages.flatMap((stage) => platforms().map((p) => join(ws.root, stage.writes, p.key)));
    const outputCopy = {
      // Daemon off, a source change restores the cached natives and runtime chunks: without the
      // daemon Nx cannot tell that outputs on disk are intact, so every cache hit is copied back.
      restored: await measureOutputCopy(dirsOf([NATIVE, RUNTIME_CHUNKS]), HEAVY_RUNS),
      // ...and writes the compiles', bundles' and the release's outputs into the cache.
      written: await measureOutputCopy([...dirsOf([COMPILE, BUNDLE_PLATFORM]), join(ws.root, BUNDLE.writes)], HEAVY_RUNS),
      // A no-op restores everything.
      all: await measureOutputCopy([join(ws.root, 'dist')], HEAVY_RUNS),
    };
    source.restore();
    await nxOk(ws.root, bundleAll, MODE_ENV.on);

    step('where a no-op goes');
    const noopSplit = await measureNoopSplit(ws.root, RUNS);
    await nxOk(ws.root, ['daemon', '--stop']);

    step('the graph alone: the same changes with stand-in executors');
    const sourceChangeTasks = 2 * platforms().length + 1;
    const graphAlone = { off: {}, on: {} } as Figures['graphAlone'];
    const aloneRan: string[] = [];
    let graphWorkerStart = Number.NaN;
    const alone = standInWorkspace(ws.root);
    try {
      const [aloneSource, aloneRows] = [cliSource(alone.root), platformRow(alone.root)];
      // The same tasks must rerun as in the real scenarios, or the figure is of something else.
      const runAlone = async (mode: Mode, tasks: number) => {
        const count = taskOutcome(await nxOk(alone.root, bundleAll, MODE_ENV[mode])).ran.length;
        if (count !== tasks) throw new Error(`the graph alone ran ${count} tasks where the real change runs ${tasks}`);
        aloneRan.push(String(count));
      };
      const rowTasks = ran[0].split(' + ').length;
      for (const mode of MODES) {
        await nxOk(alone.root, bundleAll, MODE_ENV[mode]); // fills its cache (and starts its daemon)
        graphAlone[mode] = {
          sourceChange: await timeRuns(RUNS, () => runAlone(mode, sourceChangeTasks), aloneSource.edit),
          onePlatform: await timeRuns(
            ROW_VARIANTS[mode].length,
            () => runAlone(mode, rowTasks),
            (i) => aloneRows.set(mode, i),
          ),
        };
        aloneRows.restore();
      }
      graphWorkerStart = median(alone.workerStarts());
    } finally {
      alone.dispose();
    }
    checks.push(`tasks the graph alone ran, per run (source changes, then row changes, daemon off then on): ${aloneRan.join(', ')}`);

    step('compression alone');
    const compression = await benchCompression(join(ws.root, COMPILE.writes), join(ws.root, NATIVE.writes), HEAVY_RUNS);

    step('uploads');
    const upload = await benchUpload(join(ws.root, BUNDLE.writes, '1.0.0'), RUNS);

    lines.push(
      '# Benchmarks',
      '',
      `Written by \`npm run bench\` (tools/bench/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, Bun ${bunVersion()}. ` +
        `Medians of ${RUNS} runs (${HEAVY_RUNS} for builds); each figure is compared with a baseline measured in the same run. Wall-clock times include starting Nx.`,
      '',
      ...overheadLines({
        nx: f,
        naive,
        libraryCold,
        librarySource,
        libraryCompiles,
        libraryOwn,
        ownCompileBundle,
        noopIsolated,
        nodeStart,
        compileCommand,
        restCommand,
        outputCopy,
        graphAlone,
        graphWorkerStart,
        sourceChangeTasks,
        noopSplit,
        checks,
      }),
      ...compression,
      ...upload,
    );
  } finally {
    clearScratch();
    ws.dispose();
  }
  writeFileSync(join(WORKSPACE_ROOT, 'BENCHMARKS.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
