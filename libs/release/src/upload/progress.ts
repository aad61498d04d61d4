import { formatBytes, transferProgress } from '../units';
import type { LocalFile, ProgressSink, UploadReporter } from './types';

export interface ProgressOptions {
  /** Where lines go; stderr keeps stdout clean for scripts. */
  stream?: NodeJS.WriteStream;
  /** Redraw lines in place (a terminal) or print periodic lines (CI logs). */
  interactive?: boolean;
  quiet?: boolean;
  /** How often a non-interactive run prints a line per file. */
  intervalMs?: number;
  now?: () => number;
}

interface Tracker {
  file: LocalFile;
  sent: number;
  startedAt: number;
  lastPrinted: number;
  state: 'active' | 'uploaded' | 'skipped';
}

export { formatBytes };

/** `codebuff-linux-x64.tar.gz  12.0 MiB / 50.0 MiB  24%  8.1 MiB/s  5s left` */
export function progressLine(t: Tracker, now: number): string {
  if (t.state === 'skipped') return `${t.file.fileName}  unchanged, skipped`;
  const elapsed = Math.max((now - t.startedAt) / 1000, 0.001);
  const rate = t.sent / elapsed;
  if (t.state === 'uploaded')
    return `${t.file.fileName}  ${formatBytes(t.file.size)}  done in ${elapsed.toFixed(1)}s (${formatBytes(rate)}/s)`;
  return `${t.file.fileName}  ${transferProgress(t.sent, t.file.size, rate)}`;
}

/**
 * Upload progress: on a terminal one line per file redrawn in place; in CI a line per file
 * every few seconds (logs stay short) and a summary at the end; nothing at all when quiet.
 */
export function createProgressReporter(options: ProgressOptions = {}): UploadReporter & { summary(lines: string[]): void } {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? Boolean(stream.isTTY);
  const interval = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  const trackers: Tracker[] = [];
  let drawn = 0;

  const write = (text: string) => {
    if (!options.quiet) stream.write(text);
  };
  const redraw = () => {
    if (!interactive) return;
    const at = now();
    write((drawn > 0 ? `\x1b[${drawn}A` : '') + trackers.map((t) => `\x1b[2K${progressLine(t, at)}\n`).join(''));
    drawn = trackers.length;
  };

  return {
    start(file): ProgressSink {
      const tracker: Tracker = { file, sent: 0, startedAt: now(), lastPrinted: now(), state: 'active' };
      trackers.push(tracker);
      if (interactive) redraw();
      else write(`uploading ${file.fileName} (${formatBytes(file.size)})\n`);
      return (sent) => {
        tracker.sent = sent;
        const at = now();
        if (interactive) {
          if (at - tracker.lastPrinted >= 100) {
            tracker.lastPrinted = at;
            redraw();
          }
        } else if (at - tracker.lastPrinted >= interval) {
          tracker.lastPrinted = at;
          write(`  ${progressLine(tracker, at)}\n`);
        }
      };
    },
    done(file, outcome) {
      let tracker = trackers.find((t) => t.file.fileName === file.fileName && t.state === 'active');
      if (!tracker) {
        tracker = { file, sent: 0, startedAt: now(), lastPrinted: now(), state: outcome };
        trackers.push(tracker);
      }
      tracker.state = outcome;
      tracker.sent = outcome === 'uploaded' ? file.size : tracker.sent;
      if (interactive) redraw();
      else write(`${progressLine(tracker, now())}\n`);
    },
    info(message) {
      if (interactive) {
        drawn = 0;
      }
      write(`${message}\n`);
    },
    summary(lines) {
      for (const line of lines) write(`${line}\n`);
    },
  };
}
