import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Sample {
  runs: number[];
  median: number;
  /**
   * CPU seconds (user + system) of each run: this process and the children it waited for (Nx and
   * its task workers; not a daemon, which is nobody's child here). The machine's sum over cores.
   */
  cpu: { runs: number[]; median: number };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

let ticksPerSecond: number | undefined;
/** Linux's count for waited-for children (/proc/self/stat cutime + cstime): Node reports only its own. */
function childrenCpu(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}
const cpuNow = () => {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + childrenCpu();
};

/** Times `work` `count` times (after `prepare`, untimed), in seconds, wall clock and CPU. */
export async function timeRuns(
  count: number,
  work: (i: number) => Promise<void>,
  prepare?: (i: number) => Promise<void> | void,
): Promise<Sample> {
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    await prepare?.(i);
    const [start, cpuStart] = [performance.now(), cpuNow()];
    await work(i);
    runs.push((performance.now() - start) / 1000);
    cpu.push(cpuNow() - cpuStart);
  }
  return { runs, median: median(runs), cpu: { runs: cpu, median: median(cpu) } };
}

export const fmt = (seconds: number) => `${seconds.toFixed(2)} s`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
