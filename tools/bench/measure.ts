import { performance } from 'node:perf_hooks';

export interface Sample {
  runs: number[];
  median: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `work` `count` times (after `prepare`, untimed), in seconds. */
export async function timeRuns(
  count: number,
  work: (i: number) => Promise<void>,
  prepare?: (i: number) => Promise<void> | void,
): Promise<Sample> {
  const runs: number[] = [];
  for (let i = 0; i < count; i++) {
    await prepare?.(i);
    const start = performance.now();
    await work(i);
    runs.push((performance.now() - start) / 1000);
  }
  return { runs, median: median(runs) };
}

export const fmt = (seconds: number) => `${seconds.toFixed(2)} s`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
