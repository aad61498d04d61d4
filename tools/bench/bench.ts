/**
 * `npm run bench`: measures the build graph and uploads on this machine, each figure against a
 * baseline measured in the same run, and writes BENCHMARKS.md. Medians, because the machines
 * here are shared and noisy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlatform, bunVersion, compileBinary, getPlatform, ZIP_EPOCH } from '../../libs/release/src/index';
import { startS3rver } from '../testing/s3rver';
import { copyWorkspace, runCommand, runNx, taskOutcome, WORKSPACE_ROOT } from '../testing/workspace';
import { fmt, median, ratio, timeRuns } from './measure';
import { benchUpload } from './upload';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HEAVY_RUNS = Number(process.env.BENCH_HEAVY_RUNS ?? 2);

async function nxOk(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const run = await runNx(root, args, env);
  if (run.code !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${run.output}`);
  return run.output;
}

async function main() {
  const ws = copyWorkspace('codebuff-bench-');
  const lines: string[] = [];
  try {
    process.stderr.write('cold builds (no cache)...\n');
    const cold = await timeRuns(HEAVY_RUNS, async () => {
      await nxOk(ws.root, ['run', 'codebuff-cli:bundle', '--skip-nx-cache']);
    });

    process.stderr.write('naive loop...\n');
    const naive = await timeRuns(HEAVY_RUNS, async () => {
      const out = mkdtempSync(join(tmpdir(), 'naive-'));
      execFileSync(join(__dirname, 'naive-loop.sh'), [out]);
      rmSync(out, { recursive: true, force: true });
    });

    process.stderr.write('no-op runs...\n');
    await nxOk(ws.root, ['run', 'codebuff-cli:bundle']);
    const daemonEnv = { NX_DAEMON: 'true' };
    await nxOk(ws.root, ['run', 'codebuff-cli:bundle'], daemonEnv); // starts the daemon
    let allCached = true;
    const noopDaemon = await timeRuns(RUNS + 2, async () => {
      const output = await nxOk(ws.root, ['run', 'codebuff-cli:bundle'], daemonEnv);
      allCached &&= taskOutcome(output).ran.length === 0;
    });
    const noopNoDaemon = await timeRuns(RUNS, async () => {
      await nxOk(ws.root, ['run', 'codebuff-cli:bundle']);
    });
    const nodeStart = await timeRuns(RUNS, async () => {
      await runCommand(process.execPath, ['-e', '0'], { cwd: ws.root });
    });

    process.stderr.write('re-release with nothing changed...\n');
    const s3 = await startS3rver(['releases']);
    const s3Env = { ...daemonEnv, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
    const uploadArgs = ['run', 'codebuff-cli:upload', '--target=s3', '--bucket=releases', `--endpoint=${s3.endpoint}`, '--quiet'];
    await nxOk(ws.root, uploadArgs, s3Env);
    let rereleaseSent = '';
    const rerelease = await timeRuns(RUNS, async () => {
      const run = await runNx(ws.root, [...uploadArgs.slice(0, -1)], s3Env);
      if (run.code !== 0) throw new Error(run.output);
      rereleaseSent += `${/sent ([\d.]+ \w+)/.exec(run.output)?.[1] ?? '?'}; `;
    });
    await s3.close();

    process.stderr.write('one-platform changes...\n');
    const tablePath = join(ws.root, 'libs/release/src/platform-table.json');
    const table = readFileSync(tablePath, 'utf8');
    const variants = ['bun-linux-x64', 'bun-linux-x64-musl', 'bun-linux-x64-musl-baseline'].slice(0, Math.max(HEAVY_RUNS, 2));
    const ranPerChange: string[][] = [];
    const onePlatform = await timeRuns(
      variants.length,
      async () => {
        const output = await nxOk(ws.root, ['run', 'codebuff-cli:bundle'], daemonEnv);
        ranPerChange.push(taskOutcome(output).ran);
      },
      (i) => writeFileSync(tablePath, table.replace('"bun-linux-x64-baseline"', `"${variants[i]}"`)),
    );
    writeFileSync(tablePath, table);
    await nxOk(ws.root, ['daemon', '--stop']);

    // That platform's own work, straight through the library: compile, then bundle.
    const own = await timeRuns(variants.length, async (i) => {
      const dir = mkdtempSync(join(tmpdir(), 'own-'));
      const platform = { ...getPlatform('linux-x64'), bunTarget: variants[i] };
      await compileBinary({ platform, entry: join(WORKSPACE_ROOT, 'apps/codebuff-cli/src/main.ts'), outDir: join(dir, 'bin'), version: '1.0.0', cwd: join(WORKSPACE_ROOT, 'apps/codebuff-cli') });
      await bundlePlatform({ platform, binDir: join(dir, 'bin'), outDir: join(dir, 'bundle'), sourceDateEpoch: ZIP_EPOCH });
      rmSync(dir, { recursive: true, force: true });
    });

    process.stderr.write('uploads...\n');
    const upload = await benchUpload(join(ws.root, 'dist/release/1.0.0'), RUNS);

    const bun = bunVersion();
    lines.push(
      '# Benchmarks',
      '',
      `Written by \`npm run bench\` (tools/bench/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, Bun ${bun}. ` +
        `Medians of ${RUNS} runs (${HEAVY_RUNS} for full builds); each figure is compared with a baseline measured in the same run. Wall-clock times include starting Nx.`,
      '',
      '## Build graph (all five platforms)',
      '',
      '| measurement | median | runs | against | ratio | aim |',
      '| --- | --- | --- | --- | --- | --- |',
      `| (a) cold build, \`nx run codebuff-cli:bundle --skip-nx-cache\` | ${fmt(cold.median)} | ${cold.runs.map(fmt).join(', ')} | (d) naive loop | ${ratio(cold.median, naive.median)} | ≤ 0.5x |`,
      `| (b) nothing changed, Nx daemon on | ${fmt(noopDaemon.median)} | ${noopDaemon.runs.map(fmt).join(', ')} | (a) cold build | ${ratio(noopDaemon.median, cold.median)} | < 2 s |`,
      `| (b') nothing changed, \`NX_DAEMON=false\` | ${fmt(noopNoDaemon.median)} | ${noopNoDaemon.runs.map(fmt).join(', ')} | (b) | ${ratio(noopNoDaemon.median, noopDaemon.median)} | |`,
      `| (c) one platform's row changed (linux-x64) | ${fmt(onePlatform.median)} | ${onePlatform.runs.map(fmt).join(', ')} | that platform's own compile + bundle | ${ratio(onePlatform.median, own.median)} | ≤ 1.3x |`,
      `| that platform's own compile + bundle (library calls, no Nx) | ${fmt(own.median)} | ${own.runs.map(fmt).join(', ')} | | | |`,
      `| (d) naive loop: \`bun build --compile\` then \`tar czf\`, one platform after another | ${fmt(naive.median)} | ${naive.runs.map(fmt).join(', ')} | | | |`,
      `| re-release with nothing changed: \`nx run codebuff-cli:upload --target=s3\` again (daemon on, s3rver) | ${fmt(rerelease.median)} | ${rerelease.runs.map(fmt).join(', ')} | (a) cold build | ${ratio(rerelease.median, cold.median)} | about 1 s, nothing sent (sent: ${rereleaseSent.trim()}) |`,
      `| \`node -e 0\` (process start, for scale) | ${fmt(nodeStart.median)} | ${nodeStart.runs.map(fmt).join(', ')} | | | |`,
      '',
      `Checks made while measuring: every no-op run restored all tasks from cache: ${allCached ? 'yes' : 'NO'}; tasks run after each one-row change: ${ranPerChange.map((r) => r.join(' + ')).join('; ')}.`,
      '',
      ...upload,
    );
  } finally {
    ws.dispose();
  }
  writeFileSync(join(WORKSPACE_ROOT, 'BENCHMARKS.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
